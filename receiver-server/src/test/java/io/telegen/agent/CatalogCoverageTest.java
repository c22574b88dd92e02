package io.telegen.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.metrics.v1.AggregationTemporality;
import io.opentelemetry.proto.metrics.v1.Metric;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.Span;
import io.telegen.agent.export.Signal;
import io.telegen.agent.kubernetes.FakeKubelet;
import io.telegen.agent.kubernetes.GpuAllocationSource;
import io.telegen.agent.kubernetes.KubeletPods;
import io.telegen.agent.kubernetes.PodResourcesClient;
import io.telegen.agent.telemetry.AgentTelemetry;
import io.telegen.agent.traces.LlmSpanMetrics;
import io.telegen.catalog.MetricCatalog;
import io.telegen.catalog.MetricDefinition;
import io.telegen.catalog.MetricType;
import io.telegen.frameworks.llm.KvCacheModel;
import io.telegen.frameworks.llm.LlmNormalizer;
import io.telegen.frameworks.llm.LlmTarget;
import io.telegen.frameworks.prometheus.PrometheusTextParser;
import io.telegen.frameworks.training.TrainingJobSource;
import io.telegen.frameworks.training.TrainingProcessDiscovery;
import io.telegen.frameworks.training.TrainingTagMapping;
import io.telegen.gpu.AmdGpuSource;
import io.telegen.gpu.GpuOptions;
import io.telegen.gpu.NvidiaGpuSource;
import io.telegen.gpu.infiniband.InfinibandSource;
import io.telegen.gpu.nccl.NcclCounterSource;
import io.telegen.node.DeviceAttribution;
import io.telegen.node.DeviceAttributions;
import io.telegen.node.GpuProcessSnapshot;
import io.telegen.node.GpuProcessTable;
import io.telegen.node.GpuProcessTables;
import io.telegen.node.GpuRef;
import io.telegen.node.GpuVendor;
import io.telegen.node.NodeAttribution;
import io.telegen.node.ProcessAttribution;
import io.telegen.node.ProcessAttributions;
import io.telegen.source.Labels;
import io.telegen.source.MetricBatch;
import io.telegen.source.MetricSource;
import io.telegen.testsupport.BuildOutputs;
import io.telegen.testsupport.GpuTestResources;
import io.telegen.testsupport.RealPayloads;
import io.telegen.testsupport.Repository;
import io.telegen.testsupport.TestFiles;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Function;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The metric catalog and the built sources agree, both ways. Every built source runs here on the
 * inputs that reach all its paths (the fake NVML driver's scenarios, the NCCL driver and a fake
 * sysfs, every serving framework's fixtures through the normaliser, a training node, LLM spans,
 * self-telemetry), and then:
 *
 * <ul>
 *   <li>every emitted metric is in the catalog, lists the source that emitted it, and has the
 *       catalog's type and unit;
 *   <li>every point carries the metric's required labels and only its declared, built labels;
 *   <li>every entry of a built source that is not planned is emitted by it, and every optional
 *       label that is not planned is seen at least once;
 *   <li>every catalog source is either run here or planned on every entry that lists it.
 * </ul>
 *
 * <p>A planned source or label that a source emits fails too, so the marker in metrics.yaml goes
 * when its work lands.
 */
class CatalogCoverageTest {

  private static final MetricCatalog CATALOG = MetricCatalog.load();

  /**
   * Catalog sources whose metrics no agent source emits: applications push them over OTLP and the
   * agent only relays them, so they are checked where they are produced, as named here.
   */
  private static final Map<String, String> PUSHED =
      Map.of(
          "otlp_training",
          "pushedTrainingMetricsAreTheCatalogsOtlpTrainingEntries below",
          "onnxruntime",
          "InstrumentedOrtSessionTest.reportsWhatTheAgentsCatalogSaysOnnxRuntimeEmits"
              + " in frameworks/onnxruntime-otel");

  /** What one run of a built source emitted, and the catalog sources it speaks for. */
  private record Run(String what, Set<String> catalogSources, List<Metric> metrics) {}

  private static List<Run> runs;

