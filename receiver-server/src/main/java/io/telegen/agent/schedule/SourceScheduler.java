package io.telegen.agent.schedule;

import io.telegen.agent.telemetry.AgentTelemetry;
import io.telegen.catalog.MetricCatalog;
import io.telegen.source.MetricBatch;
import io.telegen.source.MetricSource;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.BiConsumer;
import java.util.logging.Logger;

/**
 * Runs each source at its own interval on its own thread.
 *
 * <p>Isolation is the point: a source that throws costs its cycle and a count in
 * {@code telegen_agent_collection_errors_total{reason="error"}}. A source still busy when its next
 * tick comes has taken its whole interval: it is interrupted, counted as a timeout, and, if it does
 * not let go of its thread (a hung native call), that thread is abandoned and the source gets a
 * fresh one. No two sources share a thread, so none can delay another.
 */
public final class SourceScheduler implements AutoCloseable {

  private static final Logger logger = Logger.getLogger(SourceScheduler.class.getName());

  private final MetricCatalog catalog;
  private final AgentTelemetry telemetry;
  private final BiConsumer<MetricSource, MetricBatch> sink;
  private final Clock clock;
  private final ScheduledExecutorService ticker =
      Executors.newSingleThreadScheduledExecutor(daemon("telegen-ticker"));
  private final List<Runner> runners = new ArrayList<>();

  /**
   * @param sink receives each completed collection, on the source's thread
   */
  public SourceScheduler(MetricCatalog catalog, AgentTelemetry telemetry,
      BiConsumer<MetricSource, MetricBatch> sink, Clock clock) {
    this.catalog = catalog;
    this.telemetry = telemetry;
    this.sink = sink;
    this.clock = clock;
  }

  /** Collects {@code source} now and then every {@code interval}. */
  public synchronized void schedule(MetricSource source, Duration interval) {
    Runner runner = new Runner(source, interval);
    runners.add(runner);
    ticker.scheduleAtFixedRate(runner::tick, 0, interval.toMillis(), TimeUnit.MILLISECONDS);
  }

  /**
   * Collects {@code source} once, isolated as a scheduled run is, waiting at most
   * {@code timeout}. Returns the batch, or null when the source failed or timed out.
   */
  public static MetricBatch collectOnce(MetricSource source, Duration timeout,
      MetricCatalog catalog, AgentTelemetry telemetry, Clock clock) {
    ExecutorService executor = Executors.newSingleThreadExecutor(daemon("telegen-source-"
        + source.name()));
    try {
      MetricBatch batch = newBatch(catalog, clock);
      long started = System.nanoTime();
      Future<?> run = executor.submit(() -> {
        source.collect(batch);
        return null;
      });
      try {
        run.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        telemetry.collected(source.name(), Duration.ofNanos(System.nanoTime() - started));
        return batch;
      } catch (TimeoutException e) {
        run.cancel(true);
        timedOut(source, timeout, telemetry);
      } catch (ExecutionException e) {
        failed(source, e.getCause(), telemetry);
      } catch (InterruptedException e) {
        run.cancel(true);
        Thread.currentThread().interrupt();
      }
      return null;
    } finally {
      executor.shutdownNow();
    }
  }

  private static MetricBatch newBatch(MetricCatalog catalog, Clock clock) {
    Instant now = clock.instant();
    return new MetricBatch(catalog, now.getEpochSecond() * 1_000_000_000L + now.getNano());
  }

  private static void timedOut(MetricSource source, Duration limit, AgentTelemetry telemetry) {
    telemetry.collectionError(source.name(), "timeout");
    logger.warning("source " + source.name() + " did not finish within " + limit.toMillis()
        + " ms; its cycle is skipped and other sources continue");
  }

  private static void failed(MetricSource source, Throwable cause, AgentTelemetry telemetry) {
    telemetry.collectionError(source.name(), "error");
    logger.warning("source " + source.name() + " failed this cycle: " + cause
        + "; other sources continue");
  }

  /** One source's thread and its in-flight collection; ticks come from the ticker thread. */
  private final class Runner {
    private final MetricSource source;
    private final Duration interval;
    private ExecutorService thread;
    private Future<?> inFlight;

    Runner(MetricSource source, Duration interval) {
      this.source = source;
      this.interval = interval;
      this.thread = newThread();
    }

    private ExecutorService newThread() {
      return Executors.newSingleThreadExecutor(daemon("telegen-source-" + source.name()));
    }

    void tick() {
      if (inFlight != null && !inFlight.isDone()) {
        inFlight.cancel(true);
        timedOut(source, interval, telemetry);
        // If the interrupt does not free the thread, leave it behind rather than queue on it.
        thread.shutdownNow();
        thread = newThread();
      }
      inFlight = thread.submit(this::collect);
    }

    private void collect() {
      MetricBatch batch = newBatch(catalog, clock);
      long started = System.nanoTime();
      try {
        source.collect(batch);
      } catch (InterruptedException e) {
        return;
      } catch (Exception | LinkageError e) {
        failed(source, e, telemetry);
        return;
      }
      if (Thread.currentThread().isInterrupted()) {
        return;
      }
      telemetry.collected(source.name(), Duration.ofNanos(System.nanoTime() - started));
      sink.accept(source, batch);
    }

    void close() {
      thread.shutdownNow();
      source.close();
    }
  }

  private static ThreadFactory daemon(String name) {
    return r -> {
      Thread t = new Thread(r, name);
      t.setDaemon(true);
      return t;
    };
  }

  @Override
  public synchronized void close() {
    ticker.shutdownNow();
    for (Runner runner : runners) {
      runner.close();
    }
  }
}
