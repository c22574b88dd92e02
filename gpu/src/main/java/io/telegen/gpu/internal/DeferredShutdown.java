package io.telegen.gpu.internal;

import java.time.Duration;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.Lock;
import java.util.function.Consumer;

/**
 * A native library's shutdown, run only once nothing is inside the library: neither its sampling
 * thread nor a collection (which holds {@code collecting} while it runs). No interrupt ends a
 * native call, so a call stuck in the driver at close would find its buffers freed and the library
 * shut down under it; instead the shutdown waits, on a daemon thread, for the stuck call to return
 * however late, and is skipped if it never does. Runs at most once, however often close is called.
 *
 * <p>Shared by the vendors' sources; internal, not API.
 */
public final class DeferredShutdown {

  /** Who was still inside the library when {@link #close} stopped waiting. */
  public enum Stuck {
    /** The sampling thread. */
    SAMPLER,
    /** A collection. */
    COLLECTION
  }

  private static final Duration COLLECTION_WAIT = Duration.ofSeconds(2);

  private final String threadName;
  private final ExecutorService sampler;
  private final Duration samplerWait;
  private final Lock collecting;
  private final Runnable shutDown;
  private final AtomicBoolean closed = new AtomicBoolean();

  /**
   * @param threadName the name of the thread that runs a deferred shutdown
   * @param sampler the library's sampling thread, shut down by {@link #close}
   * @param samplerWait how long close waits for the sampler to stop
   * @param collecting held by a running collection
   * @param shutDown frees what the calls use and shuts the library down
   */
  public DeferredShutdown(
      String threadName,
      ExecutorService sampler,
      Duration samplerWait,
      Lock collecting,
      Runnable shutDown) {
    this.threadName = threadName;
    this.sampler = sampler;
    this.samplerWait = samplerWait;
    this.collecting = collecting;
    this.shutDown = shutDown;
  }

  /**
   * Stops the sampler and waits for it (the sampler wait) and for a running collection (2 s),
   * then shuts the library down here. When either is still inside the library, tells {@code
   * deferred} who (before the shutdown can run, so its log line comes first) and leaves the
   * shutdown to a daemon thread that runs it, then {@code afterLateShutdown}, once both have
   * returned. A second call does nothing.
   */
  public void close(Consumer<Stuck> deferred, Runnable afterLateShutdown) {
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    sampler.shutdownNow();
    boolean samplerIdle = false;
    boolean idle = false;
    try {
      samplerIdle = sampler.awaitTermination(samplerWait.toMillis(), TimeUnit.MILLISECONDS);
      idle = collecting.tryLock(COLLECTION_WAIT.toMillis(), TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    if (samplerIdle && idle) {
      try {
        shutDown.run();
      } finally {
        collecting.unlock();
      }
      return;
    }
    if (idle) {
      collecting.unlock();
    }
    deferred.accept(samplerIdle ? Stuck.COLLECTION : Stuck.SAMPLER);
    Thread later = new Thread(() -> shutDownWhenIdle(afterLateShutdown), threadName);
    later.setDaemon(true);
    later.start();
  }

  /** After a stuck close: waits, however long, for the calls to return, then shuts down. */
  private void shutDownWhenIdle(Runnable afterLateShutdown) {
    try {
      while (!sampler.awaitTermination(1, TimeUnit.MINUTES)) {
        // still inside the library
      }
      collecting.lockInterruptibly();
    } catch (InterruptedException e) {
      return;
    }
    try {
      shutDown.run();
      afterLateShutdown.run();
    } finally {
      collecting.unlock();
    }
  }
}