  @BeforeAll
  static void runEveryBuiltSource() throws Exception {
    List<Run> all = new ArrayList<>();
    all.add(selfTelemetry());
    // NVML on the fake driver: a PCIe board, an NVLink/GPM node and a MIG GPU cover every path,
    // each with GPU 0 (on the MIG GPU: its first MIG device) held by a pod of a fake kubelet and
    // GPU 0 (and its MIG devices) used by a training job, so the pod and job labels are seen on
    // every device series, NVLink and MIG included.
    Path kubeletDir = Files.createTempDirectory("catalog-kubelet");
    try (FakeKubelet kubelet = FakeKubelet.start(kubeletDir.resolve("kubelet.sock"))) {
      kubelet
          .pod(
              "ml",
              "trainer-0",
              FakeKubelet.sidecar("istio-proxy"),
              FakeKubelet.container(
                  "trainer",
                  "nvidia.com/gpu",
                  "GPU-3f98e277-4cbd-47ad-9c90-a9587403e430",
                  "GPU-6513270e-269e-4d37-b2a7-4de452e6b438"))
          .pod(
              "ml",
              "notebook",
              FakeKubelet.container(
                  "jupyter", "nvidia.com/mig-3g.40gb", "MIG-2ce7a541-c516-5dbc-a76e-26cc100d9b55"));
      // A generous deadline: the first call on a loaded machine loads gRPC's classes, and a
      // kubelet that did not answer the first listing would leave the GPUs without pods here.
      try (KubeletPods pods =
          KubeletPods.start(new PodResourcesClient(kubelet.socket(), Duration.ofSeconds(30)))) {
        assertTrue(pods.answering(), "the fake kubelet answered the first listing");
        for (String scenario : List.of("pcie-rtx6000ada-fan", "dgx-h100-nvlink", "h100-mig")) {
          DeviceAttributions.Registry registry = new DeviceAttributions.Registry();
          registry.add(pods);
          all.add(nvml(scenario, registry, GPU_0_TRAINS));
        }
        all.add(run("kubelet", Set.of("kubelet"), new GpuAllocationSource(pods)));
      }
    } finally {
      TestFiles.deleteTree(kubeletDir);
    }
    // AMD SMI on the fake library: a partitioned MI300X node (partition labels, xGMI, processes)
    // and a Radeon with a fan and an edge sensor cover every AMD path.
    // AMD GPU 0 is held by a pod and used by a training job, so those labels are seen on xGMI too.
    all.add(amdSmi("mi300x-spx", AMD_GPU_0_HELD));
    all.add(amdSmi("radeon-pro-w7900-fan", DeviceAttributions.none()));
    all.add(rocmSmi("mi300x-spx", AMD_GPU_0_HELD));
    all.add(rocmSmi("radeon-pro-w7900-fan", DeviceAttributions.none()));
    all.add(trainingRanksOnGpus());
    all.addAll(llmServing());
    all.add(llmTraces());
    all.add(training());
    all.addAll(ncclAndInfiniband());
    runs = List.copyOf(all);
  }

  @Test
  void everyEmittedMetricIsInTheCatalogUnderItsSourceWithItsTypeAndUnit() {
    List<String> wrong = new ArrayList<>();
    for (Run run : runs) {
      for (Metric metric : run.metrics()) {
        String where = run.what() + ": " + metric.getName();
        MetricDefinition definition = CATALOG.find(metric.getName()).orElse(null);
        if (definition == null) {
          wrong.add(where + " is not in the catalog");
          continue;
        }
        Set<String> listed = new TreeSet<>(definition.sources());
        listed.retainAll(run.catalogSources());
        if (listed.isEmpty()) {
          wrong.add(
              where
                  + " lists sources "
                  + definition.sources()
                  + ", none of "
                  + run.catalogSources());
        }
        Set<String> built = new TreeSet<>(definition.builtSources());
        built.retainAll(run.catalogSources());
        if (!listed.isEmpty() && built.isEmpty()) {
          wrong.add(
              where
                  + " is emitted, but the catalog plans its sources "
                  + listed
                  + " ("
                  + definition.plannedSources()
                  + "): remove the marker");
        }
        if (typeOf(metric) != definition.type()) {
          wrong.add(where + " is a " + typeOf(metric) + ", the catalog says " + definition.type());
        }
        if (!metric.getUnit().equals(definition.unit())) {
          wrong.add(
              where
                  + " has unit '"
                  + metric.getUnit()
                  + "', the catalog says '"
                  + definition.unit()
                  + "'");
        }
        if (metric.hasSum()
            && (!metric.getSum().getIsMonotonic()
                || metric.getSum().getAggregationTemporality()
                    != AggregationTemporality.AGGREGATION_TEMPORALITY_CUMULATIVE)) {
          wrong.add(where + " is not a cumulative monotonic sum");
        }
      }
    }
    assertEquals(List.of(), wrong);
  }

