package io.telegen.agent.schedule;

import io.telegen.agent.telemetry.AgentTelemetry;
import io.telegen.catalog.MetricCatalog;
import io.telegen.source.MetricBatch;
import io.telegen.source.MetricSource;
import io.telegen.source.PartialCollectionException;
import io.telegen.source.PartialCollectionException.Problem;
import io.telegen.source.ProblemLog;
import io.telegen.source.SourceDiscovery;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.BiConsumer;
import java.util.function.Consumer;
import java.util.logging.Logger;

/**
 * Runs each source at its own interval, the fixed sources and those a {@link SourceDiscovery}
 * finds alike, and runs one cycle of all of them on demand ({@link #collectNow}) through the same
 * code.
 *
 * <p>Isolation is the point: a source that throws costs its cycle and a count in
 * {@code telegen_agent_collection_errors_total{reason="error"}}; one that throws
 * {@link PartialCollectionException} has its batch delivered and the cycle counted as
 * {@code reason="partial"}. A source still busy when its next tick comes (a call stuck in a driver
 * cannot be interrupted) is left alone on its thread: that tick is skipped and counted as
 * {@code reason="skipped"}, and no second collection of it starts until the first returns.
 * Collections share a small pool of threads ({@link CollectionThreads}): one, and one more for
 * each collection running past {@link #PATIENCE}, so a stuck source holds only its own thread and
 * delays the others at most {@link #PATIENCE}, once. Each distinct problem of a source is logged
 * once, and once when it clears.
 *
 * <p>Sources are told apart by identity, not by name: sources of one {@link MetricSource#name()}
 * (two vLLM servers) share their self-telemetry series and are told apart in logs by
 * {@link MetricSource#logName()}.
 */
public final class SourceScheduler implements AutoCloseable {

  private static final Logger logger = Logger.getLogger(SourceScheduler.class.getName());

  /** The problem key of a collection that failed as a whole; never a source's own key. */
  private static final String WHOLE_COLLECTION = "\0collection";

  private static final String STILL_RUNNING = "\0running";

  /**
   * How long a collection may hold a thread before the collections behind it get another: above
   * a real 8-GPU NVML cycle or a large scrape, well below the shortest interval in use (1 s).
   */
  static final Duration PATIENCE = Duration.ofMillis(250);

  /** How long a thread started for a held collection outlives it, idle. */
  private static final Duration KEEP_ALIVE = Duration.ofSeconds(2);

  private final MetricCatalog catalog;
  private final AgentTelemetry telemetry;
  private final BiConsumer<MetricSource, MetricBatch> sink;
  private final Clock clock;
  private final ScheduledExecutorService ticker;

  /** Whether {@link #ticker} is this scheduler's own, shut down by {@link #close}. */
  private final boolean ownTicker;

  private final CollectionThreads collections;

  /** Runners and discoveries in the order they were added: the order of {@link #collectNow}. */
  private final List<Slot> slots = new ArrayList<>();

  private final List<Runner> runners = new ArrayList<>();
  private final List<DiscoveryRunner> discoveries = new ArrayList<>();
  private boolean started;
  private boolean closed;

  /**
   * When {@link #start} ran, on {@link System#nanoTime}: the phase the ticks of every source share,
   * so that sources of one interval, fixed or found later, are collected together and their series
   * leave in one export instead of one each.
   */
  private long phaseNanos;

  /**
   * @param sink receives each completed collection of a scheduled run, on the collection thread
   */
  public SourceScheduler(
      MetricCatalog catalog,
      AgentTelemetry telemetry,
      BiConsumer<MetricSource, MetricBatch> sink,
      Clock clock) {
    this(catalog, telemetry, sink, clock, newTicker(), true);
  }

  /**
   * A scheduler whose ticks and collection deadlines are timed on {@code ticker}, which it does
   * not shut down: its tasks only hand work to the collection threads, so a timer the process has
   * anyway (an I/O event loop) serves, instead of a thread of its own.
   *
   * @param sink receives each completed collection of a scheduled run, on the collection thread
   */
  public SourceScheduler(
      MetricCatalog catalog,
      AgentTelemetry telemetry,
      BiConsumer<MetricSource, MetricBatch> sink,
      Clock clock,
      ScheduledExecutorService ticker) {
    this(catalog, telemetry, sink, clock, ticker, false);
  }

  private SourceScheduler(
      MetricCatalog catalog,
      AgentTelemetry telemetry,
      BiConsumer<MetricSource, MetricBatch> sink,
      Clock clock,
      ScheduledExecutorService ticker,
      boolean ownTicker) {
    this.catalog = catalog;
    this.telemetry = telemetry;
    this.sink = sink;
    this.clock = clock;
    this.ticker = ticker;
    this.ownTicker = ownTicker;
    this.collections = new CollectionThreads("telegen-collect", ticker, PATIENCE, KEEP_ALIVE);
  }

