package io.telegen.integration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.NavigableSet;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;

/**
 * A collector that keeps restarting (a crash loop, a config being rolled out): for about a minute
 * it is stopped and started again every few seconds while the GPU source polls and an application
 * sends ten requests a second. Every point arrives; a request the collector took just as it
 * stopped may arrive twice, once per restart at most.
 *
 * <p>The collector is stopped with SIGTERM, as systemd and the kubelet do: it flushes what it
 * acknowledged. A {@code kill -9} of the collector loses what its own memory pipeline held after
 * acknowledging it, which is the collector's to keep (its persistent queue), not the agent's.
 */
final class CollectorRestartingTest {

  private static final String SERVICE = "collector-restarting-test";
  private static final Duration RESTARTING = Duration.ofSeconds(50);
  private static final Duration UP = Duration.ofSeconds(3);
  private static final Duration DOWN = Duration.ofSeconds(2);
  private static final Duration DELIVERY = Duration.ofSeconds(60);

  private final Cleanup cleanup = new Cleanup();

  @AfterEach
  void stopEverything() {
    cleanup.close();
  }

  @Test
  void aCollectorRestartingEveryFewSecondsLosesNoPoint(TestInfo testInfo) {
    Path dir = TestLogDir.of(testInfo);
    int collectorPort = FreePorts.next();
    DeliveredPoints delivered = new DeliveredPoints(SERVICE);
    StockCollector collector = start(dir, 0, collectorPort);
    delivered.follow(collector);
    AgentProcess agent =
        cleanup.register(
            FaultAgent.start(
                dir.resolve("agent"),
                FaultAgent.sections(collectorPort, dir.resolve("queue"), Map.of())));
    long started = System.currentTimeMillis() * 1_000_000L;
    SequenceSender app =
        cleanup.register(new SequenceSender(agent.receiverEndpoint(), SERVICE, 10, 1));
    int restarts = 0;
    long end = System.nanoTime() + RESTARTING.toNanos();
    while (System.nanoTime() < end) {
      ExternalProcess.sleep(UP);
      collector.close();
      ExternalProcess.sleep(DOWN);
      restarts++;
      collector = start(dir, restarts, collectorPort);
      delivered.follow(collector);
      assertTrue(agent.isAlive(), agent.describe());
    }
    NavigableSet<Long> sent = app.stop();
    long stopped = System.currentTimeMillis() * 1_000_000L;
    boolean all =
        delivered.awaitUntil(
            () -> delivered.sequence().keySet().containsAll(sent) && delivered.gpuReached(stopped),
            DELIVERY);
    GpuCadence gpu = delivered.gpuCadence(started, stopped);
    NavigableSet<Long> twice = FaultAgent.twice(delivered.sequence());
    String report =
        String.format(
            "CollectorRestartingTest: %d collector restarts in %d s; %s; %s; %d refused by the"
                + " receiver",
            restarts,
            RESTARTING.toSeconds(),
            FaultAgent.sdkLine(sent, delivered.sequence()),
            gpu,
            app.refused());
    System.out.println(report);
    String context = report + "\n" + agent.describe();
    assertTrue(all, context);
    assertEquals(0, FaultAgent.lost(sent, delivered.sequence()).size(), context);
    assertEquals(0, gpu.lost(), context);
    assertTrue(restarts >= 5, context);
    assertTrue(twice.size() <= restarts * FaultAgent.BATCH_REQUESTS, context);
    assertTrue(gpu.timestampsTwice() <= restarts * FaultAgent.BATCH_REQUESTS, context);
  }

  private StockCollector start(Path dir, int run, int port) {
    return cleanup.register(
        StockCollector.start(
            dir, "collector-" + run, List.of(StockCollector.AGENT_CONFIG), Map.of(), port));
  }
}