  @Test
  void everyPointCarriesItsRequiredLabelsAndOnlyBuiltDeclaredOnes() {
    List<String> wrong = new ArrayList<>();
    for (Run run : runs) {
      for (Metric metric : run.metrics()) {
        MetricDefinition definition = CATALOG.find(metric.getName()).orElse(null);
        if (definition == null) {
          continue; // reported by the test above
        }
        for (Set<String> labels : pointLabels(metric)) {
          String where = run.what() + ": " + metric.getName() + labels;
          if (!labels.containsAll(definition.labels())) {
            wrong.add(where + " lacks required labels of " + definition.labels());
          }
          for (String label : labels) {
            if (!definition.allLabels().contains(label)) {
              wrong.add(where + ": '" + label + "' is not declared for this metric");
            } else if (definition.plannedLabels().containsKey(label)) {
              wrong.add(
                  where
                      + ": '"
                      + label
                      + "' is planned ("
                      + definition.plannedLabels().get(label)
                      + ") but set: remove the marker");
            }
          }
        }
      }
    }
    assertEquals(List.of(), wrong);
  }

  @Test
  void everyEntryOfABuiltSourceIsEmittedUnlessPlanned() {
    Map<String, Set<String>> emittedBySource = new TreeMap<>();
    for (Run run : runs) {
      for (String source : run.catalogSources()) {
        Set<String> names = emittedBySource.computeIfAbsent(source, s -> new TreeSet<>());
        run.metrics().forEach(m -> names.add(m.getName()));
      }
    }
    Set<String> missing = new TreeSet<>();
    for (MetricDefinition definition : CATALOG.metrics()) {
      for (String source : definition.builtSources()) {
        Set<String> emitted = emittedBySource.get(source);
        if (emitted != null && !emitted.contains(definition.name())) {
          missing.add(definition.name() + " from " + source);
        }
      }
    }
    assertEquals(
        Set.of(),
        missing,
        "the catalog says these sources emit these metrics; they do"
            + " not. Build it, or mark the source planned on the entry");
  }

  @Test
  void everyOptionalLabelIsSeenUnlessPlanned() {
    Map<String, Set<String>> seen = new TreeMap<>();
    for (Run run : runs) {
      for (Metric metric : run.metrics()) {
        Set<String> labels = seen.computeIfAbsent(metric.getName(), n -> new TreeSet<>());
        pointLabels(metric).forEach(labels::addAll);
      }
    }
    Set<String> unseen = new TreeSet<>();
    for (MetricDefinition definition : CATALOG.metrics()) {
      if (definition.planned()) {
        continue;
      }
      Set<String> labels = seen.getOrDefault(definition.name(), Set.of());
      for (String label : definition.builtOptionalLabels()) {
        if (!labels.contains(label)) {
          unseen.add(definition.name() + " " + label);
        }
      }
    }
    assertEquals(
        Set.of(),
        unseen,
        "optional labels the catalog promises and no source sets:"
            + " set them, or mark them planned on the entry");
  }

  @Test
  void everyCatalogSourceIsRunHereOrPlannedWhereverItIsListed() {
    Set<String> run = new HashSet<>();
    runs.forEach(r -> run.addAll(r.catalogSources()));
    Set<String> unaccounted = new TreeSet<>();
    for (MetricDefinition definition : CATALOG.metrics()) {
      for (String source : definition.builtSources()) {
        if (!run.contains(source) && !PUSHED.containsKey(source)) {
          unaccounted.add(definition.name() + " from " + source);
        }
      }
    }
    assertEquals(
        Set.of(),
        unaccounted,
        "no source of this build is run for these: run it here,"
            + " or mark the source planned on the entry");
    for (String source : run) {
      assertTrue(CATALOG.sources().containsKey(source), source + " is not a catalog source");
    }
  }

