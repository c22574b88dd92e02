package io.telegen.integration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.NavigableSet;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;

/**
 * The collector away for ten minutes (an upgrade, a node's collector pod rescheduled) while the
 * GPU source polls every second and an application sends five requests a second: once it is
 * back, every GPU point and every acknowledged application point arrives, and the agent stayed
 * within its production heap the whole time.
 *
 * <p>{@code -Dtelegen.it.outage=PT1M} shortens the outage for a local run; CI runs the ten
 * minutes.
 */
final class CollectorLongOutageIT {

  private static final String SERVICE = "long-outage-test";
  private static final Duration OUTAGE =
      Duration.parse(System.getProperty("telegen.it.outage", "PT10M"));
  private static final Duration CATCH_UP = Duration.ofMinutes(3);

  private final Cleanup cleanup = new Cleanup();

  @AfterEach
  void stopEverything() {
    cleanup.close();
  }

  @Test
  void tenMinutesWithoutTheCollectorLoseNoPoint(TestInfo testInfo) {
    Path dir = TestLogDir.of(testInfo);
    int collectorPort = FreePorts.next();
    DeliveredPoints delivered = new DeliveredPoints(SERVICE);
    StockCollector collector =
        cleanup.register(
            StockCollector.start(
                dir,
                "collector",
                java.util.List.of(StockCollector.AGENT_CONFIG),
                Map.of(),
                collectorPort));
    delivered.follow(collector);
    AgentProcess agent =
        cleanup.register(
            FaultAgent.start(
                dir.resolve("agent"),
                FaultAgent.sections(collectorPort, dir.resolve("queue"), Map.of())));
    SequenceSender app =
        cleanup.register(new SequenceSender(agent.receiverEndpoint(), SERVICE, 5, 1));
    assertTrue(
        delivered.awaitUntil(
            () -> !delivered.sequence().isEmpty() && !delivered.gpuSeries().isEmpty(),
            Duration.ofSeconds(60)),
        "nothing arrived before the outage\n" + agent.describe() + "\n" + collector.describe());

    collector.close();
    long outageStart = System.nanoTime();
    long maxRss = 0;
    while (System.nanoTime() - outageStart < OUTAGE.toNanos()) {
      ExternalProcess.sleep(Duration.ofSeconds(10));
      assertTrue(agent.isAlive(), "the agent died during the outage\n" + agent.describe());
      maxRss = Math.max(maxRss, FaultAgent.residentKib(agent));
    }
    long outageSeconds = (System.nanoTime() - outageStart) / 1_000_000_000L;
    collector =
        cleanup.register(
            StockCollector.start(
                dir,
                "collector-back",
                java.util.List.of(StockCollector.AGENT_CONFIG),
                Map.of(),
                collectorPort));
    delivered.follow(collector);
    long back = System.currentTimeMillis() * 1_000_000L;
    ExternalProcess.sleep(Duration.ofSeconds(5));
    NavigableSet<Long> sent = app.stop();
    long caughtUpStart = System.nanoTime();
    boolean all =
        delivered.awaitUntil(
            () -> delivered.sequence().keySet().containsAll(sent) && delivered.gpuReached(back),
            CATCH_UP);
    long caughtUpSeconds = (System.nanoTime() - caughtUpStart) / 1_000_000_000L;
    GpuCadence gpu = delivered.gpuCadence();
    String report =
        String.format(
            "CollectorLongOutageIT: collector away %d s; %s; %s; %d refused by the receiver;"
                + " all in %d s after the stop; agent RSS at most %d MiB",
            outageSeconds,
            FaultAgent.sdkLine(sent, delivered.sequence()),
            gpu,
            app.refused(),
            caughtUpSeconds,
            maxRss / 1024);
    System.out.println(report);
    assertTrue(all, report + "\n" + agent.describe());
    assertEquals(0, FaultAgent.lost(sent, delivered.sequence()).size(), report);
    assertEquals(0, gpu.lost(), report);
    assertTrue(gpu.collected() >= OUTAGE.toSeconds() * gpu.series(), report);
    assertTrue(FaultAgent.oneRun(FaultAgent.twice(delivered.sequence())), report);
    assertTrue(gpu.timestampsTwice() <= FaultAgent.BATCH_REQUESTS, report);
    assertTrue(agent.isAlive(), agent.describe());
  }
}
