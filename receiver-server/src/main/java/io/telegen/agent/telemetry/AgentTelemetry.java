package io.telegen.agent.telemetry;

import io.telegen.agent.export.Signal;
import io.telegen.source.Labels;
import io.telegen.source.MetricBatch;
import io.telegen.source.MetricSource;
import java.time.Duration;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.atomic.DoubleAdder;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.BooleanSupplier;
import java.util.function.IntSupplier;
import java.util.function.LongSupplier;

/**
 * The agent's own {@code telegen_agent_*} metrics: what it exported and failed to, its queue,
 * each source's collection time and errors, and the OTLP receiver's requests.
 *
 * <p>Recording is lock-free; the metrics are read as a {@link MetricSource} named
 * {@value #SOURCE_NAME} like any other source.
 */
public final class AgentTelemetry implements MetricSource {

  public static final String SOURCE_NAME = "self";

  private final long startUnixNanos;
  private final Map<Labels, LongAdder> exported = newSortedMap();
  private final Map<Labels, LongAdder> failed = newSortedMap();
  private final Map<Labels, LongAdder> receiverRequests = newSortedMap();
  // receiverRequests' counters by signal and outcome: the receiver counts every request, and
  // building Labels (protobuf KeyValues) to look one up in the sorted map cost about as much as
  // the rest of a small request's handling.
  private final EnumMap<Signal, ConcurrentHashMap<String, LongAdder>> receiverRequestCounters =
      new EnumMap<>(Signal.class);
  private final Map<Labels, LongAdder> collectionErrors = newSortedMap();
  private final Map<Labels, DoubleAdder> collectionSeconds = newSortedMap();
  private volatile IntSupplier queueLength = () -> 0;
  private volatile BooleanSupplier queueOnDisk = () -> false;
  private volatile LongSupplier queueCorruptRecords = () -> 0;

  public AgentTelemetry(long startUnixNanos) {
    this.startUnixNanos = startUnixNanos;
    // Present from the start, so a dashboard shows 0 rather than nothing before the first export.
    for (Signal signal : Signal.values()) {
      counter(exported, Labels.of("signal", signal.label()));
      receiverRequestCounters.put(signal, new ConcurrentHashMap<>());
    }
  }

  /** Where {@code telegen_agent_queue_length} is read from. */
  public void queueLength(IntSupplier supplier) {
    this.queueLength = supplier;
  }

  /**
   * Where {@code telegen_agent_queue_on_disk} and {@code
   * telegen_agent_queue_corrupt_records_total} are read from: a disk queue's state.
   */
  public void queueDisk(BooleanSupplier onDisk, LongSupplier corruptRecords) {
    this.queueOnDisk = onDisk;
    this.queueCorruptRecords = corruptRecords;
  }

  public void exported(Signal signal, long items) {
    counter(exported, Labels.of("signal", signal.label())).add(items);
  }

  /** {@code reason} is {@code rejected} or {@code queue_full}. */
  public void failed(Signal signal, String reason, long items) {
    counter(failed, Labels.of("signal", signal.label(), "reason", reason)).add(items);
  }

  /** {@code outcome} is {@code accepted}, {@code invalid}, {@code too_large} or {@code unavailable}. */
  public void receiverRequest(Signal signal, String outcome) {
    receiverRequestCounters
        .get(signal)
        .computeIfAbsent(
            outcome,
            o -> counter(receiverRequests, Labels.of("signal", signal.label(), "outcome", o)))
        .increment();
  }

  public void collected(String source, Duration duration) {
    DoubleAdder last =
        collectionSeconds.computeIfAbsent(Labels.of("source", source), k -> new DoubleAdder());
    // A gauge of the last duration: reset then add keeps it a plain holder without boxing.
    last.reset();
    last.add(duration.toNanos() / 1e9);
  }

  /**
   * {@code reason} is {@code error} (nothing delivered), {@code partial} (delivered without what
   * could not be read), {@code skipped} (the previous collection was still running) or
   * {@code timeout} ({@code collect} stopped waiting).
   */
  public void collectionError(String source, String reason) {
    counter(collectionErrors, Labels.of("source", source, "reason", reason)).increment();
  }

  /** The count so far, for tests and the {@code check} command. */
  public long exportedCount(Signal signal) {
    return counter(exported, Labels.of("signal", signal.label())).sum();
  }

  @Override
  public String name() {
    return SOURCE_NAME;
  }

  @Override
  public void collect(MetricBatch batch) {
    exported.forEach(
        (labels, n) ->
            batch.counter("telegen_agent_points_exported_total", n.sum(), startUnixNanos, labels));
    failed.forEach(
        (labels, n) ->
            batch.counter("telegen_agent_points_failed_total", n.sum(), startUnixNanos, labels));
    batch.gauge("telegen_agent_queue_length", queueLength.getAsInt(), Labels.empty());
    batch.gauge("telegen_agent_queue_on_disk", queueOnDisk.getAsBoolean() ? 1 : 0, Labels.empty());
    batch.counter(
        "telegen_agent_queue_corrupt_records_total",
        queueCorruptRecords.getAsLong(),
        startUnixNanos,
        Labels.empty());
    collectionSeconds.forEach(
        (labels, s) -> batch.gauge("telegen_agent_collection_duration_seconds", s.sum(), labels));
    collectionErrors.forEach(
        (labels, n) ->
            batch.counter(
                "telegen_agent_collection_errors_total", n.sum(), startUnixNanos, labels));
    receiverRequests.forEach(
        (labels, n) ->
            batch.counter(
                "telegen_agent_receiver_requests_total", n.sum(), startUnixNanos, labels));
  }

  /** Sorted by labels, so that every export and {@code collect} lists series in one order. */
  private static <V> Map<Labels, V> newSortedMap() {
    return new ConcurrentSkipListMap<>(Comparator.comparing(Labels::toString));
  }

  private static LongAdder counter(Map<Labels, LongAdder> map, Labels labels) {
    return map.computeIfAbsent(labels, k -> new LongAdder());
  }
}