  @Test
  void pushedTrainingMetricsAreTheCatalogsOtlpTrainingEntries() {
    Set<String> listed = new TreeSet<>();
    for (MetricDefinition definition : CATALOG.metrics()) {
      if (definition.builtSources().contains("otlp_training")) {
        listed.add(definition.name());
      }
    }
    // The receiver renames what training jobs push with this mapping; its targets are the names.
    assertEquals(listed, new TreeSet<>(TrainingTagMapping.METRICS));
    TrainingTagMapping mapping = TrainingTagMapping.defaults();
    for (String name : listed) {
      assertEquals(name, mapping.metricFor(name), name + " pushed under its own name is kept");
    }
    assertFalse(listed.isEmpty());
  }

  private static MetricType typeOf(Metric metric) {
    if (metric.hasGauge()) {
      return MetricType.GAUGE;
    }
    if (metric.hasSum()) {
      return MetricType.COUNTER;
    }
    return metric.hasHistogram() ? MetricType.HISTOGRAM : null;
  }

  /** The label names of each point, in point order. */
  private static List<Set<String>> pointLabels(Metric metric) {
    List<List<KeyValue>> attributes = new ArrayList<>();
    metric.getGauge().getDataPointsList().forEach(p -> attributes.add(p.getAttributesList()));
    metric.getSum().getDataPointsList().forEach(p -> attributes.add(p.getAttributesList()));
    metric.getHistogram().getDataPointsList().forEach(p -> attributes.add(p.getAttributesList()));
    List<Set<String>> labels = new ArrayList<>();
    for (List<KeyValue> point : attributes) {
      Set<String> names = new TreeSet<>();
      point.forEach(kv -> names.add(kv.getKey()));
      labels.add(names);
    }
    return labels;
  }

  private static Run run(String what, Set<String> catalogSources, MetricSource source)
      throws Exception {
    MetricBatch batch = new MetricBatch(CATALOG, 1);
    source.collect(batch);
    return new Run(what, catalogSources, batch.metrics());
  }

  /**
   * The fake training node (torchrun ranks, a Keras worker) with the HF Trainer's closing log in
   * a log directory, and a GPU utilisation reading for the ranks' GPUs.
   */
  private static Run training() throws Exception {
    Path dir = Files.createTempDirectory("catalog-training");
    try {
      Path proc = TrainingNode.create(dir);
      Path logDir = dir.resolve("tb");
      Path summary = logDir.resolve("llama/events.out.tfevents.1764320000.node-a.3002.0");
      Files.createDirectories(summary.getParent());
      Files.copy(
          Repository.file(
              "frameworks/src/test/resources/tfevents/hf_trainer_summary/"
                  + "events.out.tfevents.1700000000.fixture-host"),
          summary);
      GpuRef gpu = GpuRef.gpu(GpuVendor.NVIDIA, 0, "GPU-0");
      GpuProcessTable gpus =
          GpuProcessTables.of(
              GpuProcessSnapshot.builder().uses(3001, gpu).utilization(gpu, 90).build());
      try (TrainingJobSource source =
          TrainingJobSource.builder(
                  new TrainingProcessDiscovery(
                      proc, Set.of("pytorch", "tensorflow"), List.of(logDir)))
              .gpuProcesses(gpus)
              .owners(EVERY_PROCESS_IN_A_POD)
              .build()) {
        return run("training node", Set.of("training", "tfevents"), source);
      }
    } finally {
      TestFiles.deleteTree(dir);
    }
  }

  /** The C stand-in for NCCL driving the real plugin, and a fake node with two HCAs. */
  private static List<Run> ncclAndInfiniband() throws Exception {
    Path shm = Files.createTempDirectory("catalog-nccl");
    try {
      ProcessBuilder driver =
          new ProcessBuilder(
                  BuildOutputs.ncclDriver().toString(),
                  BuildOutputs.ncclProfilerPlugin().toString(),
                  "v6")
              .redirectErrorStream(true);
      driver.environment().put("TELEGEN_NCCL_DIR", shm.toString());
      Process process = driver.start();
      String output = new String(process.getInputStream().readAllBytes());
      assertEquals(0, process.waitFor(), output);
      Path proc = Files.createDirectories(shm.resolve("proc/" + process.pid()));
      try (NcclCounterSource nccl =
              NcclCounterSource.builder()
                  .directory(shm)
                  .procRoot(proc.getParent())
                  .nodeName("node-a")
                  .jobOfPid(pid -> "llama")
                  .owners(EVERY_PROCESS_IN_A_POD)
                  .build();
          InfinibandSource infiniband =
              InfinibandSource.builder()
                  .sysRoot(GpuTestResources.infinibandSysRoot("two-hcas"))
                  .nodeName("node-a")
                  .build()) {
        return List.of(
            run("NCCL plugin", Set.of("nccl_plugin"), nccl),
            run("InfiniBand two-hcas", Set.of("infiniband"), infiniband));
      }
    } finally {
      TestFiles.deleteTree(shm);
    }
  }

