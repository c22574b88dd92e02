package io.telegen.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.opentelemetry.proto.metrics.v1.Metric;
import io.telegen.agent.export.Signal;
import io.telegen.agent.telemetry.AgentTelemetry;
import io.telegen.catalog.MetricCatalog;
import io.telegen.catalog.MetricDefinition;
import io.telegen.source.MetricBatch;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.Span;
import io.telegen.agent.traces.LlmSpanMetrics;
import io.telegen.frameworks.llm.KvCacheModel;
import io.telegen.frameworks.llm.LlmNormalizer;
import io.telegen.frameworks.llm.LlmTarget;
import io.telegen.frameworks.prometheus.PrometheusTextParser;
import io.telegen.frameworks.training.GpuUtilization;
import io.telegen.frameworks.training.TrainingJobSource;
import io.telegen.frameworks.training.TrainingProcessDiscovery;
import io.telegen.gpu.GpuOptions;
import io.telegen.gpu.NvidiaGpuSource;
import io.telegen.gpu.infiniband.InfinibandSource;
import io.telegen.gpu.nccl.NcclCounterSource;
import io.telegen.source.Labels;
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
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/**
 * The metric catalog and the sources agree: every emitted metric is in the catalog (MetricBatch
 * refuses anything else), and every catalog entry is emitted by a built source, or waits in
 * {@link #PENDING} for the source that will emit it. Each issue that builds a source empties its
 * part of that list.
 */
class CatalogCoverageTest {

  /** Catalog entries whose source is not built yet, by the source that will emit them. */
  static final Set<String> PENDING = Set.of();

  @Test
  void everyCatalogEntryIsEmittedOrPending() throws Exception {
    Set<String> emitted = emittedByBuiltSources();
    Set<String> missing = new TreeSet<>();
    for (MetricDefinition definition : MetricCatalog.load().metrics()) {
      if (!emitted.contains(definition.name()) && !PENDING.contains(definition.name())) {
        missing.add(definition.name());
      }
    }
    assertEquals(Set.of(), missing, "in the catalog but emitted by no built source");
  }

  @Test
  void pendingListHoldsOnlyWhatNoSourceEmitsYet() throws Exception {
    Set<String> emitted = emittedByBuiltSources();
    Set<String> stale = new TreeSet<>();
    for (String name : PENDING) {
      if (emitted.contains(name)) {
        stale.add(name);
      }
    }
    assertEquals(Set.of(), stale, "emitted now: take these out of PENDING");
    for (String name : PENDING) {
      assertTrue(MetricCatalog.load().find(name).isPresent(),
          name + " is pending but not in the catalog");
    }
  }

  /** Runs every source this build has, with every label combination it can produce. */
  private static Set<String> emittedByBuiltSources() throws Exception {
    Set<String> names = new TreeSet<>();
    names.addAll(selfTelemetry());
    // NVML on the fake driver: a PCIe board, an NVLink/GPM node and a MIG GPU cover every path.
    for (String scenario : List.of("pcie-rtx6000ada-fan", "dgx-h100-nvlink", "h100-mig")) {
      names.addAll(nvml(scenario));
    }
    names.addAll(llmServing());
    names.addAll(llmTraces());
    names.addAll(training());
    names.addAll(ncclAndInfiniband());
    return names;
  }

  /**
   * The fake training node (torchrun ranks, a Keras worker) with the HF Trainer's closing log in
   * a log directory, and a GPU utilisation reading for the ranks' GPUs.
   */
  private static Set<String> training() throws Exception {
    Path dir = Files.createTempDirectory("catalog-training");
    try {
      Path proc = TrainingNode.create(dir);
      Path logDir = dir.resolve("tb");
      Path summary = logDir.resolve("llama/events.out.tfevents.1764320000.node-a.3002.0");
      Files.createDirectories(summary.getParent());
      Files.copy(Repository.file("frameworks/src/test/resources/tfevents/hf_trainer_summary/"
          + "events.out.tfevents.1700000000.fixture-host"), summary);
      GpuUtilization gpus = new GpuUtilization();
      MetricBatch gpuBatch = new MetricBatch(MetricCatalog.load(), 1);
      gpuBatch.gauge("gpu_utilization_percent", 90, Labels.of("device", "0", "name", "H100",
          "uuid", "GPU-0", "pci_bus_id", "00000000:18:00.0", "vendor", "nvidia"));
      gpus.observe(gpuBatch);
      try (TrainingJobSource source = TrainingJobSource.builder(new TrainingProcessDiscovery(
              proc, Set.of("pytorch", "tensorflow"), List.of(logDir)))
          .gpusOfPid(pid -> pid == 3001 ? "0" : null)
          .gpuUtilization(gpus)
          .build()) {
        MetricBatch batch = new MetricBatch(MetricCatalog.load(), 1);
        source.collect(batch);
        Set<String> names = new TreeSet<>();
        batch.metrics().forEach(m -> names.add(m.getName()));
        return names;
      }
    } finally {
      TestFiles.deleteTree(dir);
    }
  }

