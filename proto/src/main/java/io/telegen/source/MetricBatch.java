package io.telegen.source;

import com.google.protobuf.ByteString;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.metrics.v1.AggregationTemporality;
import io.opentelemetry.proto.metrics.v1.Gauge;
import io.opentelemetry.proto.metrics.v1.Histogram;
import io.opentelemetry.proto.metrics.v1.HistogramDataPoint;
import io.opentelemetry.proto.metrics.v1.Metric;
import io.opentelemetry.proto.metrics.v1.NumberDataPoint;
import io.opentelemetry.proto.metrics.v1.Sum;
import io.telegen.catalog.MetricCatalog;
import io.telegen.catalog.MetricDefinition;
import io.telegen.catalog.MetricType;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The metrics of one collection cycle, built as OTLP {@link Metric}s.
 *
 * <p>Every metric must be in the {@link MetricCatalog}: the batch takes type, unit and
 * description from there and refuses a point whose labels the catalog does not declare, so the
 * catalog cannot drift from what sources emit. It also refuses what the catalog marks planned (a
 * metric none of whose sources is built, an optional label no source sets yet): a source that
 * emits it has built the plan, and the marker in the catalog must go. Not thread-safe; one batch
 * belongs to one collection.
 */
public final class MetricBatch {

  // Metrics without points by name, see prototype(): shared by all batches, any thread.
  private static final Map<String, Prototype> PROTOTYPES = new ConcurrentHashMap<>();

  private final MetricCatalog catalog;
  private final long timeUnixNanos;
  // by name, in the order of each metric's first point
  private final Map<String, Recorded> metrics = new LinkedHashMap<>();
  private int points;
  private boolean hasExemplars;

  /**
   * One metric of the batch as recorded: its catalog definition and its points in the order they
   * came. For writers that encode OTLP themselves; {@link #metrics()} builds the same as messages.
   *
   * @param definition the catalog's definition (type, unit, description)
   * @param points the points; not to be changed
   */
  public record Recorded(MetricDefinition definition, List<Point> points) {}

  /**
   * One point as recorded. Arrays and lists are the batch's own: not to be changed.
   *
   * @param labels the series' labels
   * @param startTimeUnixNanos the counter's or histogram's start; 0 for a gauge
   * @param value a gauge's or counter's value
   * @param upperBounds a histogram's bounds, else null
   * @param bucketCounts a histogram's per-bucket counts, else null
   * @param sum a histogram's sum
   * @param count a histogram's count
   * @param exemplars a histogram's exemplars, else empty
   */
  public record Point(
      Labels labels,
      long startTimeUnixNanos,
      double value,
      double[] upperBounds,
      long[] bucketCounts,
      double sum,
      long count,
      List<Exemplar> exemplars) {}

  public MetricBatch(MetricCatalog catalog, long timeUnixNanos) {
    this.catalog = catalog;
    this.timeUnixNanos = timeUnixNanos;
  }

  /** The timestamp every point of this batch carries. */
  public long timeUnixNanos() {
    return timeUnixNanos;
  }

  public MetricBatch gauge(String name, double value, Labels labels) {
    MetricDefinition definition = definition(name, MetricType.GAUGE, labels);
    record(definition, new Point(labels, 0, value, null, null, 0, 0, List.of()));
    return this;
  }

  /** A cumulative, monotonic counter that has counted since {@code startTimeUnixNanos}. */
  public MetricBatch counter(String name, double value, long startTimeUnixNanos, Labels labels) {
    MetricDefinition definition = definition(name, MetricType.COUNTER, labels);
    record(definition, new Point(labels, startTimeUnixNanos, value, null, null, 0, 0, List.of()));
    return this;
  }

  /**
   * A cumulative explicit-bucket histogram. {@code bucketCounts} are per bucket (not cumulative)
   * and have one more entry than {@code upperBounds}, the last one counting above the last bound.
   */
  public MetricBatch histogram(
      String name,
      double[] upperBounds,
      long[] bucketCounts,
      double sum,
      long count,
      long startTimeUnixNanos,
      Labels labels) {
    return histogram(
        name, upperBounds, bucketCounts, sum, count, startTimeUnixNanos, labels, List.of());
  }

