package io.telegen.integration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.NavigableSet;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;

/**
 * {@code kill -9} of an agent whose disk queue is most of the way full, with the collector away:
 * after the restart every request the receiver acknowledged and every GPU collection of the
 * outage arrives. The restarted agent is killed again while it delivers the backlog, and a third
 * one finishes: at most the batch in flight at that kill arrives twice.
 */
final class AgentKilledWithAFullQueueTest {

  private static final String SERVICE = "kill9-full-queue-test";
  private static final int MAX_REQUESTS = 600;
  private static final Duration FILLING = Duration.ofSeconds(12);
  private static final Duration DELIVERY = Duration.ofSeconds(60);

  private final Cleanup cleanup = new Cleanup();

  @AfterEach
  void stopEverything() {
    cleanup.close();
  }

  @Test
  void acknowledgedAndCollectedDataSurvivesKill9(TestInfo testInfo) throws IOException {
    Path dir = TestLogDir.of(testInfo);
    Path queue = dir.resolve("queue");
    int collectorPort = FreePorts.next(); // away until after the first kill
    Map<String, Object> sections =
        FaultAgent.sections(collectorPort, queue, Map.of("max_requests", MAX_REQUESTS));
    AgentProcess first = cleanup.register(FaultAgent.start(dir.resolve("first"), sections));
    long firstStarted = System.currentTimeMillis() * 1_000_000L;
    SequenceSender app =
        cleanup.register(new SequenceSender(first.receiverEndpoint(), SERVICE, 40, 1));
    ExternalProcess.sleep(FILLING);
    NavigableSet<Long> sent = app.stop();
    first.kill();
    long firstKilled = System.currentTimeMillis() * 1_000_000L;
    assertFalse(first.isAlive());
    assertTrue(hasFiles(queue), "nothing on disk in " + queue);

    StockCollector collector = cleanup.register(StockCollector.start(dir, collectorPort));
    DeliveredPoints delivered = new DeliveredPoints(SERVICE).follow(collector);
    AgentProcess second = cleanup.register(FaultAgent.start(dir.resolve("second"), sections));
    long secondStarted = System.currentTimeMillis() * 1_000_000L;
    // Killed again as soon as the backlog starts arriving: delivery is interrupted mid-way.
    delivered.awaitUntil(() -> !delivered.sequence().isEmpty(), DELIVERY);
    second.kill();
    long secondKilled = System.currentTimeMillis() * 1_000_000L;
    int arrivedBeforeSecondKill = delivered.refresh().sequence().size();

    AgentProcess third = cleanup.register(FaultAgent.start(dir.resolve("third"), sections));
    boolean all =
        delivered.awaitUntil(
            () ->
                delivered.sequence().keySet().containsAll(sent)
                    && delivered.gpuReached(secondKilled),
            DELIVERY);
    GpuCadence outage = delivered.gpuCadence(firstStarted, firstKilled);
    GpuCadence secondRun = delivered.gpuCadence(secondStarted, secondKilled);
    String report =
        String.format(
            "AgentKilledWithAFullQueueTest: queue about %d of %d requests at the kill; %s; during the"
                + " outage %s; second agent (killed with %d of %d values delivered) %s",
            sent.size() + 2 * FILLING.toSeconds(),
            MAX_REQUESTS,
            FaultAgent.sdkLine(sent, delivered.sequence()),
            outage,
            arrivedBeforeSecondKill,
            sent.size(),
            secondRun);
    System.out.println(report);
    String context =
        report + "\n" + first.describe() + "\n" + second.describe() + "\n" + third.describe();
    assertTrue(all, context);
    assertEquals(0, FaultAgent.lost(sent, delivered.sequence()).size(), context);
    assertTrue(sent.size() > MAX_REQUESTS / 3, "the queue did not fill\n" + context);
    assertEquals(0, outage.lost(), context);
    assertTrue(outage.collected() >= (FILLING.toSeconds() - 1) * outage.series(), context);
    assertEquals(0, secondRun.lost(), context);
    // At most the batch in flight at a kill twice: one merged request, of consecutive requests.
    NavigableSet<Long> sdkTwice = FaultAgent.twice(delivered.sequence());
    assertTrue(FaultAgent.oneRun(sdkTwice), context);
    GpuCadence all3 = delivered.gpuCadence();
    assertTrue(
        sdkTwice.size() + all3.timestampsTwice() <= FaultAgent.BATCH_REQUESTS,
        "more requests twice than one batch carries\n" + context);
  }

  private static boolean hasFiles(Path dir) throws IOException {
    if (!Files.isDirectory(dir)) {
      return false;
    }
    try (Stream<Path> files = Files.walk(dir)) {
      return files.anyMatch(f -> f.toString().endsWith(".segment"));
    }
  }
}
