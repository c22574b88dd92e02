package io.telegen.agent.export;

import io.opentelemetry.proto.collector.metrics.v1.ExportMetricsServiceRequest;
import io.opentelemetry.proto.common.v1.InstrumentationScope;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.metrics.v1.Gauge;
import io.opentelemetry.proto.metrics.v1.Histogram;
import io.opentelemetry.proto.metrics.v1.HistogramDataPoint;
import io.opentelemetry.proto.metrics.v1.Metric;
import io.opentelemetry.proto.metrics.v1.NumberDataPoint;
import io.opentelemetry.proto.metrics.v1.ResourceMetrics;
import io.opentelemetry.proto.metrics.v1.ScopeMetrics;
import io.opentelemetry.proto.metrics.v1.Sum;
import io.opentelemetry.proto.resource.v1.Resource;
import io.telegen.agent.naming.SemconvRenamer;
import io.telegen.agent.telemetry.AgentTelemetry;
import io.telegen.source.MetricBatch;
import io.telegen.source.MetricSource;
import io.telegen.source.ProblemLog;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.function.UnaryOperator;
import java.util.logging.Logger;

/**
 * Turns each source's batch into an export request under the agent's resource, with the source
 * as the instrumentation scope, and queues it. When the queue is full the oldest request is
 * dropped and counted, since the newest measurement matters most.
 *
 * <p>Points that carry the spec's {@code instance} or {@code job} labels (LLM serving, training,
 * the GPUs of a training job) go under the resource without {@code service.name} and
 * {@code service.instance.id}:
 * the collector's Prometheus exporter turns those two into {@code job} and {@code instance}
 * labels and drops every series that already has one ("duplicate label names in constant and
 * variable labels").
 */
public final class MetricsPipeline {

  private static final Logger logger = Logger.getLogger(MetricsPipeline.class.getName());
  private static final String QUEUE_FULL = "queue_full";
  private static final Set<String> TARGET_ATTRIBUTES =
      Set.of("service.name", "service.namespace", "service.instance.id");

  private final Resource resource;
  private final Resource resourceWithoutTarget;
  private final String version;
  private final ExportQueue queue;
  private final AgentTelemetry telemetry;
  private final ProblemLog queueFull = new ProblemLog(logger, "export");
  private final UnaryOperator<List<Metric>> naming;
  private final OtlpMetricsWriter writer;

  public MetricsPipeline(
      List<KeyValue> resourceAttributes,
      String version,
      ExportQueue queue,
      AgentTelemetry telemetry) {
    this(resourceAttributes, version, queue, telemetry, null);
  }

  /**
   * A pipeline that renames each collection's metrics with {@code naming} ({@code agent.naming}:
   * see {@link io.telegen.agent.naming.SemconvRenamer}) before it is queued; null keeps the
   * spec's names.
   */
  public MetricsPipeline(
      List<KeyValue> resourceAttributes,
      String version,
      ExportQueue queue,
      AgentTelemetry telemetry,
      UnaryOperator<List<Metric>> naming) {
    this.naming = naming;
    this.resource = Resource.newBuilder().addAllAttributes(resourceAttributes).build();
    Resource.Builder withoutTarget = Resource.newBuilder();
    for (KeyValue kv : resourceAttributes) {
      if (!TARGET_ATTRIBUTES.contains(kv.getKey())) {
        withoutTarget.addAttributes(kv);
      }
    }
    this.resourceWithoutTarget = withoutTarget.build();
    this.version = version;
    this.queue = queue;
    this.telemetry = telemetry;
    this.writer = new OtlpMetricsWriter(resource, resourceWithoutTarget, version);
  }

  /**
   * Wraps {@code batch} as one request; no request for an empty batch. The points that carry
   * {@code job} or {@code instance} go under the resource without the target attributes, the
   * others under the full resource: one metric may have both, a GPU used by a training job
   * ({@code job} on its series) beside one that is not.
   */
  public ExportItem toItem(MetricSource source, MetricBatch batch) {
    if (naming == null && !batch.hasExemplars()) {
      // the usual collection: written straight from its points, the same bytes as built below
      return ExportItem.encoded(
          Signal.METRICS, writer.write(source.name(), batch), batch.pointCount());
    }
    return toBuiltItem(source, batch);
  }

  /** {@link #toItem} through built messages: for renamed metrics and exemplars, and tests. */
  ExportItem toBuiltItem(MetricSource source, MetricBatch batch) {
    List<Metric> withTarget = new ArrayList<>();
    List<Metric> ownTarget = new ArrayList<>();
    List<Metric> metrics = naming == null ? batch.metrics() : naming.apply(batch.metrics());
    for (Metric metric : metrics) {
      split(metric, withTarget, ownTarget);
    }
    InstrumentationScope scope =
        InstrumentationScope.newBuilder()
            .setName("io.telegen." + source.name())
            .setVersion(version)
            .build();
    ExportMetricsServiceRequest.Builder request = ExportMetricsServiceRequest.newBuilder();
    if (!withTarget.isEmpty() || ownTarget.isEmpty()) {
      request.addResourceMetrics(resourceMetrics(resource, scope, withTarget));
    }
    if (!ownTarget.isEmpty()) {
      request.addResourceMetrics(resourceMetrics(resourceWithoutTarget, scope, ownTarget));
    }
    int points = metrics == batch.metrics() ? batch.pointCount() : SemconvRenamer.points(metrics);
    return new ExportItem(Signal.METRICS, request.build(), points);
  }

