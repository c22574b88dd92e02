package io.telegen.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.opentelemetry.proto.metrics.v1.Metric;
import io.telegen.agent.export.Signal;
import io.telegen.agent.telemetry.AgentTelemetry;
import io.telegen.catalog.MetricCatalog;
import io.telegen.catalog.MetricDefinition;
import io.telegen.source.MetricBatch;
import com.sun.jna.NativeLibrary;
import io.telegen.gpu.GpuOptions;
import io.telegen.gpu.NvidiaGpuSource;
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
  static final Set<String> PENDING = Set.of(
      // NCCL profiler plugin and its InfiniBand fallback
      "gpu_nccl_send_bytes_total", "gpu_nccl_recv_bytes_total", "infiniband_tx_bytes_total",
      "infiniband_rx_bytes_total",
      // LLM serving frameworks and trace correlation
      "llm_request_total", "llm_request_duration_seconds", "llm_time_to_first_token_seconds",
      "llm_inter_token_latency_seconds", "llm_tokens_generated_total", "llm_tokens_per_second",
      "llm_prompt_tokens_total", "llm_queue_depth", "llm_batch_size", "llm_kv_cache_usage_bytes",
      "llm_kv_cache_capacity_bytes", "llm_kv_cache_usage_ratio", "llm_kv_cache_usage_tokens",
      "llm_kv_cache_capacity_tokens",
      // training: tfevents, OTLP intake, process detection
      "training_loss", "training_step", "training_epoch", "training_learning_rate",
      "training_throughput_samples_per_second", "training_gpu_utilization_percent",
      "training_gradient_norm");

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
    return names;
  }

  private static Set<String> nvml(String scenario) throws Exception {
    Path gpu = Path.of("../gpu").toAbsolutePath().normalize();
    NativeLibrary.getInstance("c").getFunction("setenv").invokeInt(new Object[] {
        "FAKE_NVML_SCENARIO", gpu.resolve("src/test/resources/nvml/" + scenario + ".conf")
            .toString(), 1});
    GpuOptions options = GpuOptions.builder()
        .nvmlLibrary(gpu.resolve("target/fake-nvml/full/libnvidia-ml.so.1")).build();
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
