package io.telegen.integration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;

/**
 * The agent starts while its collector is down, keeps running, and delivers what it gathered in
 * the meantime (its own telemetry and what an application sent to its receiver) once the
 * collector comes up.
 */
final class CollectorStartsLaterTest {

  private static final String SERVICE = "checkout-test-early";
  private static final Duration COLLECTOR_DOWN = Duration.ofSeconds(5);
  private static final Duration DELIVERY_TIMEOUT = Duration.ofSeconds(30);

  private final Cleanup cleanup = new Cleanup();

  @AfterEach
  void stopEverything() {
    cleanup.close();
  }

  @Test
  void dataGatheredWhileTheCollectorWasDownArrivesOnceItIsUp(TestInfo testInfo) {
    Path dir = TestLogDir.of(testInfo);
    int collectorPort = FreePorts.next(); // nothing listens here yet
    AgentProcess agent = cleanup.register(AgentProcess.start(dir, "127.0.0.1:" + collectorPort));

    try (JavaSdkClient app = new JavaSdkClient(agent.receiverEndpoint(), SERVICE)) {
      app.meter()
          .gaugeBuilder("checkout_queue_depth")
          .setUnit("{item}")
          .build()
          .set(5.0, Attributes.of(AttributeKey.stringKey("region"), "eu-1"));
      assertTrue(
          app.flush(),
          "the agent's receiver refused data while the collector was down\n" + agent.describe());
    }
    ExternalProcess.sleep(COLLECTOR_DOWN);
    assertTrue(agent.isAlive(), "the agent died while the collector was down\n" + agent.describe());
    // As the DaemonSet's probes see it: alive, not ready.
    assertEquals(
        ServingStatus.SERVING, HealthProbe.status(agent.receiverEndpoint(), HealthProbe.LIVENESS));
    assertEquals(
        ServingStatus.NOT_SERVING,
        HealthProbe.status(agent.receiverEndpoint(), HealthProbe.READINESS),
        agent.describe());

    StockCollector collector = cleanup.register(StockCollector.start(dir, collectorPort));
    CollectorFileOutput output = collector.output();
    try {
      Otlp.ResourceMetric early =
          output.awaitMetric(
              "checkout_queue_depth", m -> m.serviceName().equals(SERVICE), DELIVERY_TIMEOUT);
      assertEquals(5.0, Otlp.value(early.numberPoints().get(0)));
      output.awaitAnyMetric(
          "the agent's own telemetry",
          m ->
              m.serviceName().equals(AgentProcess.SERVICE_NAME)
                  && m.metric().getName().startsWith("telegen_agent_"),
          DELIVERY_TIMEOUT);
      // Delivering again: ready.
      assertEquals(
          ServingStatus.SERVING,
          HealthProbe.status(agent.receiverEndpoint(), HealthProbe.READINESS));
      assertEquals(
          ServingStatus.SERVING,
          HealthProbe.status(agent.receiverEndpoint(), HealthProbe.LIVENESS));
    } catch (AssertionError e) {
      throw new AssertionError(e.getMessage() + "\n" + agent.describe(), e);
    }
    assertTrue(agent.isAlive(), agent.describe());
  }
}
