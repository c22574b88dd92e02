package io.telegen.catalog;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class MetricCatalogTest {

  /** Every metric name the Telegen AI/ML spec page prints, in tables or in its PromQL examples. */
  private static final List<String> SPEC_METRICS =
      List.of(
          // NVIDIA GPU metrics
          "gpu_utilization_percent",
          "gpu_memory_used_bytes",
          "gpu_memory_total_bytes",
          "gpu_memory_free_bytes",
          "gpu_temperature_celsius",
          "gpu_power_usage_watts",
          "gpu_power_limit_watts",
          "gpu_sm_clock_hz",
          "gpu_memory_clock_hz",
          "gpu_pcie_tx_bytes",
          "gpu_pcie_rx_bytes",
          "gpu_encoder_utilization_percent",
          "gpu_decoder_utilization_percent",
          // per-process
          "gpu_process_memory_bytes",
          "gpu_process_sm_utilization_percent",
          // AMD (the others repeat NVIDIA names)
          "gpu_fan_speed_percent",
          // multi-node training PromQL
          "gpu_nccl_send_bytes_total",
          "gpu_nccl_recv_bytes_total",
          // LLM inference
          "llm_request_total",
          "llm_request_duration_seconds",
          "llm_time_to_first_token_seconds",
          "llm_inter_token_latency_seconds",
          "llm_tokens_generated_total",
          "llm_tokens_per_second",
          "llm_prompt_tokens_total",
          "llm_queue_depth",
          "llm_batch_size",
          "llm_kv_cache_usage_bytes",
          // best-practices PromQL
          "llm_kv_cache_capacity_bytes",
          // training
          "training_loss",
          "training_step",
          "training_epoch",
          "training_learning_rate",
          "training_throughput_samples_per_second",
          "training_gpu_utilization_percent",
          "training_gradient_norm");

  /** The metrics in the spec's AMD table, all of which ROCm SMI must provide. */
  private static final List<String> SPEC_AMD_METRICS =
      List.of(
          "gpu_utilization_percent",
          "gpu_memory_used_bytes",
          "gpu_memory_total_bytes",
          "gpu_temperature_celsius",
          "gpu_power_usage_watts",
          "gpu_fan_speed_percent");

  /** Every label the spec page prints, in its label table, sample series and PromQL. */
  private static final List<String> SPEC_LABELS =
      List.of(
          "device",
          "name",
          "uuid",
          "k8s_pod",
          "mig_device",
          "mig_profile",
          "model",
          "instance",
          "gpu",
          "job",
          "node");

  private static final List<String> GPU_LABELS =
      List.of("device", "name", "uuid", "pci_bus_id", "vendor");
  private static final Set<String> GPU_SOURCES =
      Set.of("nvml", "gpm", "nvlink", "rocm_smi", "amd_smi");

  private final MetricCatalog catalog = MetricCatalog.load();

  @Test
  void shippedCatalogLoadsOnce() {
    assertFalse(catalog.metrics().isEmpty());
    assertSame(catalog, MetricCatalog.load(), "load() must cache the parsed catalog");
  }

  @Test
  void containsEveryMetricTheSpecLists() {
    List<String> missing = new ArrayList<>();
    for (String name : SPEC_METRICS) {
      if (catalog.find(name).isEmpty()) {
        missing.add(name);
      }
    }
    assertEquals(List.of(), missing, "spec metrics missing from the catalog");
  }

  @Test
  void specFlagMarksExactlyTheSpecMetrics() {
    Set<String> flagged = new TreeSet<>();
    for (MetricDefinition metric : catalog.metrics()) {
      if (metric.spec()) {
        flagged.add(metric.name());
      }
    }
    assertEquals(new TreeSet<>(SPEC_METRICS), flagged);
  }

  @Test
  void specHistogramsAndCountersHaveTheTypesTheSpecQueriesNeed() {
    // The spec runs histogram_quantile over _bucket series and rate() over _total series.
    for (String name :
        List.of(
            "llm_request_duration_seconds",
            "llm_time_to_first_token_seconds",
            "llm_inter_token_latency_seconds")) {
      assertEquals(MetricType.HISTOGRAM, catalog.get(name).type(), name);
    }
    for (String name :
        List.of(
            "llm_request_total",
            "llm_tokens_generated_total",
            "llm_prompt_tokens_total",
            "gpu_nccl_send_bytes_total",
            "gpu_nccl_recv_bytes_total")) {
      assertEquals(MetricType.COUNTER, catalog.get(name).type(), name);
    }
    for (String name :
        List.of(
            "gpu_pcie_tx_bytes",
            "gpu_pcie_rx_bytes",
            "llm_queue_depth",
            "llm_batch_size",
            "llm_tokens_per_second",
            "training_step",
            "training_epoch")) {
      assertEquals(MetricType.GAUGE, catalog.get(name).type(), name);
    }
  }

  @Test
  void declaresEveryLabelTheSpecUses() {
    for (String label : SPEC_LABELS) {
      assertTrue(catalog.labels().containsKey(label), "label not declared: " + label);
    }
  }

  @Test
  void specLabelsSitOnTheMetricsTheSpecShowsThemOn() {
    // gpu_utilization_percent{device,name,uuid,k8s_pod} and {device,mig_device,mig_profile}
    List<String> utilization = catalog.get("gpu_utilization_percent").allLabels();
    for (String label :
        List.of("device", "name", "uuid", "k8s_pod", "mig_device", "mig_profile", "job")) {
      assertTrue(utilization.contains(label), "gpu_utilization_percent lacks " + label);
    }
    // gpu_memory_used_bytes{job="distributed-training"} by (node)
    List<String> memory = catalog.get("gpu_memory_used_bytes").allLabels();
    assertTrue(
        memory.contains("job") && memory.contains("node"), "gpu_memory_used_bytes lacks job/node");
    // LLM labels model, instance, gpu on every llm_* metric; by (model) must always work.
    for (MetricDefinition metric : catalog.metrics()) {
      if (metric.name().startsWith("llm_")) {
        assertTrue(
            metric.labels().containsAll(List.of("model", "instance", "framework")), metric.name());
        assertTrue(metric.allLabels().contains("gpu"), metric.name() + " lacks gpu");
      }
    }
  }

  @Test
  void everyDeviceMetricCarriesTheGpuIdentityLabels() {
    for (MetricDefinition metric : catalog.metrics()) {
      if (metric.sources().stream().anyMatch(GPU_SOURCES::contains)) {
        assertEquals(
            GPU_LABELS,
            metric.labels().subList(0, Math.min(5, metric.labels().size())),
            metric.name() + " must start with the GPU identity labels");
      }
    }
  }

  @Test
  void amdProvidesTheSpecAmdTable() {
    List<String> rocm = names(catalog.fromSource("rocm_smi"));
    assertTrue(rocm.containsAll(SPEC_AMD_METRICS), "rocm_smi provides " + rocm);
    List<String> amdSmi = names(catalog.fromSource("amd_smi"));
    assertTrue(amdSmi.containsAll(SPEC_AMD_METRICS), "amd_smi provides " + amdSmi);
  }

  @Test
  void unitsAgreeWithNameSuffixes() {
    Map<String, String> bySuffix =
        Map.of(
            "_percent",
            "%",
            "_bytes",
            "By",
            "_bytes_total",
            "By",
            "_seconds",
            "s",
            "_celsius",
            "Cel",
            "_watts",
            "W",
            "_hz",
            "Hz",
            "_joules_total",
            "J",
            "_ratio",
            "1");
    for (MetricDefinition metric : catalog.metrics()) {
      String name = metric.name();
      if (name.equals("gpu_pcie_tx_bytes") || name.equals("gpu_pcie_rx_bytes")) {
        // The spec names these rates without _per_second; the unit tells the truth.
        assertEquals("By/s", metric.unit(), name);
        continue;
      }
      for (Map.Entry<String, String> rule : bySuffix.entrySet()) {
        if (name.endsWith(rule.getKey())) {
          assertEquals(rule.getValue(), metric.unit(), name);
        }
      }
    }
  }

  @Test
  void selfTelemetryIsExactlyTheAgreedSet() {
    List<MetricDefinition> self = catalog.fromSource("self");
    assertEquals(
        List.of(
            "telegen_agent_points_exported_total",
            "telegen_agent_points_failed_total",
            "telegen_agent_queue_length",
            "telegen_agent_queue_on_disk",
            "telegen_agent_queue_corrupt_records_total",
            "telegen_agent_collection_duration_seconds",
            "telegen_agent_collection_errors_total",
            "telegen_agent_receiver_requests_total"),
        names(self));
    assertSelf(
        "telegen_agent_points_exported_total", MetricType.COUNTER, "{point}", List.of("signal"));
    assertSelf(
        "telegen_agent_points_failed_total",
        MetricType.COUNTER,
        "{point}",
        List.of("signal", "reason"));
    assertSelf("telegen_agent_queue_length", MetricType.GAUGE, "{request}", List.of());
    assertSelf(
        "telegen_agent_collection_duration_seconds", MetricType.GAUGE, "s", List.of("source"));
    assertSelf(
        "telegen_agent_collection_errors_total",
        MetricType.COUNTER,
        "{error}",
        List.of("source", "reason"));
    assertSelf(
        "telegen_agent_receiver_requests_total",
        MetricType.COUNTER,
        "{request}",
        List.of("signal", "outcome"));
  }

  @Test
  void everyKnownSourceEmitsSomething() {
    for (String source : catalog.sources().keySet()) {
      assertFalse(catalog.fromSource(source).isEmpty(), "no metric lists source " + source);
    }
  }

  @Test
  void fromSourceRejectsUnknownSources() {
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> catalog.fromSource("dcgm"));
    assertTrue(e.getMessage().contains("'dcgm'"), e.getMessage());
  }

  @Test
  void getNamesTheMissingMetric() {
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> catalog.get("gpu_utilisation_percent"));
    assertTrue(e.getMessage().contains("gpu_utilisation_percent"), e.getMessage());
    assertTrue(catalog.find("gpu_utilisation_percent").isEmpty());
    assertEquals(
        "gpu_utilization_percent", catalog.find("gpu_utilization_percent").orElseThrow().name());
  }

  @Test
  void catalogIsImmutable() {
    assertThrows(UnsupportedOperationException.class, () -> catalog.metrics().clear());
    assertThrows(UnsupportedOperationException.class, () -> catalog.labels().clear());
    assertThrows(
        UnsupportedOperationException.class,
        () -> catalog.get("gpu_utilization_percent").labels().add("x"));
    assertThrows(UnsupportedOperationException.class, () -> catalog.fromSource("nvml").clear());
  }

  @Test
  void definitionsAreEqualByEveryFieldAndHashAlike() {
    MetricDefinition one = definition("s", "Duration.", List.of("vllm"), Map.of());
    MetricDefinition same = definition("s", "Duration.", List.of("vllm"), Map.of());
    assertEquals(one, same);
    assertEquals(one.hashCode(), same.hashCode());
    for (MetricDefinition other :
        List.of(
            definition("ms", "Duration.", List.of("vllm"), Map.of()),
            definition("s", "Another.", List.of("vllm"), Map.of()),
            definition("s", "Duration.", List.of("tgi"), Map.of()),
            definition("s", "Duration.", List.of("vllm"), Map.of("vllm", "issue 9")))) {
      assertFalse(one.equals(other), other.toString());
    }
  }

  private static MetricDefinition definition(
      String unit, String description, List<String> sources, Map<String, String> planned) {
    return new MetricDefinition(
        "llm_request_duration_seconds",
        MetricType.HISTOGRAM,
        unit,
        description,
        List.of("model"),
        List.of(),
        sources,
        true,
        planned,
        Map.of());
  }

  @Test
  void parsesAValidCatalog() throws IOException {
    MetricCatalog minimal = parseResource("valid-minimal.yaml");
    assertEquals(
        List.of("gpu_utilization_percent", "llm_request_total", "llm_request_duration_seconds"),
        names(minimal.metrics()));
    MetricDefinition histogram = minimal.get("llm_request_duration_seconds");
    assertEquals(
        new MetricDefinition(
            "llm_request_duration_seconds",
            MetricType.HISTOGRAM,
            "s",
            "End-to-end request duration.",
            List.of("model"),
            List.of("device"),
            List.of("vllm"),
            true),
        histogram);
    assertEquals(List.of(), minimal.get("gpu_utilization_percent").optionalLabels());
    assertEquals(Map.of("device", "GPU index.", "model", "Served model."), minimal.labels());
    assertEquals(List.of("nvml", "vllm", "tgi"), List.copyOf(minimal.sources().keySet()));
    assertEquals(
        new SourceDefinition("tgi", "serving_framework", "TGI /metrics."),
        minimal.sources().get("tgi"));
    assertEquals(Set.of("vllm", "tgi"), minimal.sourcesOf("serving_framework"));
  }

  @Test
  void sourcesAreDataWithOneSpellingForTensorFlowServing() {
    assertTrue(catalog.sources().containsKey("tensorflow_serving"), catalog.sources().toString());
    assertFalse(catalog.sources().containsKey("tf_serving"));
    assertEquals("serving_framework", catalog.sources().get("tensorflow_serving").capability());
    assertTrue(catalog.get("llm_request_total").sources().contains("tensorflow_serving"));
    assertTrue(catalog.labels().get("framework").contains("tensorflow_serving"));
    assertFalse(catalog.labels().get("framework").contains("tf_serving"));
    for (SourceDefinition source : catalog.sources().values()) {
      assertFalse(source.description().isBlank(), source.id());
    }
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(
      delimiter = ';',
      quoteCharacter = '"',
      value = {
        "duplicate-name.yaml; metric #2 'gpu_utilization_percent'; duplicate metric name",
        "counter-without-total.yaml; metric #1 'llm_request_count'; counter name must end in _total",
        "gauge-with-total.yaml; metric #1 'gpu_up_total'; only counters may end in _total",
        "undeclared-label.yaml; metric #1 'gpu_memory_used_bytes'; label 'k8s_pdo' is not declared",
        "unknown-type.yaml; metric #1 'llm_time_to_first_token_seconds'; unknown type 'summary'",
        "unknown-unit.yaml; metric #1 'gpu_sm_clock_hz'; unknown unit 'MHz'",
        "empty-description.yaml; metric #1 'gpu_power_usage_watts'; 'description' must not be empty",
        "empty-description.yaml; metric #1 'gpu_power_usage_watts'; unknown source 'dcgm'",
        "unknown-key.yaml; metric #1 'gpu_temperature_celsius'; unknown key 'optional_label'",
        "duplicate-key.yaml; catalog/duplicate-key.yaml; duplicate key unit",
        "unused-label.yaml; label 'rank'; declared but no metric uses it",
        "unused-source.yaml; source 'dcgm'; declared but no metric names it",
        "undeclared-source.yaml; metric #1 'gpu_temperature_celsius'; declare it under 'sources'",
        "planned-mistakes.yaml; metric #1 'gpu_memory_used_bytes'; planned for 'intel', which is not declared",
        "planned-mistakes.yaml; metric #2 'gpu_memory_total_bytes'; planned 'rocm_smi' is neither one of its"
            + " sources",
        "planned-mistakes.yaml; metric #3 'gpu_memory_free_bytes'; required label 'device' cannot be planned",
        "planned-mistakes.yaml; metric #4 'gpu_temperature_celsius'; 'planned' must map a plan to the sources",
        "vague-plan.yaml; plan 'amd'; description must say what it waits for, as \"issue N: what\"",
        "vague-plan.yaml; plan 'kubernetes'; another plan already waits for 'issue 11: pods'",
        "unused-plan.yaml; plan 'amd'; declared but nothing is planned for it",
      })
  void rejectsABadCatalogNamingTheEntryAndTheProblem(String file, String entry, String problem) {
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> parseResource(file));
    String message = e.getMessage();
    assertTrue(message.startsWith("catalog/" + file + ":"), "message names the file: " + message);
    assertTrue(message.contains(entry), "message names the entry '" + entry + "': " + message);
    assertTrue(
        message.contains(problem), "message names the problem '" + problem + "': " + message);
  }

  @Test
  void parsesPlannedSourcesAndLabelsWithWhatTheyWaitFor() throws IOException {
    MetricCatalog planned = parseResource("planned.yaml");
    assertEquals(
        Map.of("amd", "issue 12: AMD GPUs", "kubernetes", "issue 11: Kubernetes pods"),
        planned.plans());

    MetricDefinition partly = planned.get("gpu_utilization_percent");
    assertFalse(partly.planned());
    assertEquals(Optional.empty(), partly.waitsFor());
    assertEquals(List.of("nvml"), partly.builtSources());
    assertEquals(List.of("nvml", "rocm_smi", "amd_smi"), partly.sources());
    assertEquals(
        Map.of("rocm_smi", "issue 12: AMD GPUs", "amd_smi", "issue 12: AMD GPUs"),
        partly.plannedSources());
    assertEquals(Map.of("k8s_pod", "issue 11: Kubernetes pods"), partly.plannedLabels());
    assertEquals(List.of(), partly.builtOptionalLabels());
    assertEquals(List.of("device", "k8s_pod"), partly.allLabels());

    MetricDefinition whole = planned.get("gpu_fan_speed_percent");
    assertTrue(whole.planned());
    assertEquals(Optional.of("issue 12: AMD GPUs"), whole.waitsFor());
    assertEquals(List.of(), whole.builtSources());
  }

  @Test
  void planlessEntriesAreBuiltThroughout() throws IOException {
    MetricDefinition metric = parseResource("valid-minimal.yaml").get("llm_request_total");
    assertFalse(metric.planned());
    assertEquals(Map.of(), metric.plannedSources());
    assertEquals(metric.sources(), metric.builtSources());
    assertEquals(Map.of(), parseResource("valid-minimal.yaml").plans());
  }

  @Test
  void shippedPlansSayWhichIssueBuildsThemAndNothingBuiltIsPlanned() {
    for (String waitsFor : catalog.plans().values()) {
      assertTrue(waitsFor.matches("issue [0-9]+: .+"), waitsFor);
    }
    // AMD GPUs are built (issue 12): no AMD listing is planned.
    for (MetricDefinition metric : catalog.metrics()) {
      for (String source : List.of("rocm_smi", "amd_smi")) {
        if (metric.sources().contains(source)) {
          assertFalse(metric.plannedSources().containsKey(source), metric.name() + " " + source);
        }
      }
      // Issue 11's pods are built: of devices (the kubelet) and of processes (the runtime).
      for (String label : List.of("k8s_pod", "k8s_namespace", "k8s_container", "job", "node")) {
        assertFalse(metric.plannedLabels().containsKey(label), metric.name() + " " + label);
      }
      assertFalse(metric.planned(), metric.name() + ": every shipped metric has a built source");
    }
  }

  @Test
  void aDefinitionRefusesPlansOutsideItsSourcesAndOptionalLabels() {
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () ->
                new MetricDefinition(
                    "gpu_up",
                    MetricType.GAUGE,
                    "1",
                    "Up.",
                    List.of("device"),
                    List.of(),
                    List.of("nvml"),
                    false,
                    Map.of("rocm_smi", "issue 12: AMD"),
                    Map.of()));
    assertTrue(e.getMessage().contains("rocm_smi"), e.getMessage());
    assertThrows(
        IllegalArgumentException.class,
        () ->
            new MetricDefinition(
                "gpu_up",
                MetricType.GAUGE,
                "1",
                "Up.",
                List.of("device"),
                List.of(),
                List.of("nvml"),
                false,
                Map.of(),
                Map.of("device", "issue 11: pods")));
  }

  @Test
  void reportsEveryProblemAtOnce() {
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> parseResource("empty-description.yaml"));
    assertTrue(e.getMessage().contains("(2 problems)"), e.getMessage());
  }

  @Test
  void rejectsADocumentThatIsNotACatalog() {
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () ->
                MetricCatalog.parse(
                    new ByteArrayInputStream("- just\n- a list\n".getBytes(StandardCharsets.UTF_8)),
                    "inline"));
    assertTrue(e.getMessage().startsWith("inline: expected a mapping"), e.getMessage());
  }

  private void assertSelf(String name, MetricType type, String unit, List<String> labels) {
    MetricDefinition metric = catalog.get(name);
    assertEquals(type, metric.type(), name);
    assertEquals(unit, metric.unit(), name);
    assertEquals(labels, metric.labels(), name);
    assertEquals(List.of(), metric.optionalLabels(), name);
    assertEquals(List.of("self"), metric.sources(), name);
  }

  private static MetricCatalog parseResource(String file) throws IOException {
    String path = "/catalog/" + file;
    try (InputStream in = MetricCatalogTest.class.getResourceAsStream(path)) {
      assertNotNull(in, "test resource " + path);
      return MetricCatalog.parse(in, "catalog/" + file);
    }
  }

  private static List<String> names(List<MetricDefinition> metrics) {
    List<String> names = new ArrayList<>();
    for (MetricDefinition metric : metrics) {
      names.add(metric.name());
    }
    return names;
  }
}
