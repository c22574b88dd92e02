package io.telegen.integration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.NavigableSet;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;

/**
 * SIGTERM (systemd's stop, the kubelet's pod deletion) loses nothing the agent held: with the
 * queue in memory it delivers the backlog to a collector that is up before it exits, and with the
 * queue on disk it exits at once and the next start delivers; either way it exits 0 within
 * {@code agent.exporter.shutdown_timeout}.
 */
final class SigtermDrainTest {

  private static final String SERVICE = "sigterm-drain-test";
  private static final Duration SHUTDOWN_TIMEOUT = Duration.ofSeconds(10);
  // beyond the drain: the receiver, the export loop and the event loop each close in a second or so
  private static final Duration EXIT_WITHIN = SHUTDOWN_TIMEOUT.plusSeconds(5);
  private static final Duration DELIVERY = Duration.ofSeconds(60);

  private final Cleanup cleanup = new Cleanup();

  @AfterEach
  void stopEverything() {
    cleanup.close();
  }

  @Test
  void aMemoryQueueIsDeliveredToTheCollectorBeforeTheAgentExits(TestInfo testInfo) {
    Path dir = TestLogDir.of(testInfo);
    int collectorPort = FreePorts.next(); // away while the backlog builds
    Map<String, Object> sections = sections(collectorPort, null);
    // The export loop waits 3 s between attempts: at the SIGTERM it is asleep in its back-off
    // with the whole backlog queued, so only a drain that lets it wake and deliver saves it.
    @SuppressWarnings("unchecked")
    Map<String, Object> exporter = (Map<String, Object>) sections.get("exporter");
    exporter.put("retry", Map.of("initial_interval", "3s", "max_interval", "3s"));
    AgentProcess agent = cleanup.register(FaultAgent.start(dir.resolve("agent"), sections));
    SequenceSender app =
        cleanup.register(new SequenceSender(agent.receiverEndpoint(), SERVICE, 20, 1));
    ExternalProcess.sleep(Duration.ofSeconds(8));
    NavigableSet<Long> sent = app.stop();
    StockCollector collector = cleanup.register(StockCollector.start(dir, collectorPort));
    // SIGTERM at once: most of the backlog is still in the agent's memory.
    // The last GPU collection before the signal: within an interval of it.
    long lastCollection = (System.currentTimeMillis() - 1_500) * 1_000_000L;
    long start = System.nanoTime();
    int exitCode = agent.terminate(EXIT_WITHIN);
    long exitMillis = (System.nanoTime() - start) / 1_000_000;
    DeliveredPoints delivered = new DeliveredPoints(SERVICE).follow(collector);
    delivered.awaitUntil(
        () ->
            delivered.sequence().keySet().containsAll(sent) && delivered.gpuReached(lastCollection),
        Duration.ofSeconds(10));
    GpuCadence gpu = delivered.gpuCadence();
    String report =
        String.format(
            "SigtermDrainTest (memory queue, collector up at SIGTERM): exit %d after %d ms; %s;"
                + " %s",
            exitCode, exitMillis, FaultAgent.sdkLine(sent, delivered.sequence()), gpu);
    System.out.println(report);
    String context = report + "\n" + agent.describe();
    assertEquals(0, exitCode, context);
    assertEquals(0, FaultAgent.lost(sent, delivered.sequence()).size(), context);
    assertTrue(delivered.gpuReached(lastCollection), context);
    assertEquals(0, gpu.lost(), context);
    assertTrue(sent.size() > 100, context);
  }

  @Test
  void aDiskQueueIsKeptAndDeliveredAfterTheRestart(TestInfo testInfo) {
    Path dir = TestLogDir.of(testInfo);
    int collectorPort = FreePorts.next(); // away until after the restart
    Map<String, Object> sections = sections(collectorPort, dir.resolve("queue"));
    AgentProcess agent = cleanup.register(FaultAgent.start(dir.resolve("first"), sections));
    SequenceSender app =
        cleanup.register(new SequenceSender(agent.receiverEndpoint(), SERVICE, 20, 1));
    ExternalProcess.sleep(Duration.ofSeconds(8));
    NavigableSet<Long> sent = app.stop();
    long start = System.nanoTime();
    int exitCode = agent.terminate(EXIT_WITHIN);
    long exitMillis = (System.nanoTime() - start) / 1_000_000;
    long stopped = System.currentTimeMillis() * 1_000_000L;

    StockCollector collector = cleanup.register(StockCollector.start(dir, collectorPort));
    AgentProcess second = cleanup.register(FaultAgent.start(dir.resolve("second"), sections));
    DeliveredPoints delivered = new DeliveredPoints(SERVICE).follow(collector);
    delivered.awaitUntil(
        () -> delivered.sequence().keySet().containsAll(sent) && delivered.gpuReached(stopped),
        DELIVERY);
    // The first agent's points: the restart's gap is no loss.
    GpuCadence gpu = delivered.gpuCadence(0, stopped);
    String report =
        String.format(
            "SigtermDrainTest (disk queue, collector away at SIGTERM): exit %d after %d ms; %s;"
                + " %s (the first agent's)",
            exitCode, exitMillis, FaultAgent.sdkLine(sent, delivered.sequence()), gpu);
    System.out.println(report);
    String context = report + "\n" + agent.describe() + "\n" + second.describe();
    assertEquals(0, exitCode, context);
    assertTrue(
        exitMillis < 5_000, "with everything on disk there is nothing to wait for\n" + context);
    assertEquals(0, FaultAgent.lost(sent, delivered.sequence()).size(), context);
    assertTrue(FaultAgent.twice(delivered.sequence()).isEmpty(), context);
    assertEquals(0, gpu.lost(), context);
    assertTrue(sent.size() > 100, context);
  }

  private static Map<String, Object> sections(int collectorPort, Path queue) {
    Map<String, Object> sections =
        FaultAgent.sections(collectorPort, queue == null ? Path.of("unused") : queue, Map.of());
    @SuppressWarnings("unchecked")
    Map<String, Object> exporter =
        new LinkedHashMap<>((Map<String, Object>) sections.get("exporter"));
    Map<String, Object> queueKeys = new LinkedHashMap<>();
    queueKeys.put("max_requests", 20_000);
    if (queue != null) {
      queueKeys.put("directory", queue.toString());
    }
    exporter.put("queue", queueKeys);
    exporter.put("shutdown_timeout", SHUTDOWN_TIMEOUT.toSeconds() + "s");
    Map<String, Object> result = new LinkedHashMap<>(sections);
    result.put("exporter", exporter);
    return result;
  }
}
