package io.telegen.agent.export;

import io.opentelemetry.proto.collector.metrics.v1.ExportMetricsServiceRequest;
import io.opentelemetry.proto.common.v1.InstrumentationScope;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.metrics.v1.ResourceMetrics;
import io.opentelemetry.proto.metrics.v1.ScopeMetrics;
import io.opentelemetry.proto.resource.v1.Resource;
import io.telegen.agent.telemetry.AgentTelemetry;
import io.telegen.source.MetricBatch;
import io.telegen.source.MetricSource;
import java.util.List;
import java.util.logging.Logger;

/**
 * Turns each source's batch into an export request under the agent's resource, with the source
 * as the instrumentation scope, and queues it. When the queue is full the oldest request is
 * dropped and counted, since the newest measurement matters most.
 */
public final class MetricsPipeline {

  private static final Logger logger = Logger.getLogger(MetricsPipeline.class.getName());

  private final Resource resource;
  private final String version;
  private final ExportQueue queue;
  private final AgentTelemetry telemetry;
  private volatile boolean warnedFull;

  public MetricsPipeline(List<KeyValue> resourceAttributes, String version, ExportQueue queue,
      AgentTelemetry telemetry) {
    this.resource = Resource.newBuilder().addAllAttributes(resourceAttributes).build();
    this.version = version;
    this.queue = queue;
    this.telemetry = telemetry;
  }

  /** Wraps {@code batch} as one request; no request for an empty batch. */
  public ExportItem toItem(MetricSource source, MetricBatch batch) {
    ExportMetricsServiceRequest request = ExportMetricsServiceRequest.newBuilder()
        .addResourceMetrics(ResourceMetrics.newBuilder()
            .setResource(resource)
            .addScopeMetrics(ScopeMetrics.newBuilder()
                .setScope(InstrumentationScope.newBuilder()
                    .setName("io.telegen." + source.name())
                    .setVersion(version))
                .addAllMetrics(batch.metrics())))
        .build();
    return new ExportItem(Signal.METRICS, request, batch.pointCount());
  }

  /** Queues one collection. */
  public void accept(MetricSource source, MetricBatch batch) {
    if (batch.isEmpty()) {
      return;
    }
    ExportItem evicted = queue.offerEvictingOldest(toItem(source, batch));
    if (evicted != null) {
      telemetry.failed(evicted.signal(), "queue_full", evicted.items());
      if (!warnedFull) {
        warnedFull = true;
        logger.warning("the export queue is full (" + queue.capacity() + " requests): dropping "
            + "the oldest data until the collector accepts again; raise "
            + "agent.exporter.queue.max_requests to ride out longer outages");
      }
    } else if (warnedFull && queue.size() < queue.capacity() / 2) {
      warnedFull = false;
    }
  }
}
