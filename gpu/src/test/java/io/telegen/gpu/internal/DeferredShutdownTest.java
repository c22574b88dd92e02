package io.telegen.gpu.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.ReentrantLock;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The shutdown never runs under a call still inside the library: with a collection or the
 * sampler stuck at close it runs once, when that call returns; with nothing inside it runs at
 * once; and it runs once however often close is called.
 */
class DeferredShutdownTest {

  private final ExecutorService sampler = Executors.newSingleThreadExecutor();
  private final ReentrantLock collecting = new ReentrantLock();
  private final AtomicInteger shutDowns = new AtomicInteger();
  private final List<DeferredShutdown.Stuck> deferred = new ArrayList<>();
  private final CountDownLatch lateShutdown = new CountDownLatch(1);
  private final CountDownLatch release = new CountDownLatch(1);

  private final DeferredShutdown shutdown =
      new DeferredShutdown(
          "test-close", sampler, Duration.ofMillis(200), collecting, shutDowns::incrementAndGet);

  @AfterEach
  void releaseStuckCalls() {
    release.countDown();
    sampler.shutdownNow();
  }

  @Test
  void closeWithNothingInsideShutsDownAtOnce() {
    shutdown.close(deferred::add, lateShutdown::countDown);

    assertEquals(1, shutDowns.get());
    assertEquals(List.of(), deferred);
    assertEquals(1, lateShutdown.getCount(), "the late notice is only for a deferred shutdown");
    assertTrue(sampler.isTerminated());
  }

  @Test
  void closeTwiceShutsDownOnce() {
    shutdown.close(deferred::add, lateShutdown::countDown);
    shutdown.close(deferred::add, lateShutdown::countDown);

    assertEquals(1, shutDowns.get());
    assertEquals(List.of(), deferred);
  }

  @Test
  void stuckCollectionDefersTheShutdownUntilItReturns() throws Exception {
    CountDownLatch inside = new CountDownLatch(1);
    Thread collection =
        new Thread(
            () -> {
              collecting.lock();
              try {
                inside.countDown();
                awaitIgnoringInterrupts(release);
              } finally {
                collecting.unlock();
              }
            });
    collection.start();
    assertTrue(inside.await(10, TimeUnit.SECONDS));

    shutdown.close(deferred::add, lateShutdown::countDown);
    shutdown.close(deferred::add, lateShutdown::countDown);

    assertEquals(0, shutDowns.get(), "shut down under the stuck collection");
    assertEquals(List.of(DeferredShutdown.Stuck.COLLECTION), deferred);
    release.countDown();
    assertTrue(lateShutdown.await(10, TimeUnit.SECONDS));
    collection.join();
    assertEquals(1, shutDowns.get());
    assertTrue(collecting.tryLock(10, TimeUnit.SECONDS), "the lock is given back");
    collecting.unlock();
  }

  @Test
  void stuckSamplerDefersTheShutdownUntilItReturns() throws Exception {
    CountDownLatch inside = new CountDownLatch(1);
    // Like a native call, the stuck sampling ignores the interrupt close sends it.
    sampler.execute(
        () -> {
          inside.countDown();
          awaitIgnoringInterrupts(release);
        });
    assertTrue(inside.await(10, TimeUnit.SECONDS));

    shutdown.close(deferred::add, lateShutdown::countDown);

    assertEquals(0, shutDowns.get(), "shut down under the stuck sampler");
    assertEquals(List.of(DeferredShutdown.Stuck.SAMPLER), deferred);
    release.countDown();
    assertTrue(lateShutdown.await(10, TimeUnit.SECONDS));
    assertEquals(1, shutDowns.get());
  }

  private static void awaitIgnoringInterrupts(CountDownLatch latch) {
    boolean interrupted = false;
    while (true) {
      try {
        latch.await();
        break;
      } catch (InterruptedException e) {
        interrupted = true;
      }
    }
    if (interrupted) {
      Thread.currentThread().interrupt();
    }
  }
}
