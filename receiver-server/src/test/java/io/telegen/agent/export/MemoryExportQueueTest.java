package io.telegen.agent.export;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

class MemoryExportQueueTest {

  private static ExportItem item(String name) {
    return OtlpRequests.metricsItem(name, 1, 0);
  }

  private final AtomicReference<Thread> peeker = new AtomicReference<>();

  private void newThread(Runnable r) {
    Thread t = new Thread(r, "peeker");
    t.setDaemon(true);
    peeker.set(t);
    t.start();
  }

  /** Whether the peeking thread is parked in a timed wait: inside peek, on the empty queue. */
  private boolean waiting() {
    Thread t = peeker.get();
    return t != null && t.getState() == Thread.State.TIMED_WAITING;
  }

  @Test
  void aByteBoundRefusesTheReceiverAndEvictsTheOldestSourceDataUntilTheNewFits() throws Exception {
    ExportItem a = item("a");
    long one = a.serializedSize();
    MemoryExportQueue queue = new MemoryExportQueue(100, 2 * one);
    ExportItem b = item("b");
    assertTrue(queue.offer(a));
    assertTrue(queue.offer(b));
    assertFalse(queue.offer(item("c")), "a third would pass the byte bound");

    ExportItem large = OtlpRequests.metricsItem("large", 3, 0);
    List<ExportItem> evicted = queue.offerEvictingOldest(large);
    assertEquals(2, evicted.size(), "both small ones go for the large one, and both are counted");
    assertSame(a, evicted.get(0));
    assertSame(b, evicted.get(1));
    assertEquals(1, queue.size());
    assertSame(large, queue.peek(Duration.ZERO));

    queue.remove(large);
    assertTrue(queue.offer(item("d")));
    assertTrue(queue.offer(item("e")), "what left the queue no longer counts");
  }

  @Test
  void offerRefusesWhenFullAndKeepsWhatIsQueued() throws Exception {
    MemoryExportQueue queue = new MemoryExportQueue(2);
    ExportItem a = item("a");
    ExportItem b = item("b");

    assertTrue(queue.offer(a));
    assertTrue(queue.offer(b));
    assertFalse(queue.offer(item("c")));

    assertEquals(2, queue.size());
    assertSame(a, queue.peek(Duration.ZERO));
    queue.remove(a);
    assertSame(b, queue.peek(Duration.ZERO));
    assertTrue(queue.offer(item("d")), "room again after a removal");
  }

  @Test
  void offerEvictingOldestReturnsTheOldestWhenFull() throws Exception {
    MemoryExportQueue queue = new MemoryExportQueue(2);
    ExportItem a = item("a");
    ExportItem b = item("b");
    ExportItem c = item("c");

    assertEquals(List.of(), queue.offerEvictingOldest(a));
    assertEquals(List.of(), queue.offerEvictingOldest(b));
    assertEquals(1, queue.offerEvictingOldest(c).size());

    assertEquals(2, queue.size());
    assertSame(b, queue.peek(Duration.ZERO));
    queue.remove(b);
    assertSame(c, queue.peek(Duration.ZERO));
  }

  @Test
  void itemsComeOutInTheOrderTheyWentIn() throws Exception {
    MemoryExportQueue queue = new MemoryExportQueue(3);
    ExportItem a = item("a");
    ExportItem b = item("b");
    ExportItem c = item("c");
    queue.offer(a);
    queue.offerEvictingOldest(b);
    queue.offer(c);

    for (ExportItem expected : new ExportItem[] {a, b, c}) {
      ExportItem head = queue.peek(Duration.ZERO);
      assertSame(expected, head);
      assertSame(head, queue.peek(Duration.ZERO), "peek does not remove");
      queue.remove(head);
    }
    assertEquals(0, queue.size());
  }

  @Test
  void peekOnAnEmptyQueueWaitsTheTimeoutThenReturnsNull() throws Exception {
    MemoryExportQueue queue = new MemoryExportQueue(1);

    long start = System.nanoTime();
    ExportItem got = queue.peek(Duration.ofMillis(60));
    long elapsedMillis = Duration.ofNanos(System.nanoTime() - start).toMillis();

    assertNull(got);
    assertTrue(elapsedMillis >= 55, "returned after " + elapsedMillis + " ms");
    assertTrue(elapsedMillis < 5_000, "returned after " + elapsedMillis + " ms");
    assertNull(queue.peek(Duration.ZERO));
  }

