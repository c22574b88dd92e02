package io.telegen.agent.export;

import java.time.Duration;
import java.util.List;
import java.util.function.LongSupplier;

/**
 * The export loop's view of the {@link ExportQueue}: {@link #peek} hands out the oldest queued
 * requests of one signal merged into one, so that a collection round of several sources, or a
 * burst of small requests through the receiver, costs one OTLP request instead of one each (the
 * fixed cost of a gRPC call, its headers and its gzip stream, is most of what a small request
 * costs). {@link #remove} of that merged request removes every request in it, with one
 * acknowledgement on a disk queue; until then they all stay queued, so delivery stays at least
 * once.
 *
 * <p>A merge takes at most {@code maxRequests} requests and {@code maxBytes} of them (one request
 * larger than that goes alone), under the collector's 4 MiB default limit on what it receives.
 * When the previous hand-out is less than {@code linger} ago, {@link #peek} first waits for the
 * rest of it (or until {@code maxRequests} are queued), so a stream of requests goes at most once
 * per linger. The first request after a quiet spell waits only while the rest of its collection
 * round comes: until a look {@value #ROUND_LOOK_MILLIS} ms later finds nothing new. The first
 * request since start goes at once: whoever started the agent waits for it, and the rest of its
 * round follows a linger later.
 *
 * <p>One consumer: {@link #peek} and {@link #remove} are called from the export loop's thread;
 * the producers' methods go straight to the queue underneath and are as thread-safe as it is.
 */
public final class CoalescingExportQueue implements ExportQueue {

  /**
   * At most one request a second to the collector in a steady stream: each gRPC call costs its
   * headers, its HTTP/2 frames and its gzip stream, whatever it carries, and a second is still
   * short beside the agent's collection intervals (10 s by default) and a collector's own
   * batching. A request that comes alone (the first after a quiet second) goes after one look
   * for the rest of its round ({@value #ROUND_LOOK_MILLIS} ms).
   */
  public static final Duration DEFAULT_LINGER = Duration.ofSeconds(1);

  public static final int DEFAULT_MAX_REQUESTS = 256;

  public static final long DEFAULT_MAX_BYTES = 2L * 1024 * 1024;

  /**
   * How often a linger looks whether {@code maxRequests} have come: every 10 ms while requests
   * come at a rate that could fill a merge soon (a burst through the receiver), at most every
   * 50 ms while they come slowly (scrapes), since each look wakes the export thread for nothing.
   */
  private static final long LINGER_STEP_NANOS = Duration.ofMillis(10).toNanos();

  private static final long SLOW_LINGER_STEP_NANOS = Duration.ofMillis(50).toNanos();

  /**
   * How long after the last request of a round a look finds none newer: the sources of one
   * interval are collected together, one after the other, each a few ms after the one before; a
   * request that is alone pays one look.
   */
  static final long ROUND_LOOK_MILLIS = 50;

  private static final long ROUND_LOOK_NANOS = Duration.ofMillis(ROUND_LOOK_MILLIS).toNanos();

  private final ExportQueue queue;
  private boolean backlog;
  private final long lingerNanos;
  private final int maxRequests;
  private final long maxBytes;
  private final LongSupplier nanoClock;
  private final ExportLoop.Sleeper sleeper;
  private long lastHandOutNanos;
  private boolean handedOut;
  private ExportItem merged;
  private List<ExportItem> parts = List.of();

  /** How many requests to hand out alone, after the collector refused a merge of them. */
  private int alone;

  /** Merges what {@code queue} holds with the defaults. */
  public CoalescingExportQueue(ExportQueue queue) {
    this(
        queue,
        DEFAULT_LINGER,
        DEFAULT_MAX_REQUESTS,
        DEFAULT_MAX_BYTES,
        System::nanoTime,
        d -> Thread.sleep(d.toMillis(), d.toNanosPart() % 1_000_000));
  }

  CoalescingExportQueue(
      ExportQueue queue,
      Duration linger,
      int maxRequests,
      long maxBytes,
      LongSupplier nanoClock,
      ExportLoop.Sleeper sleeper) {
    if (maxRequests < 1 || maxBytes < 1) {
      throw new IllegalArgumentException("a merge takes at least one request");
    }
    this.queue = queue;
    this.lingerNanos = linger.toNanos();
    this.maxRequests = maxRequests;
    this.maxBytes = maxBytes;
    this.nanoClock = nanoClock;
    this.sleeper = sleeper;
  }

  @Override
  public boolean offer(ExportItem item) {
    return queue.offer(item);
  }

  @Override
  public List<ExportItem> offerEvictingOldest(ExportItem item) {
    return queue.offerEvictingOldest(item);
  }