  /**
   * Every serving framework's fixtures scraped twice (the capture, then a copy with known
   * increases), on a GPU and with a model whose KV bytes per token are known, then the rules the
   * captures do not reach from hand-written payloads. The catalog source
   * is the {@code framework} label the normaliser writes.
   */
  private static List<Run> llmServing() throws Exception {
    Path shared = RealPayloads.dir();
    Path own = Repository.dir("frameworks/src/test/resources/llm");
    List<Run> serving = new ArrayList<>();
    serving.add(
        serve(
            "vllm",
            shared.resolve("vllm-datadog-fixture-v0-plus-v1.txt"),
            own.resolve("vllm-second.txt")));
    serving.add(
        serve(
            "tgi",
            shared.resolve("tgi-datadog-fixture-PREFIX.txt"),
            own.resolve("tgi-second.txt")));
    serving.add(
        serve(
            "triton",
            shared.resolve("triton-datadog-fixture-PREFIX.txt"),
            own.resolve("triton-second.txt")));
    serving.add(
        serve(
            "triton",
            shared.resolve("triton-trtllm-backend-readme-snippet.txt"),
            own.resolve("triton-trtllm-second.txt")));
    serving.add(
        serve(
            "tensorflow_serving",
            own.resolve("tfserving-first.txt"),
            own.resolve("tfserving-second.txt")));
    serving.add(
        serve(
            "torchserve",
            shared.resolve("torchserve-datadog-fixture.txt"),
            own.resolve("torchserve-second.txt")));
    serving.add(
        serve(
            "torchserve",
            shared.resolve("torchserve-docs-metrics_api-example.txt"),
            own.resolve("torchserve-docs-second.txt")));
    serving.add(
        serve(
            "sglang",
            shared.resolve("sglang-datadog-fixture.txt"),
            own.resolve("sglang-second.txt")));
    serving.add(
        serve(
            "llamacpp",
            shared.resolve("llamacpp-ik_llama-pr695-comment.txt"),
            own.resolve("llamacpp-second.txt")));
    serving.add(
        serve("lmdeploy", own.resolve("lmdeploy-first.txt"), own.resolve("lmdeploy-second.txt")));
    serving.add(serve("nim", own.resolve("nim-first.txt"), own.resolve("nim-second.txt")));
    // The rules no capture reaches, from hand-written payloads (see catalog/README.md), twice.
    Path paths = Path.of("src/test/resources/catalog");
    for (String framework : List.of("tgi", "triton", "nim", "lmdeploy")) {
      Path payload = paths.resolve(framework + "-paths.txt");
      serving.add(serve(framework, payload, payload));
    }
    Path engine = paths.resolve("vllm-v1-engine-paths.txt");
    serving.add(serve("vllm", engine, engine));
    return serving;
  }

  private static Run serve(String framework, Path first, Path second) throws Exception {
    LlmNormalizer normalizer =
        LlmNormalizer.create(
            new LlmTarget(
                framework,
                "127.0.0.1:8000",
                null,
                "0",
                Set.of(),
                new KvCacheModel(131072),
                EVERY_PROCESS_IN_A_POD.labelsOf(4242)));
    List<Metric> metrics = new ArrayList<>();
    Set<String> labelValues = new LinkedHashSet<>();
    int scrape = 0;
    for (Path payload : List.of(first, second)) {
      scrape++;
      normalizer.beginScrape();
      try (InputStream in = Files.newInputStream(payload)) {
        PrometheusTextParser.parse(in, 1 << 24, normalizer);
      }
      MetricBatch batch = new MetricBatch(CATALOG, scrape * 10_000_000_000L);
      normalizer.endScrape(batch);
      metrics.addAll(batch.metrics());
    }
    for (Metric metric : metrics) {
      metric
          .getGauge()
          .getDataPointsList()
          .forEach(p -> framework(p.getAttributesList(), labelValues));
      metric
          .getSum()
          .getDataPointsList()
          .forEach(p -> framework(p.getAttributesList(), labelValues));
      metric
          .getHistogram()
          .getDataPointsList()
          .forEach(p -> framework(p.getAttributesList(), labelValues));
    }
    assertEquals(1, labelValues.size(), framework + " writes one framework label: " + labelValues);
    return new Run(framework + " " + first.getFileName(), labelValues, metrics);
  }