  @Test
  void peekWakesUpAsSoonAsAnItemIsOffered() throws Exception {
    MemoryExportQueue queue = new MemoryExportQueue(1);
    CompletableFuture<ExportItem> peeked =
        CompletableFuture.supplyAsync(
            () -> {
              try {
                return queue.peek(Duration.ofSeconds(30));
              } catch (InterruptedException e) {
                throw new IllegalStateException(e);
              }
            },
            this::newThread);
    Await.until(() -> waiting(), () -> "peek is not waiting");
    assertFalse(peeked.isDone());

    ExportItem a = item("a");
    long start = System.nanoTime();
    assertTrue(queue.offer(a));

    assertSame(a, peeked.get(5, TimeUnit.SECONDS));
    assertTrue(Duration.ofNanos(System.nanoTime() - start).toMillis() < 5_000);
    assertEquals(1, queue.size(), "peek leaves the item queued");
  }

  @Test
  void peekWakesUpOnOfferEvictingOldestToo() throws Exception {
    MemoryExportQueue queue = new MemoryExportQueue(1);
    CompletableFuture<ExportItem> peeked =
        CompletableFuture.supplyAsync(
            () -> {
              try {
                return queue.peek(Duration.ofSeconds(30));
              } catch (InterruptedException e) {
                throw new IllegalStateException(e);
              }
            },
            this::newThread);
    Await.until(() -> waiting(), () -> "peek is not waiting");
    ExportItem a = item("a");
    queue.offerEvictingOldest(a);

    assertSame(a, peeked.get(5, TimeUnit.SECONDS));
  }

  @Test
  void peekIsInterruptible() throws Exception {
    MemoryExportQueue queue = new MemoryExportQueue(1);
    AtomicReference<Throwable> thrown = new AtomicReference<>();
    Thread t =
        new Thread(
            () -> {
              try {
                queue.peek(Duration.ofSeconds(30));
              } catch (Throwable e) {
                thrown.set(e);
              }
            });
    t.start();
    Await.until(() -> t.getState() == Thread.State.TIMED_WAITING, () -> "peek is not waiting");
    t.interrupt();
    t.join(5_000);

    assertFalse(t.isAlive());
    assertTrue(thrown.get() instanceof InterruptedException, String.valueOf(thrown.get()));
  }

  @Test
  void removeIsByIdentitySoTwoEqualItemsAreTwoDeliveries() throws Exception {
    MemoryExportQueue queue = new MemoryExportQueue(3);
    ExportItem first = item("same");
    ExportItem second = item("same");
    assertEquals(first, second);
    assertNotSame(first, second);
    queue.offer(first);
    queue.offer(second);

    queue.remove(second);
    assertEquals(1, queue.size());
    assertSame(first, queue.peek(Duration.ZERO), "removing the second left the first");

    queue.remove(item("same"));
    assertEquals(1, queue.size(), "an equal but different item removes nothing");

    queue.remove(first);
    assertEquals(0, queue.size());
  }

  @Test
  void removingTheHeadRemovesOnlyThatInstance() throws Exception {
    MemoryExportQueue queue = new MemoryExportQueue(3);
    ExportItem first = item("same");
    ExportItem second = item("same");
    queue.offer(first);
    queue.offer(second);

    queue.remove(first);

    assertEquals(1, queue.size());
    assertSame(second, queue.peek(Duration.ZERO));
  }

  @Test
  void removingAnItemEvictedMeanwhileIsANoOp() throws Exception {
    MemoryExportQueue queue = new MemoryExportQueue(1);
    ExportItem inFlight = item("a");
    queue.offer(inFlight);
    ExportItem fresh = item("b");
    assertSame(inFlight, queue.offerEvictingOldest(fresh).get(0));

    queue.remove(inFlight);

    assertEquals(1, queue.size());
    assertSame(fresh, queue.peek(Duration.ZERO));
  }

  @Test
  void capacityBelowOneIsRejected() {
    IllegalArgumentException zero =
        assertThrows(IllegalArgumentException.class, () -> new MemoryExportQueue(0));
    assertTrue(zero.getMessage().contains("got 0"), zero.getMessage());
    assertThrows(IllegalArgumentException.class, () -> new MemoryExportQueue(-1));
    assertEquals(1, new MemoryExportQueue(1).capacity());
  }

  @Test
  void manyProducersLoseNothingUpToCapacity() throws Exception {
    MemoryExportQueue queue = new MemoryExportQueue(1000);
    int producers = 4;
    int each = 300;
    Thread[] threads = new Thread[producers];
    int[] accepted = new int[producers];
    for (int p = 0; p < producers; p++) {
      int id = p;
      threads[p] =
          new Thread(
              () -> {
                for (int i = 0; i < each; i++) {
                  if (queue.offer(item(id + "-" + i))) {
                    accepted[id]++;
                  }
                }
              });
      threads[p].start();
    }
    for (Thread t : threads) {
      t.join(10_000);
    }
    int total = 0;
    for (int n : accepted) {
      total += n;
    }
    assertEquals(1000, total, "exactly the capacity is accepted");
    assertEquals(1000, queue.size());
  }
}