  /** A histogram point, as the method above, with exemplars linking buckets to traces. */
  public MetricBatch histogram(
      String name,
      double[] upperBounds,
      long[] bucketCounts,
      double sum,
      long count,
      long startTimeUnixNanos,
      Labels labels,
      List<Exemplar> exemplars) {
    if (bucketCounts.length != upperBounds.length + 1) {
      throw new IllegalArgumentException(
          name
              + ": "
              + upperBounds.length
              + " bounds need "
              + (upperBounds.length + 1)
              + " bucket counts, got "
              + bucketCounts.length);
    }
    MetricDefinition definition = definition(name, MetricType.HISTOGRAM, labels);
    List<Exemplar> kept = List.copyOf(exemplars);
    hasExemplars |= !kept.isEmpty();
    record(
        definition,
        new Point(
            labels,
            startTimeUnixNanos,
            0,
            upperBounds.clone(),
            bucketCounts.clone(),
            sum,
            count,
            kept));
    return this;
  }

  private void record(MetricDefinition definition, Point point) {
    Recorded recorded = metrics.get(definition.name());
    if (recorded == null) {
      recorded = new Recorded(definition, new ArrayList<>());
      metrics.put(definition.name(), recorded);
    }
    recorded.points().add(point);
    points++;
  }

  public int pointCount() {
    return points;
  }

  public boolean isEmpty() {
    return points == 0;
  }

  /** The batch as OTLP metrics, in the order of each metric's first point. */
  public List<Metric> metrics() {
    List<Metric> built = new ArrayList<>(metrics.size());
    for (Recorded recorded : metrics.values()) {
      built.add(build(recorded));
    }
    return built;
  }

  /**
   * The batch as recorded, in the order of {@link #metrics()}, for writers that encode OTLP
   * themselves (the agent's export pipeline); what they write must decode to {@link #metrics()}.
   */
  public List<Recorded> recorded() {
    return List.copyOf(metrics.values());
  }

  /** Whether a histogram point of the batch carries exemplars. */
  public boolean hasExemplars() {
    return hasExemplars;
  }

  private Metric build(Recorded recorded) {
    Metric.Builder builder = prototype(recorded.definition()).toBuilder();
    switch (recorded.definition().type()) {
      case GAUGE -> {
        Gauge.Builder gauge = builder.getGaugeBuilder();
        for (Point p : recorded.points()) {
          gauge.addDataPoints(
              NumberDataPoint.newBuilder()
                  .addAllAttributes(p.labels().attributes())
                  .setTimeUnixNano(timeUnixNanos)
                  .setAsDouble(p.value()));
        }
      }
      case COUNTER -> {
        Sum.Builder sum = builder.getSumBuilder();
        for (Point p : recorded.points()) {
          sum.addDataPoints(
              NumberDataPoint.newBuilder()
                  .addAllAttributes(p.labels().attributes())
                  .setStartTimeUnixNano(p.startTimeUnixNanos())
                  .setTimeUnixNano(timeUnixNanos)
                  .setAsDouble(p.value()));
        }
      }
      case HISTOGRAM -> {
        Histogram.Builder histogram = builder.getHistogramBuilder();
        for (Point p : recorded.points()) {
          HistogramDataPoint.Builder point =
              HistogramDataPoint.newBuilder()
                  .addAllAttributes(p.labels().attributes())
                  .setStartTimeUnixNano(p.startTimeUnixNanos())
                  .setTimeUnixNano(timeUnixNanos)
                  .setSum(p.sum())
                  .setCount(p.count());
          for (double bound : p.upperBounds()) {
            point.addExplicitBounds(bound);
          }
          for (long bucketCount : p.bucketCounts()) {
            point.addBucketCounts(bucketCount);
          }
          for (Exemplar exemplar : p.exemplars()) {
            point.addExemplars(
                io.opentelemetry.proto.metrics.v1.Exemplar.newBuilder()
                    .setAsDouble(exemplar.value())
                    .setTimeUnixNano(exemplar.timeUnixNanos())
                    .setTraceId(ByteString.copyFrom(exemplar.traceId()))
                    .setSpanId(ByteString.copyFrom(exemplar.spanId())));
          }
          histogram.addDataPoints(point);
        }
      }
    }
    return builder.build();
  }

