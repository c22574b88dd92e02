package io.telegen.agent.export;

import static io.telegen.agent.export.OtlpRequests.attr;
import static io.telegen.agent.export.TestPipelines.AGENT_RESOURCE;
import static io.telegen.agent.export.TestPipelines.agentPipeline;
import static io.telegen.agent.export.TestPipelines.source;
import static io.telegen.agent.export.TestPipelines.trainingJobGpus;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.opentelemetry.proto.collector.metrics.v1.ExportMetricsServiceRequest;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.metrics.v1.ResourceMetrics;
import io.opentelemetry.proto.metrics.v1.ScopeMetrics;
import io.telegen.agent.telemetry.AgentTelemetry;
import io.telegen.catalog.MetricCatalog;
import io.telegen.source.Labels;
import io.telegen.source.MetricBatch;
import io.telegen.testsupport.LogLines;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.logging.Logger;
import org.junit.jupiter.api.Test;

class MetricsPipelineTest {

  private static final List<KeyValue> RESOURCE =
      List.of(
          attr("host.name", "gpu-node-3"),
          attr("service.name", "telegen-agent"),
          attr("deployment.environment", "test"));

  private final AgentTelemetry telemetry = new AgentTelemetry(1L);

  /** A catalog-checked batch of {@code points} points. */
  private static MetricBatch batch(int points) {
    MetricBatch batch = new MetricBatch(MetricCatalog.load(), 1_700_000_000_000_000_000L);
    batch.gauge("telegen_agent_queue_length", points, Labels.empty());
    for (int i = 1; i < points; i++) {
      batch.counter(
          "telegen_agent_collection_errors_total",
          i,
          5L,
          Labels.of("source", "s" + i, "reason", "error"));
    }
    return batch;
  }

  @Test
  void batchesWithInstanceLabelsLeaveServiceNameOffSoPrometheusKeepsThem() {
    MetricsPipeline pipeline = agentPipeline(telemetry);
    MetricBatch llm = new MetricBatch(MetricCatalog.load(), 1);
    llm.gauge(
        "llm_queue_depth",
        3,
        Labels.of("model", "m", "instance", "127.0.0.1:8000", "framework", "vllm"));

    ExportMetricsServiceRequest request =
        (ExportMetricsServiceRequest) pipeline.toItem(source("vllm"), llm).request();
    ExportMetricsServiceRequest self =
        (ExportMetricsServiceRequest) pipeline.toItem(source("self"), batch(1)).request();

    assertEquals(
        List.of(attr("host.name", "gpu-node-3"), attr("telegen.agent.version", "1.2.3")),
        request.getResourceMetrics(0).getResource().getAttributesList());
    assertEquals(AGENT_RESOURCE, self.getResourceMetrics(0).getResource().getAttributesList());
  }

  @Test
  void theGpusOfATrainingJobLeaveServiceNameOffAndTheOtherGpusOfTheSameMetricKeepIt() {
    List<KeyValue> resource =
        List.of(
            attr("host.name", "gpu-node-3"),
            attr("service.name", "telegen-agent"),
            attr("service.instance.id", "gpu-node-3"));
    MetricsPipeline pipeline =
        new MetricsPipeline(resource, "1.2.3", new MemoryExportQueue(4), telemetry);
    MetricBatch gpus = trainingJobGpus();

    ExportItem item = pipeline.toItem(source("nvml"), gpus);
    ExportMetricsServiceRequest request = (ExportMetricsServiceRequest) item.request();

    assertEquals(5, item.items());
    assertEquals(2, request.getResourceMetricsCount());
    ResourceMetrics target = request.getResourceMetrics(0);
    ResourceMetrics own = request.getResourceMetrics(1);
    assertEquals(resource, target.getResource().getAttributesList());
    assertEquals(List.of(attr("host.name", "gpu-node-3")), own.getResource().getAttributesList());
    ScopeMetrics withTarget = target.getScopeMetrics(0);
    ScopeMetrics ownTarget = own.getScopeMetrics(0);
    assertEquals("io.telegen.nvml", ownTarget.getScope().getName());
    assertEquals(
        List.of("gpu_utilization_percent", "gpu_energy_joules_total", "gpu_up"),
        withTarget.getMetricsList().stream().map(m -> m.getName()).toList());
    assertEquals(
        List.of("gpu_utilization_percent", "gpu_energy_joules_total"),
        ownTarget.getMetricsList().stream().map(m -> m.getName()).toList());
    assertEquals(3.0, withTarget.getMetrics(0).getGauge().getDataPoints(0).getAsDouble());
    assertEquals(100.0, ownTarget.getMetrics(0).getGauge().getDataPoints(0).getAsDouble());
    assertEquals(
        withTarget.getMetrics(1).getSum().getAggregationTemporality(),
        ownTarget.getMetrics(1).getSum().getAggregationTemporality());
    assertEquals(10.0, ownTarget.getMetrics(1).getSum().getDataPoints(0).getAsDouble());
  }