  private static void framework(List<KeyValue> attributes, Set<String> into) {
    for (KeyValue kv : attributes) {
      if (kv.getKey().equals("framework")) {
        into.add(kv.getValue().getStringValue());
      }
    }
  }

  private static Run llmTraces() throws Exception {
    LlmSpanMetrics spans = new LlmSpanMetrics(0);
    spans.accept(
        ExportTraceServiceRequest.newBuilder()
            .addResourceSpans(
                ResourceSpans.newBuilder()
                    .addScopeSpans(
                        ScopeSpans.newBuilder()
                            .addSpans(
                                Span.newBuilder()
                                    .setName("llm_request")
                                    .addAttributes(
                                        number("gen_ai.latency.time_to_first_token", 0.1))
                                    .addAttributes(number("gen_ai.latency.e2e", 1.0))
                                    .addAttributes(number("gen_ai.usage.prompt_tokens", 10))
                                    .addAttributes(number("gen_ai.usage.completion_tokens", 5)))))
            .build());
    return run("LLM spans", Set.of(LlmSpanMetrics.SOURCE_NAME), spans);
  }

  private static KeyValue number(String key, double value) {
    return KeyValue.newBuilder()
        .setKey(key)
        .setValue(AnyValue.newBuilder().setDoubleValue(value))
        .build();
  }

  /** The pod of every process (the CRI runtime's answer, as {@code CriProcessPodsTest} has it). */
  private static final ProcessAttribution EVERY_PROCESS_IN_A_POD =
      pid -> Labels.of("k8s_pod", "trainer-0", "k8s_namespace", "ml", "k8s_container", "trainer");

  /** A training job on GPU 0 and its MIG devices, none on the other GPUs. */
  private static final DeviceAttribution GPU_0_TRAINS =
      device -> device.index() == 0 ? Labels.of("job", "llama", "node", "node-a") : Labels.empty();

  /**
   * The fake training node's torchrun ranks (pids 3001, 3002) on the two GPUs of the NVML
   * scenario that lists them: the training source's own attribution labels the GPUs' series.
   */
  private static Run trainingRanksOnGpus() throws Exception {
    Path dir = Files.createTempDirectory("catalog-ranks");
    try {
      Path proc = TrainingNode.create(dir);
      DeviceAttributions.Registry registry = new DeviceAttributions.Registry();
      ProcessAttributions.Registry processes = new ProcessAttributions.Registry();
      processes.add(EVERY_PROCESS_IN_A_POD);
      List<TrainingJobSource> opened = new ArrayList<>();
      Run run =
          nvmlAttributedBy(
              "two-ranks-on-two-gpus",
              new NodeAttribution(registry, processes),
              registry,
              gpus -> {
                TrainingJobSource training =
                    TrainingJobSource.builder(
                            new TrainingProcessDiscovery(proc, Set.of("pytorch"), List.of()))
                        .gpuProcesses(gpus)
                        .node("node-a")
                        .build();
                opened.add(training);
                training.discover();
                processes.add(training.processAttribution());
                return training.deviceAttribution();
              });
      opened.forEach(TrainingJobSource::close);
      Set<String> jobs = new TreeSet<>();
      for (Metric metric : run.metrics()) {
        if (metric.getName().equals("gpu_utilization_percent")) {
          metric.getGauge().getDataPointsList().stream()
              .flatMap(p -> p.getAttributesList().stream())
              .filter(kv -> kv.getKey().equals("job"))
              .forEach(kv -> jobs.add(kv.getValue().getStringValue()));
        }
      }
      assertEquals(Set.of("llama-finetune"), jobs, "the ranks' job on their GPUs");
      return run;
    } finally {
      TestFiles.deleteTree(dir);
    }
  }

