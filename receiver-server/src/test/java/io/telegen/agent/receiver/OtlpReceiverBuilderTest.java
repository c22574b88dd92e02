package io.telegen.agent.receiver;

import static io.telegen.agent.export.OtlpRequests.attr;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.grpc.ManagedChannel;
import io.grpc.netty.NettyChannelBuilder;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.opentelemetry.proto.collector.metrics.v1.ExportMetricsServiceRequest;
import io.opentelemetry.proto.collector.metrics.v1.MetricsServiceGrpc;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.collector.trace.v1.TraceServiceGrpc;
import io.opentelemetry.proto.metrics.v1.Gauge;
import io.opentelemetry.proto.metrics.v1.Metric;
import io.opentelemetry.proto.metrics.v1.NumberDataPoint;
import io.opentelemetry.proto.metrics.v1.ResourceMetrics;
import io.opentelemetry.proto.metrics.v1.ScopeMetrics;
import io.opentelemetry.proto.resource.v1.Resource;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.telegen.agent.export.ExportItem;
import io.telegen.agent.export.MemoryExportQueue;
import io.telegen.agent.export.Signal;
import io.telegen.agent.telemetry.AgentTelemetry;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** {@link OtlpReceiver#builder()}: its defaults, and what it says when a setting is missing. */
class OtlpReceiverBuilderTest {

  private final EventLoopGroup eventLoop =
      new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
  private final AgentTelemetry telemetry = new AgentTelemetry(1L);
  private final MemoryExportQueue queue = new MemoryExportQueue(10);

  @AfterEach
  void tearDown() {
    eventLoop.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly(5, TimeUnit.SECONDS);
  }

  @Test
  void theDefaultsAreLoopbackOnTheReceiverPortFourMebibytesAndTheAgentsServiceName() {
    assertEquals("127.0.0.1", OtlpReceiver.DEFAULT_HOST);
    assertEquals(4319, OtlpReceiver.DEFAULT_PORT);
    assertEquals(4L * 1024 * 1024, OtlpReceiver.DEFAULT_MAX_REQUEST_BYTES);
  }

  @Test
  void withOnlyTheRequiredSettingsNamesAreKeptAndTheServiceNameIsTheAgents() throws Exception {
    // Port 0 only: the default port may be taken on a shared machine.
    try (OtlpReceiver receiver = required().port(0).start()) {
      ManagedChannel channel =
          NettyChannelBuilder.forAddress(OtlpReceiver.DEFAULT_HOST, receiver.port())
              .usePlaintext()
              .build();
      try {
        // Larger than a small limit, far below the default one.
        Metric big =
            Metric.newBuilder()
                .setName("train/loss")
                .setGauge(
                    Gauge.newBuilder()
                        .addDataPoints(
                            NumberDataPoint.newBuilder()
                                .setAsDouble(1.5)
                                .addAttributes(attr("note", "x".repeat(64 * 1024)))))
                .build();
        MetricsServiceGrpc.newBlockingStub(channel)
            .withDeadlineAfter(10, TimeUnit.SECONDS)
            .export(
                ExportMetricsServiceRequest.newBuilder()
                    .addResourceMetrics(
                        ResourceMetrics.newBuilder()
                            .setResource(Resource.getDefaultInstance())
                            .addScopeMetrics(ScopeMetrics.newBuilder().addMetrics(big)))
                    .build());
        TraceServiceGrpc.newBlockingStub(channel)
            .withDeadlineAfter(10, TimeUnit.SECONDS)
            .export(
                ExportTraceServiceRequest.newBuilder()
                    .addResourceSpans(ResourceSpans.getDefaultInstance())
                    .build());
      } finally {
        channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
      }
    }
    ExportItem metrics = queue.peek(Duration.ZERO);
    assertEquals(Signal.METRICS, metrics.signal());
    ResourceMetrics got = ((ExportMetricsServiceRequest) metrics.request()).getResourceMetrics(0);
    assertEquals(
        List.of(
            attr("host.name", "node-1"),
            attr("service.name", "telegen-agent"),
            attr("telegen.agent.version", "9.9.9")),
        got.getResource().getAttributesList());
    assertEquals("train/loss", got.getScopeMetrics(0).getMetrics(0).getName());
    assertEquals(2, queue.size(), "the trace request is accepted without an observer");
  }

  @Test
  void aMissingRequiredSettingIsNamedWithHowToSetIt() {
    IllegalStateException e =
        assertThrows(
            IllegalStateException.class,
            () ->
                OtlpReceiver.builder()
                    .eventLoop(eventLoop)
                    .queue(queue)
                    .telemetry(telemetry)
                    .hostName("node-1")
                    .port(0)
                    .start());
    assertEquals(
        "OtlpReceiver.builder(): agentVersion is required; set it with "
            + ".agentVersion(...) before start()",
        e.getMessage());

    e = assertThrows(IllegalStateException.class, () -> required().queue(null).port(0).start());
    assertEquals(
        "OtlpReceiver.builder(): queue is required; set it with .queue(...) before " + "start()",
        e.getMessage());
  }

  @Test
  void aPortOutOfRangeIsRefusedBeforeBinding() {
    IllegalStateException e =
        assertThrows(IllegalStateException.class, () -> required().port(70000).start());
    assertEquals("OtlpReceiver.builder(): port must be 0 to 65535, got 70000", e.getMessage());
  }

  private OtlpReceiver.Builder required() {
    return OtlpReceiver.builder()
        .eventLoop(eventLoop)
        .queue(queue)
        .telemetry(telemetry)
        .hostName("node-1")
        .agentVersion("9.9.9");
  }
}