  /** Adds {@code source}, collected every {@code interval} once {@link #start} is called. */
  public synchronized void add(MetricSource source, Duration interval) {
    checkOpen();
    Runner runner = new Runner(source, interval);
    runners.add(runner);
    slots.add(runner);
    if (started) {
      runner.startTicking();
    }
  }

  /**
   * Adds the sources {@code discovery} finds: asked every {@code rediscoverEvery}, each source it
   * answers collected every {@code interval} until an answer no longer has it.
   */
  public synchronized void add(
      SourceDiscovery discovery, Duration interval, Duration rediscoverEvery) {
    checkOpen();
    DiscoveryRunner runner = new DiscoveryRunner(discovery, interval, rediscoverEvery);
    discoveries.add(runner);
    slots.add(runner);
    if (started) {
      runner.startTicking();
    }
  }

  /** Collects every source now and then at its interval; discovers at once and then periodically. */
  public synchronized void start() {
    checkOpen();
    if (started) {
      return;
    }
    started = true;
    phaseNanos = System.nanoTime();
    for (DiscoveryRunner discovery : discoveries) {
      discovery.startTicking();
    }
    for (Runner runner : runners) {
      runner.startTicking();
    }
  }

  /** Collects {@code source} now and then every {@code interval}, starting the scheduler. */
  public void schedule(MetricSource source, Duration interval) {
    add(source, interval);
    start();
  }

  /**
   * One cycle of every source now, discovered ones included (each discovery is asked first), one
   * source after the other on the collection threads, through the same code as a scheduled
   * cycle. Waits for each at most its interval or {@code limit}, whichever is shorter; a source
   * not done by then is counted as {@code reason="timeout"} and keeps its thread, so the next
   * cycle skips it until it returns.
   *
   * @return the batches of the sources that finished, in the order the sources were added; the
   *     sink is not called
   */
  public List<MetricBatch> collectNow(Duration limit) {
    List<DiscoveryRunner> toAsk;
    synchronized (this) {
      checkOpen();
      toAsk = List.copyOf(discoveries);
    }
    for (DiscoveryRunner discovery : toAsk) {
      discovery.rediscoverHere();
    }
    List<MetricBatch> batches = new ArrayList<>();
    // One after the other, so that the self-telemetry source, added last, counts this cycle.
    for (Runner runner : allRunners()) {
      CompletableFuture<MetricBatch> result = new CompletableFuture<>();
      if (!runner.start(result::complete, () -> result.complete(null), false)) {
        continue;
      }
      Duration wait = runner.interval.compareTo(limit) < 0 ? runner.interval : limit;
      try {
        MetricBatch batch = result.get(wait.toNanos(), TimeUnit.NANOSECONDS);
        if (batch != null) {
          batches.add(batch);
        }
      } catch (TimeoutException e) {
        runner.timedOut(wait);
      } catch (ExecutionException e) {
        // not reached: a runner completes with a batch or null
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        break;
      }
    }
    return batches;
  }

  /** The sources now scheduled, fixed and discovered, in the order they were added. */
  public synchronized List<MetricSource> sources() {
    List<MetricSource> out = new ArrayList<>();
    for (Runner runner : allRunners()) {
      out.add(runner.source);
    }
    return out;
  }

  private synchronized List<Runner> allRunners() {
    List<Runner> all = new ArrayList<>();
    for (Slot slot : slots) {
      slot.addRunnersTo(all);
    }
    return all;
  }

  /** A fixed source's runner, or a discovery with the runners of what it found. */
  private interface Slot {
    /** Called with the scheduler's lock held. */
    void addRunnersTo(List<Runner> out);
  }

  private void checkOpen() {
    if (closed) {
      throw new IllegalStateException("the source scheduler is closed");
    }
  }

  private MetricBatch newBatch() {
    Instant now = clock.instant();
    return new MetricBatch(catalog, now.getEpochSecond() * 1_000_000_000L + now.getNano());
  }

  /** One source's ticks, and whether a collection of it is running. */
  private final class Runner implements Slot {
    private final MetricSource source;
    private final Duration interval;
    private final String threadName;

    /** Problems of the last collection: its own, or its failing as a whole. */
    private final ProblemLog problems;

    /** A collection that runs past its next tick. */
    private final ProblemLog overrun;

    private ScheduledFuture<?> ticks;
    // Guarded by this runner.
    private boolean busy;
    private boolean retired;
    private boolean sourceClosed;
    private long startedNanos;