  private MetricDefinition definition(String name, MetricType type, Labels labels) {
    MetricDefinition definition = catalog.get(name);
    if (definition.planned()) {
      throw new IllegalArgumentException(
          name
              + " is planned in the metric catalog ("
              + definition.waitsFor().orElseThrow()
              + "); now that a source emits it, remove its"
              + " planned sources from "
              + MetricCatalog.RESOURCE);
    }
    if (definition.type() != type) {
      throw new IllegalArgumentException(
          name
              + " is a "
              + definition.type().name().toLowerCase()
              + " in the metric catalog, not a "
              + type.name().toLowerCase());
    }
    if (!labels.knownToFit(definition)) {
      checkLabels(name, definition, labels);
      labels.fitted(definition);
    }
    return definition;
  }

  private static void checkLabels(String name, MetricDefinition definition, Labels labels) {
    for (String required : definition.labels()) {
      if (!labels.containsKey(required)) {
        throw new IllegalArgumentException(
            name + ": label '" + required + "' is required by the metric catalog, got " + labels);
      }
    }
    for (KeyValue kv : labels.attributes()) {
      if (!definition.labels().contains(kv.getKey())
          && !definition.optionalLabels().contains(kv.getKey())) {
        throw new IllegalArgumentException(
            name
                + ": label '"
                + kv.getKey()
                + "' is not declared in the metric catalog (declared: "
                + definition.labels()
                + ", optional: "
                + definition.optionalLabels()
                + ")");
      }
      String waitsFor = definition.plannedLabels().get(kv.getKey());
      if (waitsFor != null) {
        throw new IllegalArgumentException(
            name
                + ": label '"
                + kv.getKey()
                + "' is planned in the"
                + " metric catalog ("
                + waitsFor
                + "); now that a source sets it, remove it from the"
                + " metric's planned labels in "
                + MetricCatalog.RESOURCE);
      }
    }
  }

  /**
   * The metric without points, from a cache: every batch of every cycle builds each metric from
   * it, with name, unit and description already UTF-8 (ByteStrings), so they are not measured and
   * encoded again for each request. A definition of another catalog (tests load several) replaces
   * the cached one of its name.
   */
  private static Metric prototype(MetricDefinition definition) {
    Prototype cached = PROTOTYPES.get(definition.name());
    if (cached != null && cached.definition() == definition) {
      return cached.metric();
    }
    Metric.Builder builder =
        Metric.newBuilder()
            .setNameBytes(ByteString.copyFromUtf8(definition.name()))
            .setUnitBytes(ByteString.copyFromUtf8(definition.unit()))
            .setDescriptionBytes(ByteString.copyFromUtf8(definition.description()));
    switch (definition.type()) {
      case GAUGE -> builder.setGauge(Gauge.getDefaultInstance());
      case COUNTER ->
          builder.setSum(
              Sum.newBuilder()
                  .setIsMonotonic(true)
                  .setAggregationTemporality(
                      AggregationTemporality.AGGREGATION_TEMPORALITY_CUMULATIVE));
      case HISTOGRAM ->
          builder.setHistogram(
              Histogram.newBuilder()
                  .setAggregationTemporality(
                      AggregationTemporality.AGGREGATION_TEMPORALITY_CUMULATIVE));
    }
    Metric metric = builder.build();
    PROTOTYPES.put(definition.name(), new Prototype(definition, metric));
    return metric;
  }

  private record Prototype(MetricDefinition definition, Metric metric) {}
}
