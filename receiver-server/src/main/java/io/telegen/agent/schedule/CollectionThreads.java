package io.telegen.agent.schedule;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Future;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The threads the scheduler's collections run on: one while collections return promptly, and one
 * more for each collection still running after {@code patience}. A collection stuck in a driver
 * or on an endpoint so holds only the thread it is on: the collections queued behind it start on
 * a new thread at most {@code patience} late, once, and the stuck source's own next cycles are
 * skipped by its runner rather than queued. When a held collection returns, the extra thread
 * ends after {@code keepAlive} idle.
 *
 * <p>One thread instead of one per source: a node's sources each take milliseconds every few
 * seconds, and a thread each cost the agent most of its threads and their stacks.
 */
final class CollectionThreads {

  /** A job that never ran: the pool was shut down with it queued. */
  interface Dropped {
    void dropped();
  }

  private final ScheduledExecutorService timer;
  private final long patienceNanos;
  private final ThreadPoolExecutor pool;

  /** Collections running past their patience; guarded by this. */
  private int held;

  /**
   * @param timer where the patience of each running collection is timed (the scheduler's ticker)
   */
  CollectionThreads(
      String name, ScheduledExecutorService timer, Duration patience, Duration keepAlive) {
    this.timer = timer;
    this.patienceNanos = patience.toNanos();
    AtomicInteger n = new AtomicInteger();
    this.pool =
        new ThreadPoolExecutor(
            1,
            Integer.MAX_VALUE,
            keepAlive.toNanos(),
            TimeUnit.NANOSECONDS,
            new LinkedBlockingQueue<>(),
            r -> {
              Thread t = new Thread(r, name + "-" + n.incrementAndGet());
              t.setDaemon(true);
              return t;
            });
  }

  /**
   * Runs {@code job} on a collection thread, which is named {@code threadName} while it runs (so
   * a thread dump of a stuck agent names the source).
   *
   * @throws RejectedExecutionException after {@link #shutdown} or {@link #shutdownNow}
   */
  void execute(String threadName, Runnable job) {
    pool.execute(new Job(threadName, job));
  }

  /** Runs what is queued and then ends the threads. */
  void shutdown() {
    pool.shutdown();
  }

  /** Interrupts the running collections and tells each queued job it was dropped. */
  void shutdownNow() {
    for (Runnable r : pool.shutdownNow()) {
      if (((Job) r).job instanceof Dropped) {
        ((Dropped) ((Job) r).job).dropped();
      }
    }
  }

  /** The threads now running, for tests. */
  int threads() {
    return pool.getPoolSize();
  }

  /** The queued jobs, for tests. */
  List<Runnable> queued() {
    List<Runnable> out = new ArrayList<>();
    for (Runnable r : pool.getQueue()) {
      out.add(((Job) r).job);
    }
    return out;
  }

  private void overran(Job job) {
    synchronized (this) {
      if (job.done || job.held) {
        return;
      }
      job.held = true;
      held++;
      // Raising the core size starts a thread for what is queued, and lets the next execute
      // start one rather than queue behind the held thread.
      pool.setCorePoolSize(1 + held);
    }
  }

  private void returned(Job job) {
    synchronized (this) {
      job.done = true;
      if (job.held) {
        held--;
        pool.setCorePoolSize(1 + held);
      }
    }
  }

  private final class Job implements Runnable {
    private final String threadName;
    private final Runnable job;
    // Guarded by CollectionThreads.this.
    private boolean held;
    private boolean done;

    Job(String threadName, Runnable job) {
      this.threadName = threadName;
      this.job = job;
    }

    @Override
    public void run() {
      Thread thread = Thread.currentThread();
      String name = thread.getName();
      thread.setName(threadName);
      Future<?> watch = null;
      try {
        watch = timer.schedule(() -> overran(this), patienceNanos, TimeUnit.NANOSECONDS);
      } catch (RejectedExecutionException e) {
        // the scheduler is closing: nothing waits behind this job
      }
      try {
        job.run();
      } finally {
        if (watch != null) {
          watch.cancel(false);
        }
        returned(this);
        thread.setName(name);
      }
    }
  }
}