  private static Run nvml(
      String scenario, DeviceAttributions.Registry registry, DeviceAttribution attribution)
      throws Exception {
    return nvmlAttributedBy(
        scenario, NodeAttribution.ofDevices(registry), registry, gpus -> attribution);
  }

  /**
   * One NVML scenario, its devices attributed by what {@code attributionOf} makes of the source's
   * own process table (the way the agent wires training after the GPU source).
   */
  private static Run nvmlAttributedBy(
      String scenario,
      NodeAttribution attribution,
      DeviceAttributions.Registry registry,
      Function<GpuProcessTable, DeviceAttribution> attributionOf)
      throws Exception {
    GpuTestResources.useNvmlScenario(scenario);
    GpuOptions options = GpuOptions.builder().nvmlLibrary(BuildOutputs.fakeNvml()).build();
    try (NvidiaGpuSource source = NvidiaGpuSource.open(options, 0, attribution)) {
      registry.add(attributionOf.apply(source));
      List<Metric> metrics = new ArrayList<>();
      Set<String> names = new TreeSet<>();
      // The slow readings (PCIe, GPM) arrive from the sampling thread within a few passes.
      // The attribution answers from the process table of the pass before: two passes at least.
      long deadline = System.nanoTime() + 10_000_000_000L;
      for (int pass = 1; System.nanoTime() < deadline; pass++) {
        MetricBatch batch = new MetricBatch(CATALOG, 1);
        source.collect(batch);
        metrics.addAll(batch.metrics());
        batch.metrics().forEach(m -> names.add(m.getName()));
        if (pass >= 2
            && names.contains("gpu_pcie_tx_bytes")
            && (scenario.startsWith("pcie") || names.contains("gpu_sm_activity_percent"))) {
          break;
        }
        Thread.sleep(50);
      }
      return new Run("NVML " + scenario, Set.of("nvml", "gpm", "nvlink"), metrics);
    }
  }

  private static final DeviceAttribution AMD_GPU_0_HELD =
      device ->
          device.vendor() == GpuVendor.AMD && device.index() == 0
              ? Labels.of("k8s_pod", "rocm-job-0", "k8s_namespace", "ml", "k8s_container", "train")
                  .and("job", "llama")
                  .and("node", "node-a")
              : Labels.empty();

  private static Run amdSmi(String scenario, DeviceAttribution attribution) throws Exception {
    return amd(
        "AMD SMI " + scenario,
        "amd_smi",
        scenario,
        GpuOptions.builder().amdSmiLibrary(BuildOutputs.fakeAmdSmi("current")).build(),
        attribution);
  }

  private static Run rocmSmi(String scenario, DeviceAttribution attribution) throws Exception {
    return amd(
        "ROCm SMI " + scenario,
        "rocm_smi",
        scenario,
        GpuOptions.builder().rocmSmiLibrary(BuildOutputs.fakeRocmSmi()).build(),
        attribution);
  }

  /** One AMD scenario through one library, until its PCIe readings are in. */
  private static Run amd(
      String what,
      String catalogSource,
      String scenario,
      GpuOptions options,
      DeviceAttribution attribution)
      throws Exception {
    GpuTestResources.useAmdSmiScenario(scenario);
    try (AmdGpuSource source =
        AmdGpuSource.open(options, 0, NodeAttribution.ofDevices(attribution))) {
      List<Metric> metrics = new ArrayList<>();
      long deadline = System.nanoTime() + 10_000_000_000L;
      while (System.nanoTime() < deadline) {
        MetricBatch batch = new MetricBatch(CATALOG, 1);
        source.collect(batch);
        metrics.addAll(batch.metrics());
        if (batch.metrics().stream().anyMatch(m -> m.getName().equals("gpu_pcie_tx_bytes"))) {
          break;
        }
        Thread.sleep(50);
      }
      return new Run(what, Set.of(catalogSource), metrics);
    }
  }

  private static Run selfTelemetry() throws Exception {
    AgentTelemetry telemetry = new AgentTelemetry(0);
    telemetry.exported(Signal.METRICS, 1);
    telemetry.failed(Signal.TRACES, "rejected", 1);
    telemetry.collected("self", Duration.ofMillis(3));
    telemetry.collectionError("nvml", "timeout");
    telemetry.receiverRequest(Signal.LOGS, "invalid");
    return run("self-telemetry", Set.of(AgentTelemetry.SOURCE_NAME), telemetry);
  }
}
