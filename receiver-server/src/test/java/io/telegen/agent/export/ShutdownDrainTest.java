package io.telegen.agent.export;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.telegen.testsupport.LogLines;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.logging.Logger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What a stopping agent waits for: the requests held only in memory, up to the deadline. */
class ShutdownDrainTest {

  @TempDir Path dir;

  @Test
  void itReturnsOnceTheExportLoopHasDeliveredWhatWasInMemory() throws Exception {
    MemoryExportQueue queue = new MemoryExportQueue(10);
    queue.offer(OtlpRequests.metricsItem("a", 1, 0));
    queue.offer(OtlpRequests.metricsItem("b", 1, 0));
    Thread exportLoop =
        new Thread(
            () -> {
              try {
                for (int i = 0; i < 2; i++) {
                  Thread.sleep(50);
                  queue.remove(queue.peek(Duration.ofSeconds(1)));
                }
              } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
              }
            });
    exportLoop.start();
    long start = System.nanoTime();
    try (LogLines log = LogLines.of(Logger.getLogger(ShutdownDrain.class.getName()))) {
      assertEquals(0, new ShutdownDrain(queue).await(Duration.ofSeconds(30)));
      assertEquals(List.of(), log.lines(), "nothing lost, nothing to say");
    }
    assertTrue(System.nanoTime() - start < Duration.ofSeconds(10).toNanos());
    exportLoop.join();
  }

  @Test
  void pastTheDeadlineItSaysHowManyRequestsAreLostAndWhichKeyToSet() throws Exception {
    MemoryExportQueue queue = new MemoryExportQueue(10);
    queue.offer(OtlpRequests.metricsItem("a", 1, 0));
    long[] now = {0};
    // Each look at the clock is 100 ms later: the 250 ms deadline passes on the third.
    ShutdownDrain drain = new ShutdownDrain(queue, () -> now[0] += 100_000_000L);
    try (LogLines log = LogLines.of(Logger.getLogger(ShutdownDrain.class.getName()))) {
      assertEquals(1, drain.await(Duration.ofMillis(250)));
      List<String> lines = log.lines();
      assertEquals(1, lines.size(), lines.toString());
      assertTrue(lines.get(0).contains("1 export request(s)"), lines.get(0));
      assertTrue(lines.get(0).contains("agent.exporter.shutdown_timeout"), lines.get(0));
      assertTrue(lines.get(0).contains("agent.exporter.queue.directory"), lines.get(0));
    }
  }

  @Test
  void aDiskQueueWithEverythingOnDiskHasNothingToWaitFor() throws Exception {
    try (DiskExportQueue queue = DiskExportQueue.open(dir, 10, 1 << 20)) {
      queue.offer(OtlpRequests.metricsItem("a", 1, 0));
      assertEquals(0, queue.inMemoryOnly());
      long start = System.nanoTime();
      assertEquals(0, new ShutdownDrain(queue).await(Duration.ofSeconds(30)));
      assertTrue(System.nanoTime() - start < Duration.ofSeconds(1).toNanos());
    }
  }
}
