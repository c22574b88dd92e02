package io.telegen.agent.export;

import java.time.Duration;
import java.util.List;

/**
 * The bounded buffer between producers (sources, the OTLP receiver) and the export loop.
 *
 * <p>Delivery is at least once: the export loop {@link #peek}s an item, and {@link #remove}s it
 * only once the collector accepted it or refused it for good. Implementations are thread-safe.
 */
public interface ExportQueue {

  /** Adds {@code item} unless the queue is full; false tells the caller to push back. */
  boolean offer(ExportItem item);

  /**
   * Adds {@code item}, evicting the oldest items when the queue is full, since a fresh
   * measurement is worth more than a stale one.
   *
   * @return the evicted items, oldest first (several when one large item takes the room of
   *     smaller ones); empty when none was
   */
  List<ExportItem> offerEvictingOldest(ExportItem item);

  /** The oldest item, waiting up to {@code timeout} for one; null if none came. */
  ExportItem peek(Duration timeout) throws InterruptedException;

  /**
   * The oldest items, up to {@code max} of them and {@code maxBytes} of encoded requests (the head
   * always, whatever its size), in queue order, without waiting or removing them; empty when the
   * queue is. Each is {@link #remove}d on its own once delivered. The default gives the head
   * alone.
   */
  default List<ExportItem> peekFirst(int max, long maxBytes) throws InterruptedException {
    ExportItem head = peek(Duration.ZERO);
    return head == null ? List.of() : List.of(head);
  }

  /** Removes {@code item} if it is still queued (eviction may have taken it already). */
  void remove(ExportItem item);

  /**
   * Takes {@code item}, which the collector refused for good, out of the queue; false when it is
   * not dropped but will be handed out again in parts (a merge of several requests, which one bad
   * request must not take down with it). The default drops it.
   */
  default boolean dropRefused(ExportItem item) {
    remove(item);
    return true;
  }

  /** {@link #remove}s each of {@code delivered}, in order. */
  default void removeAll(List<ExportItem> delivered) {
    delivered.forEach(this::remove);
  }

  /** Items waiting. */
  int size();

  /** Items the queue holds at most. */
  int capacity();

  /**
   * Items held only in this process's memory, lost if it exits now: all of them in a memory
   * queue, those a disk queue could not write in a disk queue. What a shutdown waits for.
   */
  default int inMemoryOnly() {
    return size();
  }
}