    Runner(MetricSource source, Duration interval) {
      this.source = source;
      this.interval = interval;
      this.threadName = "telegen-source-" + source.name();
      this.problems = new ProblemLog(logger, "source " + source.logName());
      this.overrun = new ProblemLog(logger, "source " + source.logName());
    }

    @Override
    public void addRunnersTo(List<Runner> out) {
      out.add(this);
    }

    /**
     * Called with the scheduler's lock held: collects now, a new source's first series not
     * waiting, then every {@link #interval} on the scheduler's phase. A phase tick closer than
     * half an interval to now is left out, so the first two collections are not close together.
     */
    void startTicking() {
      long period = interval.toNanos();
      long toPhase = Math.floorMod(phaseNanos - System.nanoTime(), period);
      ticker.execute(this::tick);
      ticks =
          ticker.scheduleAtFixedRate(
              this::tick,
              toPhase < period / 2 ? toPhase + period : toPhase,
              period,
              TimeUnit.NANOSECONDS);
    }

    void tick() {
      start(batch -> sink.accept(source, batch), () -> {}, true);
    }

    /**
     * Starts one collection on a collection thread unless one is still running (then the cycle is
     * skipped and counted) or the source is retired.
     *
     * @param deliver gets the batch of a collection that succeeded, fully or partly
     * @param failed runs when a started collection delivered nothing
     * @param ticked whether a fixed-rate tick asks, rather than {@link #collectNow}
     * @return whether a collection started
     */
    boolean start(Consumer<MetricBatch> deliver, Runnable failed, boolean ticked) {
      synchronized (this) {
        if (retired) {
          return false;
        }
        if (busy) {
          long runningNanos = System.nanoTime() - startedNanos;
          // Fixed-rate ticks that were late come in a burst; one right after a start is not a
          // cycle the source missed.
          if (!ticked || runningNanos >= interval.toNanos() / 2) {
            telemetry.collectionError(source.name(), "skipped");
            overrun.report(
                STILL_RUNNING,
                "its collection started "
                    + runningNanos / 1_000_000
                    + " ms ago has not returned (a call stuck in a driver or on an endpoint); its "
                    + "cycles are skipped until it does, other sources continue");
          }
          return false;
        }
        busy = true;
        startedNanos = System.nanoTime();
      }
      try {
        collections.execute(threadName, new Collection(deliver, failed));
        return true;
      } catch (RejectedExecutionException e) {
        end(); // closing
        failed.run();
        return false;
      }
    }

    /** One started collection, queued or running. */
    private final class Collection implements Runnable, CollectionThreads.Dropped {
      private final Consumer<MetricBatch> deliver;
      private final Runnable failed;

      Collection(Consumer<MetricBatch> deliver, Runnable failed) {
        this.deliver = deliver;
        this.failed = failed;
      }

      @Override
      public void run() {
        MetricBatch batch = null;
        try {
          batch = collect();
        } finally {
          end();
        }
        if (batch != null) {
          deliver.accept(batch);
        } else {
          failed.run();
        }
      }

      @Override
      public void dropped() {
        end();
        failed.run();
      }
    }

    /** The batch of one collection, or null when it failed as a whole. */
    private MetricBatch collect() {
      MetricBatch batch = newBatch();
      long started = System.nanoTime();
      try {
        source.collect(batch);
        problems.clearAll();
      } catch (PartialCollectionException e) {
        telemetry.collectionError(source.name(), "partial");
        problems.update(e.problems());
      } catch (InterruptedException e) {
        return null; // the scheduler is closing
      } catch (Exception | LinkageError e) {
        telemetry.collectionError(source.name(), "error");
        problems.update(
            List.of(
                new Problem(
                    WHOLE_COLLECTION,
                    "collection failed: "
                        + e
                        + "; its series are missing until it recovers, other sources continue")));
        return null;
      }
      telemetry.collected(source.name(), Duration.ofNanos(System.nanoTime() - started));
      return batch;
    }

    /** Marks the collection done, logs the end of an overrun, and closes a retired source. */
    private void end() {
      boolean close;
      synchronized (this) {
        busy = false;
        overrun.clear(
            STILL_RUNNING,
            "its collection that ran past its cycle returned after "
                + (System.nanoTime() - startedNanos) / 1_000_000
                + " ms; collecting again");
        close = retired && !sourceClosed;
        sourceClosed |= close;
      }
      if (close) {
        Thread.interrupted(); // the scheduler's close interrupted it; let the source close cleanly
        source.close();
      }
    }

