package io.telegen.integration;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;

/**
 * {@code agent.naming: both} end to end: the agent jar on the fake eight-GPU node sends each mapped
 * GPU metric under the spec's name and under its OpenTelemetry semantic-convention name, through
 * the stock collector into Prometheus (which escapes the dots).
 */
final class SemconvNamingEndToEndTest {

  private static final Duration TIMEOUT = Duration.ofSeconds(45);

  private final Cleanup cleanup = new Cleanup();

  @AfterEach
  void stopEverything() {
    cleanup.close();
  }

  @Test
  void bothSendsTheSpecsNamesAndTheHardwareConventionsNames(TestInfo testInfo) {
    Path dir = TestLogDir.of(testInfo);
    StockCollector collector = cleanup.register(StockCollector.start(dir));
    PrometheusServer prometheus =
        cleanup.register(PrometheusServer.start(dir, collector.prometheusExporterTarget()));
    cleanup.register(
        AgentProcess.start(
            dir,
            collector.otlpGrpcEndpoint(),
            Map.of("gpu", FakeGpuNode.gpuSection(), "naming", "both"),
            FakeGpuNode.environment("dgx-h100-nvlink")));

    // hw.gpu.utilization is a ratio: the spec's percent / 100, per GPU (hw.id is the uuid).
    List<PrometheusServer.Sample> ratio =
        prometheus.awaitQuery(
            "hw_gpu_utilization{hw_gpu_task=\"general\"} * 100"
                + " - on (device, hw_id) label_replace(gpu_utilization_percent, \"hw_id\", \"$1\","
                + " \"uuid\", \"(.*)\")",
            r -> r.size() == 8,
            TIMEOUT);
    ratio.forEach(s -> assertEquals(0, s.value(), 1e-9, s.toString()));
    List<PrometheusServer.Sample> memory =
        prometheus.awaitQuery("hw_gpu_memory_limit", r -> r.size() == 8, TIMEOUT);
    assertEquals("NVIDIA H100 80GB HBM3", memory.get(0).labels().get("hw_name"));
    assertEquals("nvidia", memory.get(0).labels().get("hw_vendor"));
    // no convention for clocks: the spec's name only
    assertEquals(8, prometheus.query("gpu_sm_clock_hz").size());
    assertEquals(List.of(), prometheus.query("{__name__=~\"hw_.*clock.*\"}"));
  }
}
