package io.telegen.integration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import io.telegen.onnxruntime.InstrumentedOrtSession;
import io.telegen.onnxruntime.OrtTelemetry;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;

/**
 * ONNX Runtime, which has no metrics server: a JVM app runs a real model with the real ONNX
 * Runtime, the instrumentation sends OTLP to the agent's receiver, and Prometheus behind the
 * stock collector shows the agent's normalised serving metrics for it.
 */
final class OnnxRuntimeThroughAgentTest {

  private static final Duration TIMEOUT = Duration.ofSeconds(45);

  private final Cleanup cleanup = new Cleanup();

  @AfterEach
  void stopEverything() {
    cleanup.close();
  }

  @Test
  void ortRunsArriveInPrometheusAsLlmRequests(TestInfo testInfo) throws Exception {
    Path dir = TestLogDir.of(testInfo);
    StockCollector collector = cleanup.register(StockCollector.start(dir));
    PrometheusServer prometheus =
        cleanup.register(PrometheusServer.start(dir, collector.prometheusExporterTarget()));
    AgentProcess agent = cleanup.register(AgentProcess.start(dir, collector.otlpGrpcEndpoint()));
    Path model =
        TelegenTools.repoRoot()
            .resolve("frameworks/onnxruntime-otel/src/test/resources/models/tiny-mlp.onnx");

    OrtEnvironment env = OrtEnvironment.getEnvironment();
    try (OrtTelemetry telemetry =
            OrtTelemetry.toAgent(
                "http://" + agent.receiverEndpoint(), Duration.ofHours(1), "ort-app");
        InstrumentedOrtSession session =
            InstrumentedOrtSession.wrap(
                env.createSession(Files.readAllBytes(model), new OrtSession.SessionOptions()),
                "tiny-mlp",
                telemetry.meter());
        OnnxTensor x = OnnxTensor.createTensor(env, new float[][] {{1, 2, 3, 4}})) {
      for (int i = 0; i < 7; i++) {
        session.run(Map.of("x", x)).close();
      }
      assertTrue(telemetry.flush(Duration.ofSeconds(10)), "the agent refused the export");
    }

    List<PrometheusServer.Sample> requests =
        prometheus.awaitQuery(
            "llm_request_total{framework=\"onnxruntime\",model=\"tiny-mlp\",status=\"ok\"}",
            r -> r.size() == 1,
            TIMEOUT);
    assertEquals(7, requests.get(0).value());
    List<PrometheusServer.Sample> count =
        prometheus.awaitQuery(
            "llm_request_duration_seconds_count{framework=\"onnxruntime\"}",
            r -> r.size() == 1,
            TIMEOUT);
    assertEquals(7, count.get(0).value());
  }
}