  private static ResourceMetrics resourceMetrics(
      Resource resource, InstrumentationScope scope, List<Metric> metrics) {
    return ResourceMetrics.newBuilder()
        .setResource(resource)
        .addScopeMetrics(ScopeMetrics.newBuilder().setScope(scope).addAllMetrics(metrics))
        .build();
  }

  /**
   * Adds {@code metric} to {@code withTarget}, or to {@code ownTarget} when its points carry
   * {@code job} or {@code instance}; a metric with both kinds of point is cut in two.
   */
  static void split(Metric metric, List<Metric> withTarget, List<Metric> ownTarget) {
    switch (metric.getDataCase()) {
      case GAUGE -> {
        List<NumberDataPoint> points = metric.getGauge().getDataPointsList();
        List<NumberDataPoint> own = new ArrayList<>();
        List<NumberDataPoint> rest = new ArrayList<>();
        points.forEach(p -> (carriesTargetLabels(p.getAttributesList()) ? own : rest).add(p));
        if (own.isEmpty() || rest.isEmpty()) {
          (own.isEmpty() ? withTarget : ownTarget).add(metric);
        } else {
          withTarget.add(
              metric.toBuilder().setGauge(Gauge.newBuilder().addAllDataPoints(rest)).build());
          ownTarget.add(
              metric.toBuilder().setGauge(Gauge.newBuilder().addAllDataPoints(own)).build());
        }
      }
      case SUM -> {
        List<NumberDataPoint> own = new ArrayList<>();
        List<NumberDataPoint> rest = new ArrayList<>();
        metric
            .getSum()
            .getDataPointsList()
            .forEach(p -> (carriesTargetLabels(p.getAttributesList()) ? own : rest).add(p));
        if (own.isEmpty() || rest.isEmpty()) {
          (own.isEmpty() ? withTarget : ownTarget).add(metric);
        } else {
          Sum sum = metric.getSum();
          withTarget.add(
              metric.toBuilder()
                  .setSum(sum.toBuilder().clearDataPoints().addAllDataPoints(rest))
                  .build());
          ownTarget.add(
              metric.toBuilder()
                  .setSum(sum.toBuilder().clearDataPoints().addAllDataPoints(own))
                  .build());
        }
      }
      case HISTOGRAM -> {
        List<HistogramDataPoint> own = new ArrayList<>();
        List<HistogramDataPoint> rest = new ArrayList<>();
        metric
            .getHistogram()
            .getDataPointsList()
            .forEach(p -> (carriesTargetLabels(p.getAttributesList()) ? own : rest).add(p));
        if (own.isEmpty() || rest.isEmpty()) {
          (own.isEmpty() ? withTarget : ownTarget).add(metric);
        } else {
          Histogram histogram = metric.getHistogram();
          withTarget.add(
              metric.toBuilder()
                  .setHistogram(histogram.toBuilder().clearDataPoints().addAllDataPoints(rest))
                  .build());
          ownTarget.add(
              metric.toBuilder()
                  .setHistogram(histogram.toBuilder().clearDataPoints().addAllDataPoints(own))
                  .build());
        }
      }
      default -> withTarget.add(metric);
    }
  }

  private static boolean carriesTargetLabels(List<KeyValue> attributes) {
    for (KeyValue kv : attributes) {
      if (kv.getKey().equals("instance") || kv.getKey().equals("job")) {
        return true;
      }
    }
    return false;
  }

  /** Queues one collection. */
  public void accept(MetricSource source, MetricBatch batch) {
    if (batch.isEmpty()) {
      return;
    }
    List<ExportItem> evicted = queue.offerEvictingOldest(toItem(source, batch));
    if (!evicted.isEmpty()) {
      for (ExportItem dropped : evicted) {
        telemetry.failed(dropped.signal(), "queue_full", dropped.items());
      }
      queueFull.report(
          QUEUE_FULL,
          "the export queue is full ("
              + queue.capacity()
              + " requests): dropping the oldest data until the collector accepts again; raise "
              + "agent.exporter.queue.max_requests to ride out longer outages");
    } else if (queue.size() < queue.capacity() / 2) {
      queueFull.clear(
          QUEUE_FULL,
          "the export queue has room again ("
              + queue.size()
              + " of "
              + queue.capacity()
              + " requests); no more data is dropped");
    }
  }
}
