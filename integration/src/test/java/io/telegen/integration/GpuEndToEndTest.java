package io.telegen.integration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;

/**
 * GPU metrics end to end: the agent jar reads the fake {@code libnvidia-ml.so.1} through JNA,
 * pushes OTLP to the stock collector with the shipped agent.yaml, and Prometheus answers the
 * spec's GPU queries and alert expressions with the scenario's values.
 */
final class GpuEndToEndTest {

  private static final Duration TIMEOUT = Duration.ofSeconds(45);

  private final Cleanup cleanup = new Cleanup();

  @AfterEach
  void stopEverything() {
    cleanup.close();
  }

  @Test
  void specGpuQueriesAnswerForAnEightGpuNode(TestInfo testInfo) {
    Path dir = TestLogDir.of(testInfo);
    PrometheusServer prometheus = start(dir, "dgx-h100-nvlink");

    // Memory pressure per GPU, as the spec's GPUOutOfMemory alert computes it.
    List<PrometheusServer.Sample> ratio =
        prometheus.awaitQuery(
            "gpu_memory_used_bytes / gpu_memory_total_bytes", r -> r.size() == 8, TIMEOUT);
    for (PrometheusServer.Sample sample : ratio) {
      assertTrue(sample.value() > 0 && sample.value() < 1, sample.toString());
    }
    // Fleet summary by model: one NVIDIA H100 80GB HBM3 group of eight.
    List<PrometheusServer.Sample> fleet =
        prometheus.awaitQuery(
            "sum(gpu_utilization_percent) by (name) / count(gpu_utilization_percent) by (name)",
            r -> r.size() == 1,
            TIMEOUT);
    assertEquals("NVIDIA H100 80GB HBM3", fleet.get(0).labels().get("name"));
    // utilization_gpu of the eight GPUs in dgx-h100-nvlink.conf: 99, 100, 98, 99, 0, 0, 87, 85.
    assertEquals(71.0, fleet.get(0).value(), 1e-9);
    // Memory pressure of the node, in percent.
    List<PrometheusServer.Sample> pressure =
        prometheus.awaitQuery(
            "sum(gpu_memory_used_bytes) / sum(gpu_memory_total_bytes) * 100",
            r -> r.size() == 1,
            TIMEOUT);
    assertTrue(pressure.get(0).value() > 0 && pressure.get(0).value() < 100);
    // The spec's alert expressions evaluate; none of these GPUs is hot.
    assertEquals(List.of(), prometheus.query("gpu_temperature_celsius > 85"));
    assertEquals(8, prometheus.query("gpu_up == 1").size());
    prometheus.awaitQuery(
        "count(gpu_nvlink_tx_bytes_total)",
        r -> r.size() == 1 && r.get(0).value() == 8 * 18,
        TIMEOUT);
  }

  @Test
  void migInstancesAreSeriesWithTheirOwnLabels(TestInfo testInfo) {
    Path dir = TestLogDir.of(testInfo);
    PrometheusServer prometheus = start(dir, "h100-mig");

    List<PrometheusServer.Sample> mig =
        prometheus.awaitQuery(
            "gpu_utilization_percent{mig_device=\"mig-3g.40gb-0\"}", r -> r.size() == 1, TIMEOUT);
    assertEquals(99.7, mig.get(0).value(), 1e-9);
    assertEquals("3g.40gb", mig.get(0).labels().get("mig_profile"));
    assertEquals("0", mig.get(0).labels().get("device"));
    assertEquals(
        4,
        prometheus
            .awaitQuery("gpu_memory_used_bytes{mig_device!=\"\"}", r -> r.size() == 4, TIMEOUT)
            .size());
    List<PrometheusServer.Sample> small =
        prometheus.query("gpu_memory_used_bytes{mig_profile=\"1g.10gb\"} / gpu_memory_total_bytes");
    assertEquals(2, small.size());
    assertEquals(
        3, prometheus.query("gpu_process_memory_bytes{mig_device=\"mig-3g.40gb-0\"}").size());
  }

  private PrometheusServer start(Path dir, String scenario) {
    StockCollector collector = cleanup.register(StockCollector.start(dir));
    PrometheusServer prometheus =
        cleanup.register(PrometheusServer.start(dir, collector.prometheusExporterTarget()));
    cleanup.register(
        AgentProcess.start(
            dir,
            collector.otlpGrpcEndpoint(),
            Map.of("gpu", FakeGpuNode.gpuSection()),
            FakeGpuNode.environment(scenario)));
    return prometheus;
  }
}
