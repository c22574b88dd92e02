package io.telegen.gpu.amd.internal;

import io.telegen.gpu.GpuOptions;
import io.telegen.gpu.internal.DeferredShutdown;
import io.telegen.source.ProblemLog;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Supplier;
import java.util.logging.Logger;

/**
 * Who calls into one AMD library (AMD SMI or ROCm SMI): the collection, one at a time, and the
 * thread that takes each GPU's slow reading (PCIe throughput, which the library counts over one
 * second per call) so that a collection never waits for it. {@link #close} shuts the library down
 * only once neither is inside it: a call that stays stuck keeps the library initialised, and a
 * daemon thread shuts it down when the call returns, never under it.
 *
 * <p>This class is internal and is hence not for public use. Its APIs are unstable and can
 * change at any time.
 */
final class AmdLibraryCalls {

  private static final Logger logger = Logger.getLogger(AmdLibraryCalls.class.getName());

  /** A GPU with a reading too slow for the collection. */
  interface SlowlySampled {
    int index();

    /** Takes the slow reading, on the sampling thread; a RuntimeException is logged once. */
    void sampleSlow(GpuOptions options);
  }

  private final String library;
  private final String location;
  private final String checkHint;
  private final DeferredShutdown shutdown;
  private final ReentrantLock collecting = new ReentrantLock();
  private final ProblemLog sampling = new ProblemLog(logger, "AMD GPUs");

  /**
   * Starts the sampling thread, which samples {@code gpus} (read anew each round) every poll
   * interval, 150 ms at the least.
   *
   * @param library the library's name in messages ({@code AMD SMI})
   * @param location where it was loaded from
   * @param checkHint what the operator checks when a call is stuck ({@code amd-smi list})
   * @param shutDown the library's shut-down call
   */
  AmdLibraryCalls(
      String library,
      String location,
      String checkHint,
      GpuOptions options,
      Supplier<? extends List<? extends SlowlySampled>> gpus,
      Runnable shutDown) {
    this.library = library;
    this.location = location;
    this.checkHint = checkHint;
    String threadName = "telegen-" + library.toLowerCase(Locale.ROOT).replace(" ", "");
    ScheduledExecutorService sampler =
        Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread t = new Thread(r, threadName + "-sampler");
              t.setDaemon(true);
              return t;
            });
    sampler.scheduleAtFixedRate(
        () -> sample(gpus.get(), options),
        0,
        Math.max(150, options.pollInterval().toMillis()),
        TimeUnit.MILLISECONDS);
    this.shutdown =
        new DeferredShutdown(
            threadName + "-close", sampler, Duration.ofSeconds(3), collecting, shutDown);
  }

  private void sample(List<? extends SlowlySampled> gpus, GpuOptions options) {
    for (SlowlySampled gpu : gpus) {
      String key = Integer.toString(gpu.index());
      try {
        gpu.sampleSlow(options);
        sampling.clear(key, "PCIe sampling of AMD GPU " + key + " works again");
      } catch (RuntimeException e) {
        sampling.report(
            key,
            "PCIe sampling of AMD GPU "
                + key
                + " failed: "
                + e
                + "; its PCIe series are stale until it works again");
      }
    }
  }

  /**
   * Runs one collection; collections never overlap, since the GPUs' native buffers belong to one
   * at a time.
   *
   * @throws IllegalStateException at once when the previous collection has not returned
   */
  void collect(Runnable collection) {
    if (!collecting.tryLock()) {
      throw new IllegalStateException(
          "AMD GPUs: the previous collection has not returned (a call into "
              + library
              + " at "
              + location
              + " is stuck); no second one is started beside it. If it lasts, check the driver ("
              + checkHint
              + ", dmesg for amdgpu errors)");
    }
    try {
      collection.run();
    } finally {
      collecting.unlock();
    }
  }

  /** Stops sampling and shuts the library down once nothing is inside it (see the class). */
  void close() {
    shutdown.close(
        stuck ->
            logger.warning(
                "AMD GPUs: "
                    + (stuck == DeferredShutdown.Stuck.COLLECTION
                        ? "a collection"
                        : "the PCIe sampling thread")
                    + " is still inside "
                    + library
                    + " at "
                    + location
                    + " at close; the library is shut down once it returns, not under it"),
        () -> {});
  }
}
