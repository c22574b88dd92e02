package io.telegen.agent.export;

import io.telegen.agent.telemetry.AgentTelemetry;
import io.telegen.source.ProblemLog;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.LongUnaryOperator;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Drains the {@link ExportQueue} into the {@link OtlpExporter} on one thread, retrying
 * retryable failures with exponential backoff and full jitter (or the collector's
 * {@code RetryInfo} delay) for as long as it takes: items stay queued until delivered, so a
 * collector that is down only costs what the bounded queue cannot hold.
 *
 * <p>It logs once when the collector becomes unreachable and once when it is back, not per
 * attempt.
 *
 * <p>Its {@link #state()} says whether it can deliver ({@link ExportState#OUTAGE} exactly while
 * that outage is logged as active); listeners hear each change, on the loop's thread.
 */
public final class ExportLoop implements Runnable {

  private static final Logger logger = Logger.getLogger(ExportLoop.class.getName());
  private static final String OUTAGE = "collector";
  private static final Duration IDLE_POLL = Duration.ofSeconds(1);

  private final ExportQueue queue;
  private final OtlpExporter exporter;
  private final AgentTelemetry telemetry;
  private final Duration initialBackoff;
  private final Duration maxBackoff;
  private final Sleeper sleeper;
  private final LongUnaryOperator jitter;
  private final List<Consumer<ExportState>> stateListeners = new CopyOnWriteArrayList<>();
  private volatile ExportState state = ExportState.EXPORTING;
  private volatile boolean running = true;
  private volatile Thread thread;
  private final CountDownLatch finished = new CountDownLatch(1);

  /** Sleeps; a seam so retry tests run in milliseconds. */
  @FunctionalInterface
  interface Sleeper {
    void sleep(Duration duration) throws InterruptedException;
  }

  public ExportLoop(
      ExportQueue queue,
      OtlpExporter exporter,
      AgentTelemetry telemetry,
      Duration initialBackoff,
      Duration maxBackoff) {
    this(
        queue,
        exporter,
        telemetry,
        initialBackoff,
        maxBackoff,
        d -> Thread.sleep(d.toMillis()),
        bound -> ThreadLocalRandom.current().nextLong(bound / 2, bound + 1));
  }

  ExportLoop(
      ExportQueue queue,
      OtlpExporter exporter,
      AgentTelemetry telemetry,
      Duration initialBackoff,
      Duration maxBackoff,
      Sleeper sleeper,
      LongUnaryOperator jitter) {
    this.queue = queue;
    this.exporter = exporter;
    this.telemetry = telemetry;
    this.initialBackoff = initialBackoff;
    this.maxBackoff = maxBackoff;
    this.sleeper = sleeper;
    this.jitter = jitter;
  }

  /** Whether the last attempt reached the collector; {@link ExportState#EXPORTING} before any. */
  public ExportState state() {
    return state;
  }

  /**
   * Calls {@code listener} with the current state now and with every change after, on the loop's
   * thread (so it must be quick: the agent's health service only records it).
   */
  public synchronized void onStateChange(Consumer<ExportState> listener) {
    stateListeners.add(listener);
    listener.accept(state);
  }

  private synchronized void changeState(ExportState next) {
    if (state != next) {
      state = next;
      for (Consumer<ExportState> listener : stateListeners) {
        listener.accept(next);
      }
    }
  }

  /** Starts the loop on its own daemon thread. */
  public void start() {
    Thread t = new Thread(this::runHere, "telegen-export");
    t.setDaemon(true);
    t.start();
  }

  /**
   * Runs the loop on the calling thread until {@link #stop}, which interrupts that thread and
   * waits for this to return (with the interrupt it caused cleared). The agent's main thread runs
   * it: it would otherwise only wait for the process to end, and a thread costs every node its
   * stack.
   */
  public void runHere() {
    thread = Thread.currentThread();
    try {
      if (running) {
        run();
      }
    } finally {
      Thread.interrupted(); // stop()'s interrupt, which was for the loop
      finished.countDown();
    }
  }

  /** Stops after the attempt in flight; items left in the queue stay there. */
  public void stop() {
    running = false;
    Thread t = thread;
    if (t != null) {
      t.interrupt();
      try {
        finished.await(5, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }

  @Override
  public void run() {
    long backoffMillis = initialBackoff.toMillis();
    ProblemLog outages = new ProblemLog(logger, "export");
    long outageStartedNanos = 0;
    while (running) {
      try {
        ExportItem item = queue.peek(IDLE_POLL);
        if (item == null) {
          continue;
        }
        ExportResult result = exporter.export(item);
        switch (result.outcome()) {
          case DELIVERED -> {
            queue.remove(item);
            long rejected = Math.min(result.rejectedItems(), item.items());
            telemetry.exported(item.signal(), item.items() - rejected);
            if (rejected > 0) {
              telemetry.failed(item.signal(), "rejected", rejected);
              logger.log(
                  Level.FINE,
                  () ->
                      "collector rejected "
                          + rejected
                          + " of "
                          + item.items()
                          + " "
                          + item.signal().label()
                          + " items: "
                          + result.detail());
            }
            if (outages.isActive(OUTAGE)) {
              long seconds = Duration.ofNanos(System.nanoTime() - outageStartedNanos).toSeconds();
              outages.clear(
                  OUTAGE,
                  "delivering to the collector at "
                      + exporter.target()
                      + " again after "
                      + seconds
                      + "s; "
                      + queue.size()
                      + " requests still queued");
            }
            changeState(ExportState.EXPORTING);
            backoffMillis = initialBackoff.toMillis();
          }
          case REJECTED -> {
            backoffMillis = initialBackoff.toMillis();
            if (!queue.dropRefused(item)) {
              logger.log(
                  Level.FINE,
                  () ->
                      "collector refused a merge of "
                          + item.items()
                          + " items ("
                          + result.detail()
                          + "); sending its requests one by one");
              continue;
            }
            telemetry.failed(item.signal(), "rejected", item.items());
            logger.warning(
                "the collector at "
                    + exporter.target()
                    + " refused "
                    + item.items()
                    + " "
                    + item.signal().label()
                    + " items and they are dropped ("
                    + result.detail()
                    + "); check the collector's log and its otlp receiver");
          }
          case RETRY -> {
            if (!running) {
              // Interrupted by stop(): the item stays queued, and this is no outage.
              return;
            }
            if (!outages.isActive(OUTAGE)) {
              outageStartedNanos = System.nanoTime();
              outages.report(
                  OUTAGE,
                  "cannot deliver to the collector at "
                      + exporter.target()
                      + " ("
                      + result.detail()
                      + "); keeping data queued (up to "
                      + queue.capacity()
                      + " requests) and retrying. Is otelcol running and listening there?");
            }
            changeState(ExportState.OUTAGE);
            long delay =
                result.retryAfter() != null
                    ? result.retryAfter().toMillis()
                    : jitter.applyAsLong(backoffMillis);
            sleeper.sleep(Duration.ofMillis(delay));
            backoffMillis = Math.min(maxBackoff.toMillis(), backoffMillis * 2);
          }
        }
      } catch (InterruptedException e) {
        if (!running) {
          return;
        }
      } catch (RuntimeException e) {
        // A bug must not stop delivery for the rest of the process's life.
        logger.log(Level.SEVERE, "unexpected error in the export loop; continuing", e);
      }
    }
  }
}