  /** The C stand-in for NCCL driving the real plugin, and a fake node with two HCAs. */
  private static Set<String> ncclAndInfiniband() throws Exception {
    Path shm = Files.createTempDirectory("catalog-nccl");
    try {
      ProcessBuilder driver = new ProcessBuilder(
          BuildOutputs.ncclDriver().toString(),
          BuildOutputs.ncclProfilerPlugin().toString(), "v6")
          .redirectErrorStream(true);
      driver.environment().put("TELEGEN_NCCL_DIR", shm.toString());
      Process process = driver.start();
      String output = new String(process.getInputStream().readAllBytes());
      assertEquals(0, process.waitFor(), output);
      Path proc = Files.createDirectories(shm.resolve("proc/" + process.pid()));
      Set<String> names = new TreeSet<>();
      try (NcclCounterSource nccl = NcclCounterSource.builder().directory(shm)
          .procRoot(proc.getParent()).build();
          InfinibandSource infiniband = InfinibandSource.builder()
              .sysRoot(GpuTestResources.infinibandSysRoot("two-hcas")).build()) {
        for (MetricSource source : List.of(nccl, infiniband)) {
          MetricBatch batch = new MetricBatch(MetricCatalog.load(), 1);
          source.collect(batch);
          batch.metrics().forEach(m -> names.add(m.getName()));
        }
      }
      return names;
    } finally {
      TestFiles.deleteTree(shm);
    }
  }

  /** vLLM's real payload scraped twice, with a model whose KV bytes per token are known. */
  private static Set<String> llmServing() throws Exception {
    Path fixture = RealPayloads.file("vllm-datadog-fixture-v0-plus-v1.txt");
    LlmNormalizer normalizer = LlmNormalizer.create(new LlmTarget("vllm", "127.0.0.1:8000", null,
        "0", Set.of(), new KvCacheModel(131072)));
    Set<String> names = new TreeSet<>();
    for (int scrape = 1; scrape <= 2; scrape++) {
      normalizer.beginScrape();
      try (InputStream in = Files.newInputStream(fixture)) {
        PrometheusTextParser.parse(in, 1 << 24, normalizer);
      }
      MetricBatch batch = new MetricBatch(MetricCatalog.load(), scrape * 10_000_000_000L);
      normalizer.endScrape(batch);
      batch.metrics().forEach(m -> names.add(m.getName()));
    }
    return names;
  }

  private static Set<String> llmTraces() {
    LlmSpanMetrics spans = new LlmSpanMetrics(0);
    spans.accept(ExportTraceServiceRequest.newBuilder().addResourceSpans(ResourceSpans.newBuilder()
        .addScopeSpans(ScopeSpans.newBuilder().addSpans(Span.newBuilder()
            .setName("llm_request")
            .addAttributes(number("gen_ai.latency.time_to_first_token", 0.1))
            .addAttributes(number("gen_ai.latency.e2e", 1.0))
            .addAttributes(number("gen_ai.usage.prompt_tokens", 10))
            .addAttributes(number("gen_ai.usage.completion_tokens", 5))))).build());
    MetricBatch batch = new MetricBatch(MetricCatalog.load(), 1);
    spans.collect(batch);
    Set<String> names = new TreeSet<>();
    batch.metrics().forEach(m -> names.add(m.getName()));
    return names;
  }

  private static KeyValue number(String key, double value) {
    return KeyValue.newBuilder().setKey(key).setValue(AnyValue.newBuilder().setDoubleValue(value))
        .build();
  }

  private static Set<String> nvml(String scenario) throws Exception {
    GpuTestResources.useNvmlScenario(scenario);
    GpuOptions options = GpuOptions.builder().nvmlLibrary(BuildOutputs.fakeNvml()).build();
    try (NvidiaGpuSource source = NvidiaGpuSource.open(options, 0)) {
      Set<String> names = new TreeSet<>();
      // The slow readings (PCIe, GPM) arrive from the sampling thread within a few passes.
      long deadline = System.nanoTime() + 10_000_000_000L;
      while (System.nanoTime() < deadline) {
        MetricBatch batch = new MetricBatch(MetricCatalog.load(), 1);
        source.collect(batch);
        batch.metrics().forEach(m -> names.add(m.getName()));
        if (names.contains("gpu_pcie_tx_bytes")
            && (scenario.startsWith("pcie") || names.contains("gpu_sm_activity_percent"))) {
          break;
        }
        Thread.sleep(50);
      }
      return names;
    }
  }

  private static Set<String> selfTelemetry() {
    AgentTelemetry telemetry = new AgentTelemetry(0);
    telemetry.exported(Signal.METRICS, 1);
    telemetry.failed(Signal.TRACES, "rejected", 1);
    telemetry.collected("self", Duration.ofMillis(3));
    telemetry.collectionError("nvml", "timeout");
    telemetry.receiverRequest(Signal.LOGS, "invalid");
    MetricBatch batch = new MetricBatch(MetricCatalog.load(), 1);
    telemetry.collect(batch);

    Set<String> names = new TreeSet<>();
    for (Metric metric : batch.metrics()) {
      names.add(metric.getName());
    }
    return names;
  }
}
