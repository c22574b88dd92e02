package io.telegen.integration;

import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;

/**
 * The whole metrics path with real parts: the agent (self-telemetry every second) pushes OTLP to
 * the stock collector running the shipped agent.yaml, whose prometheus exporter a real Prometheus
 * scrapes; the agent's own metrics are queryable under their documented names.
 */
final class AgentSelfTelemetryEndToEndTest {

  private static final Duration TIMEOUT = Duration.ofSeconds(45);

  private final Cleanup cleanup = new Cleanup();

  @AfterEach
  void stopEverything() {
    cleanup.close();
  }

  @Test
  void selfTelemetryIsQueryableInPrometheus(TestInfo testInfo) {
    Path dir = TestLogDir.of(testInfo);
    StockCollector collector = cleanup.register(StockCollector.start(dir));
    PrometheusServer prometheus =
        cleanup.register(PrometheusServer.start(dir, collector.prometheusExporterTarget()));
    AgentProcess agent = cleanup.register(AgentProcess.start(dir, collector.otlpGrpcEndpoint()));

    try {
      prometheus.awaitQuery(
          "sum(telegen_agent_points_exported_total)",
          result -> !result.isEmpty() && result.get(0).value() > 0,
          TIMEOUT);
      // job comes from the agent's service.name (agent.service_name)
      prometheus.awaitQuery(
          "telegen_agent_queue_length{job=\"" + AgentProcess.SERVICE_NAME + "\"}",
          result -> !result.isEmpty(),
          TIMEOUT);
    } catch (AssertionError e) {
      throw new AssertionError(
          e.getMessage() + "\n" + agent.describe() + "\n" + collector.describe(), e);
    }
  }
}