  @Test
  void aBatchIsWrappedUnderTheAgentResourceWithTheSourceAsScope() {
    MemoryExportQueue queue = new MemoryExportQueue(4);
    MetricsPipeline pipeline = new MetricsPipeline(RESOURCE, "1.2.3", queue, telemetry);
    MetricBatch batch = batch(3);

    ExportItem item = pipeline.toItem(source("nvml"), batch);

    assertEquals(Signal.METRICS, item.signal());
    assertEquals(3, item.items());
    ExportMetricsServiceRequest request = (ExportMetricsServiceRequest) item.request();
    assertEquals(1, request.getResourceMetricsCount());
    ResourceMetrics rm = request.getResourceMetrics(0);
    assertEquals(RESOURCE, rm.getResource().getAttributesList());
    assertEquals(1, rm.getScopeMetricsCount());
    ScopeMetrics sm = rm.getScopeMetrics(0);
    assertEquals("io.telegen.nvml", sm.getScope().getName());
    assertEquals("1.2.3", sm.getScope().getVersion());
    assertEquals(batch.metrics(), sm.getMetricsList());
    assertEquals(3.0, sm.getMetrics(0).getGauge().getDataPoints(0).getAsDouble());
  }

  @Test
  void acceptQueuesOneRequestPerBatchAndNothingForAnEmptyBatch() throws Exception {
    MemoryExportQueue queue = new MemoryExportQueue(4);
    MetricsPipeline pipeline = new MetricsPipeline(RESOURCE, "1.2.3", queue, telemetry);

    pipeline.accept(source("vllm"), new MetricBatch(MetricCatalog.load(), 0));
    assertEquals(0, queue.size());

    pipeline.accept(source("vllm"), batch(2));
    assertEquals(1, queue.size());
    ExportItem queued = queue.peek(Duration.ZERO);
    assertEquals(2, queued.items());
    assertEquals(
        "io.telegen.vllm",
        ((ExportMetricsServiceRequest) queued.request())
            .getResourceMetrics(0)
            .getScopeMetrics(0)
            .getScope()
            .getName());
  }

  @Test
  void aFullQueueEvictsTheOldestAndCountsItsPointsAsQueueFull() throws Exception {
    MemoryExportQueue queue = new MemoryExportQueue(2);
    MetricsPipeline pipeline = new MetricsPipeline(RESOURCE, "1.2.3", queue, telemetry);

    pipeline.accept(source("a"), batch(1));
    pipeline.accept(source("b"), batch(2));
    assertEquals(0.0, TelemetryReader.failed(telemetry, Signal.METRICS, "queue_full"));

    pipeline.accept(source("c"), batch(3));
    assertEquals(
        1.0,
        TelemetryReader.failed(telemetry, Signal.METRICS, "queue_full"),
        "the evicted request held 1 point");
    pipeline.accept(source("d"), batch(4));
    assertEquals(
        3.0,
        TelemetryReader.failed(telemetry, Signal.METRICS, "queue_full"),
        "plus the 2 points of the next evicted request");

    assertEquals(2, queue.size());
    assertEquals(List.of("io.telegen.c", "io.telegen.d"), drainScopes(queue));
    assertEquals(0.0, TelemetryReader.failed(telemetry, Signal.METRICS, "rejected"));
    assertEquals(0.0, TelemetryReader.exported(telemetry, Signal.METRICS));
  }

  @Test
  void aLargeRequestThatEvictsSeveralCountsThePointsOfEach() throws Exception {
    MemoryExportQueue sizing = new MemoryExportQueue(1);
    new MetricsPipeline(RESOURCE, "1.2.3", sizing, telemetry).accept(source("a"), batch(1));
    long small = sizing.peek(Duration.ZERO).serializedSize();
    MemoryExportQueue queue = new MemoryExportQueue(100, 2 * small);
    MetricsPipeline pipeline = new MetricsPipeline(RESOURCE, "1.2.3", queue, telemetry);

    pipeline.accept(source("a"), batch(1));
    pipeline.accept(source("b"), batch(1));
    pipeline.accept(source("c"), batch(20));
    assertEquals(
        2.0,
        TelemetryReader.failed(telemetry, Signal.METRICS, "queue_full"),
        "both small requests went for the large one");
    assertEquals(List.of("io.telegen.c"), drainScopes(queue));
  }

  private static List<String> drainScopes(MemoryExportQueue queue) throws Exception {
    List<String> scopes = new ArrayList<>();
    ExportItem item;
    while ((item = queue.peek(Duration.ZERO)) != null) {
      scopes.add(
          ((ExportMetricsServiceRequest) item.request())
              .getResourceMetrics(0)
              .getScopeMetrics(0)
              .getScope()
              .getName());
      queue.remove(item);
    }
    return scopes;
  }

  @Test
  void aFullQueueIsLoggedOnceAndOnceWhenItHasRoomAgain() throws Exception {
    try (LogLines log = LogLines.of(Logger.getLogger(MetricsPipeline.class.getName()))) {
      MemoryExportQueue queue = new MemoryExportQueue(4);
      MetricsPipeline pipeline = new MetricsPipeline(RESOURCE, "1.2.3", queue, telemetry);
      for (int i = 0; i < 8; i++) {
        pipeline.accept(source("nvml"), batch(1));
      }
      assertEquals(
          List.of(
              "WARNING export: the export queue is full (4 requests): dropping the "
                  + "oldest data until the collector accepts again; raise "
                  + "agent.exporter.queue.max_requests to ride out longer outages"),
          log.lines());

      for (int i = 0; i < 4; i++) {
        queue.remove(queue.peek(Duration.ZERO));
      }
      pipeline.accept(source("nvml"), batch(1));
      pipeline.accept(source("nvml"), batch(1));
      assertEquals(2, log.lines().size(), log.lines().toString());
      assertEquals(
          "INFO export: the export queue has room again (1 of 4 requests); no more data "
              + "is dropped",
          log.lines().get(1));
    }
  }
}
