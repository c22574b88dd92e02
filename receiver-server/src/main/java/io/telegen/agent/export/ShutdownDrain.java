package io.telegen.agent.export;

import java.time.Duration;
import java.util.function.LongSupplier;
import java.util.logging.Logger;

/**
 * What a stopping agent does with its queue before the export loop stops: it lets the loop go on
 * delivering until nothing is held only in memory (a memory queue is empty; a disk queue has
 * everything on disk) or the deadline ({@code agent.exporter.shutdown_timeout}) passes, so that
 * SIGTERM with the collector up loses nothing and SIGTERM with it away waits no longer than the
 * operator allowed.
 */
public final class ShutdownDrain {

  private static final Logger logger = Logger.getLogger(ShutdownDrain.class.getName());
  private static final Duration POLL = Duration.ofMillis(20);

  private final ExportQueue queue;
  private final LongSupplier nanoTime;

  public ShutdownDrain(ExportQueue queue) {
    this(queue, System::nanoTime);
  }

  ShutdownDrain(ExportQueue queue, LongSupplier nanoTime) {
    this.queue = queue;
    this.nanoTime = nanoTime;
  }

  /**
   * Waits up to {@code deadline} for the queue to hold nothing only in memory.
   *
   * @return the requests still held only in memory when it returns (lost unless a disk queue
   *     can write them at close)
   */
  public int await(Duration deadline) throws InterruptedException {
    long end = nanoTime.getAsLong() + deadline.toNanos();
    int left = queue.inMemoryOnly();
    while (left > 0 && nanoTime.getAsLong() < end) {
      Thread.sleep(POLL.toMillis());
      left = queue.inMemoryOnly();
    }
    if (left > 0) {
      logger.warning(
          left
              + " export request(s) held in memory were not delivered within "
              + deadline.toMillis()
              + " ms of the shutdown (agent.exporter.shutdown_timeout) and are lost: the"
              + " collector is away or slow. Set agent.exporter.queue.directory to keep them"
              + " across restarts");
    }
    return left;
  }
}
