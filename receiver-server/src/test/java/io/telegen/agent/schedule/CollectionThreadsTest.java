package io.telegen.agent.schedule;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class CollectionThreadsTest {

  private static final Duration PATIENCE = Duration.ofMillis(200);

  private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor();
  private final CollectionThreads threads =
      new CollectionThreads("test-collect", timer, PATIENCE, Duration.ofMillis(300));
  private final CountDownLatch release = new CountDownLatch(1);

  @AfterEach
  void tearDown() {
    release.countDown();
    threads.shutdownNow();
    timer.shutdownNow();
  }

  @Test
  void collectionsThatReturnPromptlyShareOneThread() throws Exception {
    Set<Thread> used = ConcurrentHashMap.newKeySet();
    CountDownLatch done = new CountDownLatch(50);
    for (int i = 0; i < 50; i++) {
      threads.execute(
          "test-source-" + i,
          () -> {
            used.add(Thread.currentThread());
            sleep(2);
            done.countDown();
          });
    }
    assertTrue(done.await(10, TimeUnit.SECONDS));
    assertEquals(1, used.size(), "50 collections submitted at once, each 2 ms: " + used);
  }

  @Test
  void aHeldCollectionCostsOnlyItsThreadAndTheOthersStartAtMostThePatienceLate() throws Exception {
    AtomicReference<Thread> stuckOn = new AtomicReference<>();
    CountDownLatch stuckStarted = new CountDownLatch(1);
    threads.execute(
        "test-source-stuck",
        () -> {
          stuckOn.set(Thread.currentThread());
          stuckStarted.countDown();
          awaitIgnoringInterrupts(release); // like a native call that never returns
        });
    assertTrue(stuckStarted.await(5, TimeUnit.SECONDS));
    assertEquals("test-source-stuck", stuckOn.get().getName(), "named for the source while held");

    List<Thread> ranOn = new CopyOnWriteArrayList<>();
    CountDownLatch ran = new CountDownLatch(20);
    for (int i = 0; i < 20; i++) {
      threads.execute(
          "test-source-healthy",
          () -> {
            ranOn.add(Thread.currentThread());
            ran.countDown();
          });
    }
    assertTrue(ran.await(5, TimeUnit.SECONDS), "the others run while one is stuck");
    assertEquals(1, Set.copyOf(ranOn).size(), "one more thread for all of them: " + ranOn);
    assertNotSame(stuckOn.get(), ranOn.get(0));
    assertEquals(2, threads.threads());

    // Later collections start at once on the spare thread: the held one is written off.
    CountDownLatch next = new CountDownLatch(1);
    long before = System.nanoTime();
    threads.execute("test-source-healthy", next::countDown);
    assertTrue(next.await(5, TimeUnit.SECONDS));
    assertTrue(
        System.nanoTime() - before < PATIENCE.toNanos(),
        "a collection after the hang does not wait out the patience again");

    release.countDown();
    awaitTrue(() -> threads.threads() == 1);
    assertTrue(stuckOn.get().getName().startsWith("test-collect-"), stuckOn.get().getName());
  }

  @Test
  void shutdownNowInterruptsWhatRunsAndTellsWhatIsQueuedItWasDropped() throws Exception {
    // A patience no test outlasts: the queued job stays queued.
    CollectionThreads threads =
        new CollectionThreads("test-collect", timer, Duration.ofMinutes(10), Duration.ofSeconds(1));
    CountDownLatch interrupted = new CountDownLatch(1);
    CountDownLatch started = new CountDownLatch(1);
    threads.execute(
        "test-source-running",
        () -> {
          started.countDown();
          try {
            release.await();
          } catch (InterruptedException e) {
            interrupted.countDown();
          }
        });
    assertTrue(started.await(5, TimeUnit.SECONDS));
    CountDownLatch dropped = new CountDownLatch(1);
    threads.execute("test-source-queued", new DroppedJob(dropped));
    assertEquals(1, threads.queued().size());

    threads.shutdownNow();

    assertTrue(interrupted.await(5, TimeUnit.SECONDS));
    assertTrue(dropped.await(5, TimeUnit.SECONDS));
  }

  private static final class DroppedJob implements Runnable, CollectionThreads.Dropped {
    private final CountDownLatch dropped;

    DroppedJob(CountDownLatch dropped) {
      this.dropped = dropped;
    }

    @Override
    public void run() {
      throw new AssertionError("a queued job ran after shutdownNow");
    }

    @Override
    public void dropped() {
      dropped.countDown();
    }
  }

  private static void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private static void awaitIgnoringInterrupts(CountDownLatch latch) {
    TestSources.awaitIgnoringInterrupts(latch);
  }

  private static void awaitTrue(BooleanSupplier condition) throws InterruptedException {
    TestSources.awaitTrue(condition);
  }
}
