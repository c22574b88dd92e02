package io.telegen.integration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.trace.Span;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;

/**
 * The shipped two-tier setup at run time: an agent-tier collector (agent.yaml +
 * agent-to-gateway.yaml) forwards what it receives to a gateway-tier collector (gateway.yaml),
 * and still keeps metrics for its local Prometheus endpoint.
 */
final class AgentToGatewayTest {

  private static final String SERVICE = "gateway-test";
  private static final Duration TIMEOUT = Duration.ofSeconds(30);

  private final Cleanup cleanup = new Cleanup();

  @AfterEach
  void stopEverything() {
    cleanup.close();
  }

  @Test
  void agentTierForwardsMetricsAndSpansToTheGateway(TestInfo testInfo) {
    Path dir = TestLogDir.of(testInfo);
    // nothing listens at the gateway's backend: its otlp_grpc/backend exporter just queues
    String backend = "127.0.0.1:" + FreePorts.next();
    StockCollector gateway =
        cleanup.register(
            StockCollector.start(
                dir,
                "gateway",
                List.of("gateway.yaml"),
                Map.of("TELEGEN_BACKEND_ENDPOINT", backend, "TELEGEN_BACKEND_INSECURE", "true"),
                FreePorts.next()));
    StockCollector agentTier =
        cleanup.register(
            StockCollector.start(
                dir,
                "agent-tier",
                List.of("agent.yaml", "agent-to-gateway.yaml"),
                Map.of(
                    "TELEGEN_GATEWAY_ENDPOINT",
                    gateway.otlpGrpcEndpoint(),
                    "TELEGEN_GATEWAY_INSECURE",
                    "true"),
                FreePorts.next()));

    String traceId;
    try (JavaSdkClient app = new JavaSdkClient(agentTier.otlpGrpcEndpoint(), SERVICE)) {
      app.meter()
          .gaugeBuilder("gpu_utilization_percent")
          .setUnit("%")
          .build()
          .set(42.5, Attributes.of(AttributeKey.stringKey("device"), "nvidia0"));
      Span span = app.tracer().spanBuilder("forwarded-span").startSpan();
      traceId = span.getSpanContext().getTraceId();
      span.end();
      assertTrue(
          app.flush(), "the agent-tier collector refused the export\n" + agentTier.describe());
    }

    Otlp.ResourceMetric atGateway =
        gateway
            .output()
            .awaitMetric("gpu_utilization_percent", m -> m.serviceName().equals(SERVICE), TIMEOUT);
    assertEquals(42.5, Otlp.value(atGateway.numberPoints().get(0)));
    assertEquals("%", atGateway.metric().getUnit());
    gateway.output().awaitSpan("forwarded-span", s -> s.traceIdHex().equals(traceId), TIMEOUT);

    Otlp.ResourceMetric local =
        agentTier
            .output()
            .awaitMetric("gpu_utilization_percent", m -> m.serviceName().equals(SERVICE), TIMEOUT);
    assertEquals(42.5, Otlp.value(local.numberPoints().get(0)));
  }
}
