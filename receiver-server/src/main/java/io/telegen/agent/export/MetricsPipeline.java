package io.telegen.agent.export;

import io.opentelemetry.proto.collector.metrics.v1.ExportMetricsServiceRequest;
import io.opentelemetry.proto.common.v1.InstrumentationScope;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.metrics.v1.Metric;
import io.opentelemetry.proto.metrics.v1.ResourceMetrics;
import io.opentelemetry.proto.metrics.v1.ScopeMetrics;
import io.opentelemetry.proto.resource.v1.Resource;
import io.telegen.agent.telemetry.AgentTelemetry;
import io.telegen.source.MetricBatch;
import io.telegen.source.MetricSource;
import io.telegen.source.ProblemLog;
import java.util.List;
import java.util.Set;
import java.util.logging.Logger;

/**
 * Turns each source's batch into an export request under the agent's resource, with the source
 * as the instrumentation scope, and queues it. When the queue is full the oldest request is
 * dropped and counted, since the newest measurement matters most.
 *
 * <p>Batches whose points carry the spec's {@code instance} or {@code job} labels (LLM serving,
 * training) go under the resource without {@code service.name} and {@code service.instance.id}:
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

  public MetricsPipeline(
      List<KeyValue> resourceAttributes,
      String version,
      ExportQueue queue,
      AgentTelemetry telemetry) {
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
  }

  /** Wraps {@code batch} as one request; no request for an empty batch. */
  public ExportItem toItem(MetricSource source, MetricBatch batch) {
    List<Metric> metrics = batch.metrics();
    ExportMetricsServiceRequest request =
        ExportMetricsServiceRequest.newBuilder()
            .addResourceMetrics(
                ResourceMetrics.newBuilder()
                    .setResource(carriesTargetLabels(metrics) ? resourceWithoutTarget : resource)
                    .addScopeMetrics(
                        ScopeMetrics.newBuilder()
                            .setScope(
                                InstrumentationScope.newBuilder()
                                    .setName("io.telegen." + source.name())
                                    .setVersion(version))
                            .addAllMetrics(metrics)))
            .build();
    return new ExportItem(Signal.METRICS, request, batch.pointCount());
  }

  static boolean carriesTargetLabels(List<Metric> metrics) {
    for (Metric metric : metrics) {
      List<KeyValue> attributes =
          switch (metric.getDataCase()) {
            case GAUGE ->
                metric.getGauge().getDataPointsCount() == 0
                    ? List.of()
                    : metric.getGauge().getDataPoints(0).getAttributesList();
            case SUM ->
                metric.getSum().getDataPointsCount() == 0
                    ? List.of()
                    : metric.getSum().getDataPoints(0).getAttributesList();
            case HISTOGRAM ->
                metric.getHistogram().getDataPointsCount() == 0
                    ? List.of()
                    : metric.getHistogram().getDataPoints(0).getAttributesList();
            default -> List.of();
          };
      // The catalog gives every point of a metric the same label names, so one point tells.
      for (KeyValue kv : attributes) {
        if (kv.getKey().equals("instance") || kv.getKey().equals("job")) {
          return true;
        }
      }
    }
    return false;
  }

  /** Queues one collection. */
  public void accept(MetricSource source, MetricBatch batch) {
    if (batch.isEmpty()) {
      return;
    }
    ExportItem evicted = queue.offerEvictingOldest(toItem(source, batch));
    if (evicted != null) {
      telemetry.failed(evicted.signal(), "queue_full", evicted.items());
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