  /**
   * The oldest requests of the head's signal merged into one (the head itself when it is alone),
   * waiting up to {@code timeout} for a first one and then out the linger.
   */
  @Override
  public ExportItem peek(Duration timeout) throws InterruptedException {
    if (queue.peek(timeout) == null) {
      return null;
    }
    // The first request since start goes at once: there is no hand-out to linger after.
    if (handedOut && alone == 0 && !backlog) {
      long now = nanoClock.getAsLong();
      if (now - lastHandOutNanos < lingerNanos) {
        long lingerEnd = lastHandOutNanos + lingerNanos;
        for (long left = lingerEnd - now;
            left > 0 && queue.size() < maxRequests;
            now = nanoClock.getAsLong(), left = lingerEnd - now) {
          sleeper.sleep(Duration.ofNanos(Math.min(left, lingerStep(now))));
        }
      } else {
        awaitTheRound(now);
      }
    }
    if (alone > 0) {
      alone--;
      merged = null;
      parts = List.of();
      return queue.peek(Duration.ZERO);
    }
    List<ExportItem> first = queue.peekFirst(maxRequests, maxBytes);
    if (first.isEmpty()) {
      return null; // taken by eviction meanwhile
    }
    handedOut = true;
    lastHandOutNanos = nanoClock.getAsLong();
    int count = 1;
    long bytes = first.get(0).serializedSize();
    while (count < first.size()) {
      ExportItem next = first.get(count);
      bytes += next.serializedSize();
      if (next.signal() != first.get(0).signal() || bytes > maxBytes) {
        break;
      }
      count++;
    }
    // More waited than one merge takes (a backlog of large requests, bounded by bytes): the next
    // goes without a linger, or a backlog of 1 MiB requests would drain two per linger.
    backlog = queue.size() > count;
    if (count == 1) {
      merged = null;
      parts = List.of();
      return first.get(0);
    }
    parts = List.copyOf(first.subList(0, count));
    merged = merge(parts);
    return merged;
  }

  /**
   * Waits while the requests of the first one's collection round come in, at most a linger: the
   * round leaves as one request, where the first of it would otherwise go alone and the rest a
   * linger later.
   */
  private void awaitTheRound(long start) throws InterruptedException {
    int seen = queue.size();
    for (long left = lingerNanos; left > 0 && seen < maxRequests; ) {
      sleeper.sleep(Duration.ofNanos(Math.min(left, ROUND_LOOK_NANOS)));
      int now = queue.size();
      if (now <= seen) {
        return;
      }
      seen = now;
      left = start + lingerNanos - nanoClock.getAsLong();
    }
  }

  /**
   * Half the time the queue would take to hold {@code maxRequests} at the rate requests came
   * since the last hand-out, between the two steps.
   */
  private long lingerStep(long now) {
    int queued = queue.size();
    long since = now - lastHandOutNanos;
    if (queued <= 0 || since <= 0) {
      return LINGER_STEP_NANOS;
    }
    long fill = (maxRequests - queued) * since / queued;
    return Math.max(LINGER_STEP_NANOS, Math.min(SLOW_LINGER_STEP_NANOS, fill / 2));
  }

  /**
   * The requests of one signal as one encoded request: their encodings one after the other, which
   * protobuf reads as one request with all their resources (a repeated field's elements are
   * concatenated), so nothing is decoded or re-encoded.
   */
  static ExportItem merge(List<ExportItem> items) {
    int points = 0;
    int size = 0;
    byte[][] encodings = new byte[items.size()][];
    for (int i = 0; i < encodings.length; i++) {
      ExportItem item = items.get(i);
      points += item.items();
      encodings[i] = item.toBytes();
      size += encodings[i].length;
    }
    byte[] request = new byte[size];
    int at = 0;
    for (byte[] encoding : encodings) {
      System.arraycopy(encoding, 0, request, at, encoding.length);
      at += encoding.length;
    }
    return ExportItem.encoded(items.get(0).signal(), request, points);
  }

  /** Removes {@code item}; for a merged request, every request in it. */
  @Override
  public void remove(ExportItem item) {
    if (item == merged) {
      queue.removeAll(parts);
      merged = null;
      parts = List.of();
    } else {
      queue.remove(item);
    }
  }

  /**
   * Drops {@code item} unless it is a merge: then its requests are handed out again one by one,
   * so the collector's refusal (an invalid point, a size limit below ours) costs only the request
   * it is about.
   */
  @Override
  public boolean dropRefused(ExportItem item) {
    if (item == merged) {
      alone = parts.size();
      merged = null;
      parts = List.of();
      return false;
    }
    return queue.dropRefused(item);
  }

  @Override
  public int size() {
    return queue.size();
  }

  @Override
  public int capacity() {
    return queue.capacity();
  }

  @Override
  public int inMemoryOnly() {
    return queue.inMemoryOnly();
  }
}
