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

  private final MetricCatalog catalog;
  private final long timeUnixNanos;
  private final Map<String, Metric.Builder> metrics = new LinkedHashMap<>();
  private int points;

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
    builder(definition)
        .getGaugeBuilder()
        .addDataPoints(
            NumberDataPoint.newBuilder()
                .addAllAttributes(labels.attributes())
                .setTimeUnixNano(timeUnixNanos)
                .setAsDouble(value));
    points++;
    return this;
  }

  /** A cumulative, monotonic counter that has counted since {@code startTimeUnixNanos}. */
  public MetricBatch counter(String name, double value, long startTimeUnixNanos, Labels labels) {
    MetricDefinition definition = definition(name, MetricType.COUNTER, labels);
    builder(definition)
        .getSumBuilder()
        .addDataPoints(
            NumberDataPoint.newBuilder()
                .addAllAttributes(labels.attributes())
                .setStartTimeUnixNano(startTimeUnixNanos)
                .setTimeUnixNano(timeUnixNanos)
                .setAsDouble(value));
    points++;
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
    HistogramDataPoint.Builder point =
        HistogramDataPoint.newBuilder()
            .addAllAttributes(labels.attributes())
            .setStartTimeUnixNano(startTimeUnixNanos)
            .setTimeUnixNano(timeUnixNanos)
            .setSum(sum)
            .setCount(count);
    for (double bound : upperBounds) {
      point.addExplicitBounds(bound);
    }
    for (long bucketCount : bucketCounts) {
      point.addBucketCounts(bucketCount);
    }
    for (Exemplar exemplar : exemplars) {
      point.addExemplars(
          io.opentelemetry.proto.metrics.v1.Exemplar.newBuilder()
              .setAsDouble(exemplar.value())
              .setTimeUnixNano(exemplar.timeUnixNanos())
              .setTraceId(ByteString.copyFrom(exemplar.traceId()))
              .setSpanId(ByteString.copyFrom(exemplar.spanId())));
    }
    builder(definition).getHistogramBuilder().addDataPoints(point);
    points++;
    return this;
  }

  public int pointCount() {
    return points;
  }

  public boolean isEmpty() {
    return points == 0;
  }

  public List<Metric> metrics() {
    List<Metric> built = new ArrayList<>(metrics.size());
    for (Metric.Builder builder : metrics.values()) {
      built.add(builder.build());
    }
    return built;
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
    return definition;
  }

  private Metric.Builder builder(MetricDefinition definition) {
    return metrics.computeIfAbsent(
        definition.name(),
        n -> {
          Metric.Builder builder =
              Metric.newBuilder()
                  .setName(definition.name())
                  .setUnit(definition.unit())
                  .setDescription(definition.description());
          switch (definition.type()) {
            case GAUGE -> builder.setGauge(Gauge.newBuilder());
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
          return builder;
        });
  }
}
