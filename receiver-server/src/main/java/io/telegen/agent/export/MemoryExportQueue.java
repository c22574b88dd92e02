package io.telegen.agent.export;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * An in-memory {@link ExportQueue}: what is queued is lost if the process dies. Bounded by count
 * and by bytes of encoded requests, since a count alone lets a collector outage with large
 * requests from the receiver outgrow the heap (1024 requests of up to 4 MiB).
 */
public final class MemoryExportQueue implements ExportQueue {

  private final int capacity;
  private final long maxBytes;
  private final ArrayDeque<ExportItem> items = new ArrayDeque<>();
  private final ReentrantLock lock = new ReentrantLock();
  private final Condition notEmpty = lock.newCondition();
  private long bytes;

  /** At most {@code capacity} requests, of any size. */
  public MemoryExportQueue(int capacity) {
    this(capacity, Long.MAX_VALUE);
  }

  /**
   * At most {@code capacity} requests and {@code maxBytes} of them encoded (one larger request
   * is still taken when the queue is empty).
   */
  public MemoryExportQueue(int capacity, long maxBytes) {
    if (capacity < 1) {
      throw new IllegalArgumentException("queue capacity must be >= 1, got " + capacity);
    }
    if (maxBytes < 1) {
      throw new IllegalArgumentException("queue max bytes must be >= 1, got " + maxBytes);
    }
    this.capacity = capacity;
    this.maxBytes = maxBytes;
  }

  private boolean full(long adding) {
    return items.size() >= capacity || !items.isEmpty() && bytes + adding > maxBytes;
  }

  private void add(ExportItem item, long size) {
    items.addLast(item);
    bytes += size;
    notEmpty.signal();
  }

  private ExportItem pollFirst() {
    ExportItem first = items.pollFirst();
    if (first != null) {
      bytes -= first.serializedSize();
    }
    return first;
  }

  @Override
  public boolean offer(ExportItem item) {
    lock.lock();
    try {
      long size = item.serializedSize();
      if (full(size)) {
        return false;
      }
      add(item, size);
      return true;
    } finally {
      lock.unlock();
    }
  }

  @Override
  public List<ExportItem> offerEvictingOldest(ExportItem item) {
    lock.lock();
    try {
      long size = item.serializedSize();
      List<ExportItem> evicted = List.of();
      while (full(size)) {
        evicted = evicted.isEmpty() ? new ArrayList<>(1) : evicted;
        evicted.add(pollFirst());
      }
      add(item, size);
      return evicted;
    } finally {
      lock.unlock();
    }
  }

  @Override
  public ExportItem peek(Duration timeout) throws InterruptedException {
    long nanos = timeout.toNanos();
    lock.lock();
    try {
      while (items.isEmpty()) {
        if (nanos <= 0) {
          return null;
        }
        nanos = notEmpty.awaitNanos(nanos);
      }
      return items.peekFirst();
    } finally {
      lock.unlock();
    }
  }

  @Override
  public List<ExportItem> peekFirst(int max, long maxBytes) {
    lock.lock();
    try {
      List<ExportItem> first = new ArrayList<>(Math.min(max, items.size()));
      long bytes = 0;
      for (ExportItem item : items) {
        bytes += item.serializedSize();
        if (first.size() >= max || !first.isEmpty() && bytes > maxBytes) {
          break;
        }
        first.add(item);
      }
      return first;
    } finally {
      lock.unlock();
    }
  }

  @Override
  public void remove(ExportItem item) {
    lock.lock();
    try {
      // Identity, not equals: two identical requests are still two deliveries.
      if (items.peekFirst() == item) {
        pollFirst();
      } else if (items.removeIf(queued -> queued == item)) {
        bytes -= item.serializedSize();
      }
    } finally {
      lock.unlock();
    }
  }

  @Override
  public int size() {
    lock.lock();
    try {
      return items.size();
    } finally {
      lock.unlock();
    }
  }

  @Override
  public int capacity() {
    return capacity;
  }
}