    void timedOut(Duration limit) {
      telemetry.collectionError(source.name(), "timeout");
      synchronized (this) {
        if (busy) {
          overrun.report(
              STILL_RUNNING,
              "did not finish within "
                  + limit.toMillis()
                  + " ms; "
                  + "going on without it (its thread is kept: a call stuck in a driver cannot be "
                  + "interrupted)");
        }
      }
    }

    /**
     * No more collections: stops the ticks and closes the source now, or when its running
     * collection returns (a stuck native call must not find its buffers freed).
     */
    void retire() {
      if (ticks != null) {
        ticks.cancel(false);
      }
      boolean close;
      synchronized (this) {
        retired = true;
        close = !busy && !sourceClosed;
        sourceClosed |= close;
      }
      if (close) {
        source.close();
      }
    }
  }

  /** A discovery's ticks and the runners of the sources it answered last. */
  private final class DiscoveryRunner implements Slot {
    private final SourceDiscovery discovery;
    private final Duration interval;
    private final Duration every;
    private final String threadName;
    private final ProblemLog problems;
    // Guarded by the scheduler's lock; in the order the sources were first found.
    private final List<Runner> runners = new ArrayList<>();
    private ScheduledFuture<?> ticks;
    private boolean busy;

    DiscoveryRunner(SourceDiscovery discovery, Duration interval, Duration every) {
      this.discovery = discovery;
      this.interval = interval;
      this.every = every;
      this.threadName = "telegen-discovery-" + discovery.name();
      this.problems = new ProblemLog(logger, "discovery " + discovery.name());
    }

    @Override
    public void addRunnersTo(List<Runner> out) {
      out.addAll(runners);
    }

    /** Called with the scheduler's lock held: the runners it has start ticking too. */
    void startTicking() {
      for (Runner runner : runners) {
        runner.startTicking();
      }
      ticks = ticker.scheduleAtFixedRate(this::tick, 0, every.toMillis(), TimeUnit.MILLISECONDS);
    }

    void tick() {
      try {
        collections.execute(threadName, this::rediscoverHere);
      } catch (RejectedExecutionException e) {
        // closing
      }
    }

    /** Asks the discovery on this thread and reconciles; skipped while another ask runs. */
    void rediscoverHere() {
      synchronized (this) {
        if (busy) {
          return;
        }
        busy = true;
      }
      try {
        List<? extends MetricSource> current;
        try {
          current = List.copyOf(discovery.current());
          problems.clear(WHOLE_COLLECTION);
        } catch (Exception | LinkageError e) {
          problems.report(
              WHOLE_COLLECTION, "failed: " + e + "; the sources it found before " + "keep running");
          return;
        }
        reconcile(current);
      } finally {
        synchronized (this) {
          busy = false;
        }
      }
    }

    private void reconcile(List<? extends MetricSource> current) {
      Set<MetricSource> now = Collections.newSetFromMap(new IdentityHashMap<>());
      now.addAll(current);
      synchronized (SourceScheduler.this) {
        Set<MetricSource> known = Collections.newSetFromMap(new IdentityHashMap<>());
        for (Runner runner : runners) {
          known.add(runner.source);
        }
        if (closed) {
          for (MetricSource source : current) {
            if (!known.contains(source)) {
              source.close();
            }
          }
          return;
        }
        runners.removeIf(
            runner -> {
              if (now.contains(runner.source)) {
                return false;
              }
              runner.retire();
              return true;
            });
        for (MetricSource source : current) {
          if (known.add(source)) {
            Runner runner = new Runner(source, interval);
            runners.add(runner);
            if (started) {
              runner.startTicking();
            }
          }
        }
      }
    }

    void close() {
      if (ticks != null) {
        ticks.cancel(false);
      }
      for (Runner runner : runners) {
        runner.retire();
      }
      runners.clear();
      discovery.close();
    }
  }

  private static ScheduledExecutorService newTicker() {
    ScheduledThreadPoolExecutor ticker =
        new ScheduledThreadPoolExecutor(
            1,
            r -> {
              Thread t = new Thread(r, "telegen-ticker");
              t.setDaemon(true);
              return t;
            });
    // Each collection's patience is a timer cancelled when it returns, almost always.
    ticker.setRemoveOnCancelPolicy(true);
    return ticker;
  }

  /**
   * Stops every tick, interrupts the running collections and closes every source; a source whose
   * collection is still running is closed when it returns.
   */
  @Override
  public synchronized void close() {
    if (closed) {
      return;
    }
    closed = true;
    if (ownTicker) {
      ticker.shutdownNow();
    } // else each runner's and discovery's ticks are cancelled below
    for (DiscoveryRunner discovery : discoveries) {
      discovery.close();
    }
    for (Runner runner : runners) {
      runner.retire();
    }
    collections.shutdownNow();
  }
}
