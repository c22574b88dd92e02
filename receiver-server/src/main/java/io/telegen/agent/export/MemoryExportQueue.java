package io.telegen.agent.export;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/** An in-memory {@link ExportQueue}: what is queued is lost if the process dies. */
public final class MemoryExportQueue implements ExportQueue {

  private final int capacity;
  private final ArrayDeque<ExportItem> items = new ArrayDeque<>();
  private final ReentrantLock lock = new ReentrantLock();
  private final Condition notEmpty = lock.newCondition();

  public MemoryExportQueue(int capacity) {
    if (capacity < 1) {
      throw new IllegalArgumentException("queue capacity must be >= 1, got " + capacity);
    }
    this.capacity = capacity;
  }

  @Override
  public boolean offer(ExportItem item) {
    lock.lock();
    try {
      if (items.size() >= capacity) {
        return false;
      }
      items.addLast(item);
      notEmpty.signal();
      return true;
    } finally {
      lock.unlock();
    }
  }

  @Override
  public ExportItem offerEvictingOldest(ExportItem item) {
    lock.lock();
    try {
      ExportItem evicted = items.size() >= capacity ? items.pollFirst() : null;
      items.addLast(item);
      notEmpty.signal();
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
        items.pollFirst();
      } else {
        items.removeIf(queued -> queued == item);
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
