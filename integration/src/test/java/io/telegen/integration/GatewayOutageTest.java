package io.telegen.integration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.opentelemetry.api.metrics.DoubleGauge;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;

/**
 * The shipped two-tier pipeline through a gateway outage: an application sends one point a second
 * to the agent-tier collector (agent.yaml + agent-to-gateway.yaml + agent-persistent-queue.yaml),
 * which forwards to the gateway tier (gateway.yaml + gateway-remote-write.yaml), which remote-writes
 * into Prometheus. The gateway goes away for about two minutes, and the agent-tier collector is
 * restarted in the middle of the outage, so what it queued survives only on disk. When the gateway
 * is back, Prometheus has every point, each once, with its value.
 */
final class GatewayOutageTest {

  private static final String SERVICE = "gateway-outage-test";
  private static final String METRIC = "telegen_it_sequence";
  private static final Duration CATCH_UP = Duration.ofSeconds(150);

  /** Points sent, one a second, before and again after the agent tier restarts mid-outage. */
  private static final int OUTAGE_HALF = 60;

  private final Cleanup cleanup = new Cleanup();

  @AfterEach
  void stopEverything() {
    cleanup.close();
  }

  @Test
  void aGatewayOutageAndAnAgentTierRestartLoseNoPoint(TestInfo testInfo) throws IOException {
    Path dir = TestLogDir.of(testInfo);
    Path queue = dir.resolve("queue");
    PrometheusServer prometheus = cleanup.register(PrometheusServer.start(dir, List.of(), true));
    int gatewayPort = FreePorts.next();
    Map<String, String> gatewayEnv =
        Map.of(
            // nothing listens at the OTLP backend: that exporter just queues
            "TELEGEN_BACKEND_ENDPOINT", "127.0.0.1:" + FreePorts.next(),
            "TELEGEN_BACKEND_INSECURE", "true",
            "TELEGEN_REMOTE_WRITE_URL", prometheus.url() + "/api/v1/write");
    List<String> gatewayConfigs = List.of("gateway.yaml", "gateway-remote-write.yaml");
    StockCollector gateway =
        cleanup.register(
            StockCollector.start(dir, "gateway", gatewayConfigs, gatewayEnv, gatewayPort));
    int agentTierPort = FreePorts.next();
    Map<String, String> agentTierEnv =
        Map.of(
            "TELEGEN_GATEWAY_ENDPOINT",
            "127.0.0.1:" + gatewayPort,
            "TELEGEN_GATEWAY_INSECURE",
            "true",
            "TELEGEN_QUEUE_DIR",
            queue.toString());
    List<String> agentTierConfigs =
        List.of("agent.yaml", "agent-to-gateway.yaml", "agent-persistent-queue.yaml");
    StockCollector agentTier =
        cleanup.register(
            StockCollector.start(dir, "agent-tier", agentTierConfigs, agentTierEnv, agentTierPort));

    int sent = 0;
    long outageStart;
    long outageEnd;
    // Closed last, after the assertions: its shutdown exports one more point.
    JavaSdkClient app = cleanup.register(new JavaSdkClient("127.0.0.1:" + agentTierPort, SERVICE));
    DoubleGauge sequence = app.meter().gaugeBuilder(METRIC).build();
    sent = send(app, sequence, sent, 8, agentTier);
    prometheus.awaitQuery(
        "count_over_time(" + METRIC + "[10m])",
        r -> r.size() == 1 && r.get(0).value() == 8,
        Duration.ofSeconds(30));

    gateway.close();
    outageStart = System.nanoTime();
    // Two minutes away in all, a point a second: the outage of a gateway being upgraded.
    sent = send(app, sequence, sent, OUTAGE_HALF, agentTier);
    // The agent tier restarts during the outage: its queue survives only on disk.
    agentTier.close();
    assertTrue(hasFiles(queue), "file_storage wrote nothing under " + queue);
    agentTier =
        cleanup.register(
            StockCollector.start(
                dir, "agent-tier-restarted", agentTierConfigs, agentTierEnv, agentTierPort));
    sent = send(app, sequence, sent, OUTAGE_HALF, agentTier);
    List<PrometheusServer.Sample> during = prometheus.query("count_over_time(" + METRIC + "[10m])");
    assertEquals(8.0, during.get(0).value(), "points arrived with the gateway away: " + during);

    gateway =
        cleanup.register(
            StockCollector.start(dir, "gateway-back", gatewayConfigs, gatewayEnv, gatewayPort));
    outageEnd = System.nanoTime();
    sent = send(app, sequence, sent, 5, agentTier);
    int total = sent;
    double sum = total * (total + 1) / 2.0;
    List<PrometheusServer.Sample> all =
        prometheus.awaitQuery(
            "count_over_time(" + METRIC + "[10m])",
            r -> r.size() == 1 && r.get(0).value() == total,
            CATCH_UP);
    long caughtUp = System.nanoTime();
    assertEquals(
        sum,
        prometheus.query("sum_over_time(" + METRIC + "[10m])").get(0).value(),
        "every value 1.." + total + " once");
    // job from service.name; no scope labels, as behind the prometheus exporter
    assertEquals(Map.of("job", SERVICE), all.get(0).labels(), all.toString());
    System.out.printf(
        "GatewayOutageTest: %d points, gateway away %.1f s (agent tier restarted meanwhile),"
            + " all in Prometheus %.1f s after it came back%n",
        total, (outageEnd - outageStart) / 1e9, (caughtUp - outageEnd) / 1e9);
  }

  /** Sends {@code count} points, one a second, numbered after {@code sent}; returns the new count. */
  private static int send(
      JavaSdkClient app, DoubleGauge sequence, int sent, int count, StockCollector agentTier) {
    for (int i = 1; i <= count; i++) {
      sequence.set(sent + i);
      assertTrue(
          app.flush(), "the agent tier refused point " + (sent + i) + "\n" + agentTier.describe());
      ExternalProcess.sleep(Duration.ofSeconds(1));
    }
    return sent + count;
  }

  private static boolean hasFiles(Path dir) throws IOException {
    if (!Files.isDirectory(dir)) {
      return false;
    }
    try (Stream<Path> files = Files.walk(dir)) {
      return files.anyMatch(Files::isRegularFile);
    }
  }
}
