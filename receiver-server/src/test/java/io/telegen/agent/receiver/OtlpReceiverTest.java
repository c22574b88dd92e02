package io.telegen.agent.receiver;

import static io.telegen.agent.export.OtlpRequests.attr;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.Any;
import com.google.protobuf.Message;
import com.google.rpc.RetryInfo;
import io.grpc.CallOptions;
import io.grpc.ManagedChannel;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.NettyChannelBuilder;
import io.grpc.protobuf.StatusProto;
import io.grpc.stub.ClientCalls;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.opentelemetry.proto.collector.logs.v1.ExportLogsServiceRequest;
import io.opentelemetry.proto.collector.logs.v1.LogsServiceGrpc;
import io.opentelemetry.proto.collector.metrics.v1.ExportMetricsServiceRequest;
import io.opentelemetry.proto.collector.metrics.v1.MetricsServiceGrpc;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.collector.trace.v1.TraceServiceGrpc;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.metrics.v1.ExponentialHistogram;
import io.opentelemetry.proto.metrics.v1.ExponentialHistogramDataPoint;
import io.opentelemetry.proto.metrics.v1.Histogram;
import io.opentelemetry.proto.metrics.v1.HistogramDataPoint;
import io.opentelemetry.proto.metrics.v1.Metric;
import io.opentelemetry.proto.metrics.v1.NumberDataPoint;
import io.opentelemetry.proto.metrics.v1.ResourceMetrics;
import io.opentelemetry.proto.metrics.v1.ScopeMetrics;
import io.opentelemetry.proto.metrics.v1.Sum;
import io.opentelemetry.proto.metrics.v1.Summary;
import io.opentelemetry.proto.metrics.v1.SummaryDataPoint;
import io.opentelemetry.proto.resource.v1.Resource;
import io.telegen.agent.config.ConfigLoader;
import io.telegen.agent.export.Await;
import io.telegen.agent.export.ExportItem;
import io.telegen.agent.export.ExportResult;
import io.telegen.agent.export.MemoryExportQueue;
import io.telegen.agent.export.OtlpExporter;
import io.telegen.agent.export.OtlpRequests;
import io.telegen.agent.export.Signal;
import io.telegen.agent.export.TelemetryReader;
import io.telegen.agent.telemetry.AgentTelemetry;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** The agent's OTLP/gRPC receiver, driven by a real grpc-java client over 127.0.0.1. */
class OtlpReceiverTest {

  private static final String HOST = "node-1";
  private static final String SERVICE = "telegen-agent";
  private static final String VERSION = "9.9.9";
  private static final long MAX_REQUEST_BYTES = 16 * 1024;

  private final EventLoopGroup eventLoop =
      new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
  private final AgentTelemetry telemetry = new AgentTelemetry(1L);
  private MemoryExportQueue queue;
  private OtlpReceiver receiver;
  private ManagedChannel channel;
  private OtlpExporter exporter;

  private void start(int queueCapacity) throws IOException {
    queue = new MemoryExportQueue(queueCapacity);
    receiver = receiver().start();
    channel = NettyChannelBuilder.forAddress("127.0.0.1", receiver.port()).usePlaintext().build();
  }

  /** A receiver on 127.0.0.1, any free port, over this test's queue; not started. */
  private OtlpReceiver.Builder receiver() {
    return OtlpReceiver.builder()
        .host("127.0.0.1")
        .port(0)
        .maxRequestBytes(MAX_REQUEST_BYTES)
        .eventLoop(eventLoop)
        .queue(queue)
        .telemetry(telemetry)
        .hostName(HOST)
        .serviceName(SERVICE)
        .agentVersion(VERSION);
  }

  @AfterEach
  void tearDown() throws Exception {
    if (exporter != null) {
      exporter.close();
    }
    if (channel != null) {
      channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
    if (receiver != null) {
      receiver.close();
    }
    eventLoop.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly(5, TimeUnit.SECONDS);
  }

  // --- happy paths ---------------------------------------------------------------------------

  @Test
  void aMetricsRequestIsQueuedWithItsResourceEnrichedAndItsPointsCounted() throws Exception {
    start(10);
    Metric sum =
        Metric.newBuilder()
            .setName("requests_total")
            .setSum(
                Sum.newBuilder()
                    .addDataPoints(NumberDataPoint.newBuilder().setAsInt(1))
                    .addDataPoints(NumberDataPoint.newBuilder().setAsInt(2))
                    .addDataPoints(NumberDataPoint.newBuilder().setAsInt(3)))
            .build();
    Metric histogram =
        Metric.newBuilder()
            .setName("latency")
            .setHistogram(
                Histogram.newBuilder()
                    .addDataPoints(HistogramDataPoint.newBuilder().setCount(4).setSum(1.5)))
            .build();
    Metric exponential =
        Metric.newBuilder()
            .setName("tokens")
            .setExponentialHistogram(
                ExponentialHistogram.newBuilder()
                    .addDataPoints(ExponentialHistogramDataPoint.newBuilder().setCount(1))
                    .addDataPoints(ExponentialHistogramDataPoint.newBuilder().setCount(2)))
            .build();
    Metric summary =
        Metric.newBuilder()
            .setName("ttft")
            .setSummary(
                Summary.newBuilder().addDataPoints(SummaryDataPoint.newBuilder().setCount(7)))
            .build();
    Metric empty = Metric.newBuilder().setName("no_data").build();
    ExportMetricsServiceRequest sent =
        ExportMetricsServiceRequest.newBuilder()
            // An app that says nothing about itself.
            .addResourceMetrics(
                resourceMetrics(
                    List.of(attr("k8s.pod.name", "p1")),
                    OtlpRequests.gauge("gpu_utilization_percent", 2, 50),
                    sum))
            // An app that names itself and claims an agent version.
            .addResourceMetrics(
                resourceMetrics(
                    List.of(
                        attr("host.name", "app-host"),
                        attr("service.name", "my-app"),
                        attr("telegen.agent.version", "0.0.1"),
                        attr("zone", "a")),
                    histogram,
                    exponential))
            // A job that names its service only.
            .addResourceMetrics(
                resourceMetrics(List.of(attr("service.name", "my-job")), summary, empty))
            .build();

    MetricsServiceGrpc.newBlockingStub(channel)
        .withDeadlineAfter(10, TimeUnit.SECONDS)
        .export(sent);

    assertEquals(1, queue.size());
    ExportItem item = queue.peek(Duration.ZERO);
    assertEquals(Signal.METRICS, item.signal());
    assertEquals(2 + 3 + 1 + 2 + 1, item.items());
    ExportMetricsServiceRequest got = (ExportMetricsServiceRequest) item.request();
    assertEquals(3, got.getResourceMetricsCount());
    assertEquals(
        List.of(
            attr("k8s.pod.name", "p1"),
            attr("host.name", HOST),
            attr("service.name", SERVICE),
            attr("telegen.agent.version", VERSION)),
        got.getResourceMetrics(0).getResource().getAttributesList());
    assertEquals(
        List.of(
            attr("host.name", "app-host"),
            attr("service.name", "my-app"),
            attr("telegen.agent.version", VERSION),
            attr("zone", "a")),
        got.getResourceMetrics(1).getResource().getAttributesList());
    assertEquals(
        List.of(
            attr("service.name", "my-job"),
            attr("host.name", HOST),
            attr("telegen.agent.version", VERSION)),
        got.getResourceMetrics(2).getResource().getAttributesList());
    for (int i = 0; i < 3; i++) {
      assertEquals(
          sent.getResourceMetrics(i).getScopeMetricsList(),
          got.getResourceMetrics(i).getScopeMetricsList(),
          "data is passed on untouched");
    }
    assertEquals(1.0, TelemetryReader.receiverRequests(telemetry, Signal.METRICS, "accepted"));
    assertEquals(0.0, TelemetryReader.receiverRequests(telemetry, Signal.METRICS, "invalid"));
  }

  @Test
  void metricNamesAreRenamedByTheGivenMappingAndEverythingElseIsKept() throws Exception {
    queue = new MemoryExportQueue(10);
    receiver =
        receiver()
            .metricNames(
                name ->
                    name.equals("train/loss") || name.equals("training.loss")
                        ? "training_loss"
                        : name)
            .start();
    channel = NettyChannelBuilder.forAddress("127.0.0.1", receiver.port()).usePlaintext().build();
    ExportMetricsServiceRequest sent =
        ExportMetricsServiceRequest.newBuilder()
            .addResourceMetrics(
                resourceMetrics(
                    List.of(attr("service.name", "llama-ft")),
                    OtlpRequests.gauge("train/loss", 1, 2.5),
                    OtlpRequests.gauge("accuracy", 1, 0.9)))
            .addResourceMetrics(
                resourceMetrics(
                    List.of(attr("service.name", "bert")),
                    OtlpRequests.gauge("training.loss", 2, 0.7)))
            .build();

    send(sent);

    ExportMetricsServiceRequest got =
        (ExportMetricsServiceRequest) queue.peek(Duration.ZERO).request();
    List<Metric> first = got.getResourceMetrics(0).getScopeMetrics(0).getMetricsList();
    assertEquals(
        List.of("training_loss", "accuracy"), first.stream().map(Metric::getName).toList());
    assertEquals(
        sent.getResourceMetrics(0).getScopeMetrics(0).getMetrics(0).getGauge(),
        first.get(0).getGauge(),
        "points, values and attributes are kept");
    Metric second = got.getResourceMetrics(1).getScopeMetrics(0).getMetrics(0);
    assertEquals("training_loss", second.getName());
    assertEquals(2, second.getGauge().getDataPointsCount());
    assertEquals(1 + 1 + 2, queue.peek(Duration.ZERO).items());
  }

  @Test
  void aTraceRequestIsQueuedWithItsResourceEnrichedAndItsSpansCounted() throws Exception {
    start(10);
    ExportTraceServiceRequest first = OtlpRequests.traces("generate", 3);
    ExportTraceServiceRequest second =
        OtlpRequests.traces("prefill", 2, attr("service.name", "vllm"), attr("host.name", "pod-7"));
    ExportTraceServiceRequest sent =
        first.toBuilder().addResourceSpans(second.getResourceSpans(0)).build();

    TraceServiceGrpc.newBlockingStub(channel).withDeadlineAfter(10, TimeUnit.SECONDS).export(sent);

    ExportItem item = queue.peek(Duration.ZERO);
    assertNotNull(item);
    assertEquals(Signal.TRACES, item.signal());
    assertEquals(5, item.items());
    ExportTraceServiceRequest got = (ExportTraceServiceRequest) item.request();
    assertEquals(
        List.of(
            attr("host.name", HOST),
            attr("service.name", SERVICE),
            attr("telegen.agent.version", VERSION)),
        got.getResourceSpans(0).getResource().getAttributesList());
    assertEquals(
        List.of(
            attr("service.name", "vllm"),
            attr("host.name", "pod-7"),
            attr("telegen.agent.version", VERSION)),
        got.getResourceSpans(1).getResource().getAttributesList());
    assertEquals(
        sent.getResourceSpans(1).getScopeSpansList(), got.getResourceSpans(1).getScopeSpansList());
    assertEquals(1.0, TelemetryReader.receiverRequests(telemetry, Signal.TRACES, "accepted"));
  }

  @Test
  void aLogsRequestIsQueuedWithItsResourceEnrichedAndItsRecordsCounted() throws Exception {
    start(10);
    ExportLogsServiceRequest sent =
        OtlpRequests.logs(
            "loss=0.1",
            4,
            attr("service.name", "trainer"),
            attr("telegen.agent.version", "spoofed"));

    LogsServiceGrpc.newBlockingStub(channel).withDeadlineAfter(10, TimeUnit.SECONDS).export(sent);

    ExportItem item = queue.peek(Duration.ZERO);
    assertNotNull(item);
    assertEquals(Signal.LOGS, item.signal());
    assertEquals(4, item.items());
    ExportLogsServiceRequest got = (ExportLogsServiceRequest) item.request();
    assertEquals(
        List.of(
            attr("service.name", "trainer"),
            attr("telegen.agent.version", VERSION),
            attr("host.name", HOST)),
        got.getResourceLogs(0).getResource().getAttributesList());
    assertEquals(
        sent.getResourceLogs(0).getScopeLogsList(), got.getResourceLogs(0).getScopeLogsList());
    assertEquals(1.0, TelemetryReader.receiverRequests(telemetry, Signal.LOGS, "accepted"));
  }

  // --- bad requests ----------------------------------------------------------------------------

  @ParameterizedTest
  @EnumSource(Signal.class)
  void malformedBytesAreInvalidArgumentNamingTheExpectedMessage(Signal signal) throws Exception {
    start(10);
    // Field 1, length-delimited, claims 5 bytes but carries 1: a truncated message.
    byte[] garbage = {0x0A, 0x05, 0x01};

    StatusRuntimeException e =
        assertThrows(
            StatusRuntimeException.class,
            () ->
                ClientCalls.blockingUnaryCall(
                    channel,
                    rawMethod(fullMethodName(signal)),
                    CallOptions.DEFAULT.withDeadlineAfter(10, TimeUnit.SECONDS),
                    garbage));

    assertEquals(Status.Code.INVALID_ARGUMENT, e.getStatus().getCode());
    String expectedType =
        switch (signal) {
          case METRICS -> "ExportMetricsServiceRequest";
          case TRACES -> "ExportTraceServiceRequest";
          case LOGS -> "ExportLogsServiceRequest";
        };
    assertTrue(
        e.getStatus().getDescription().contains(expectedType), e.getStatus().getDescription());
    assertEquals(1.0, TelemetryReader.receiverRequests(telemetry, signal, "invalid"));
    assertEquals(0.0, TelemetryReader.receiverRequests(telemetry, signal, "accepted"));
    assertEquals(0, queue.size());

    assertStillServing(signal);
  }

  @Test
  void aRequestLargerThanMaxRequestSizeIsResourceExhaustedAndCountedTooLarge() throws Exception {
    start(10);
    ExportMetricsServiceRequest huge =
        OtlpRequests.metrics("m", 1, 0, attr("blob", "x".repeat((int) MAX_REQUEST_BYTES * 2)));

    StatusRuntimeException e =
        assertThrows(
            StatusRuntimeException.class,
            () ->
                MetricsServiceGrpc.newBlockingStub(channel)
                    .withDeadlineAfter(10, TimeUnit.SECONDS)
                    .export(huge));

    assertEquals(Status.Code.RESOURCE_EXHAUSTED, e.getStatus().getCode(), e.toString());
    // The server counts it when the stream closes, which may trail the client's view.
    Await.until(
        () -> TelemetryReader.receiverRequests(telemetry, Signal.METRICS, "too_large") == 1.0,
        () -> "too_large not counted: " + TelemetryReader.collect(telemetry));
    assertEquals(0, queue.size());

    assertStillServing(Signal.METRICS);
    assertEquals(1.0, TelemetryReader.receiverRequests(telemetry, Signal.METRICS, "too_large"));
  }

  @Test
  void aGzipRequestThatInflatesBeyondMaxRequestSizeIsResourceExhaustedToo() throws Exception {
    start(10);
    // Tiny on the wire, four times the limit once inflated.
    ExportMetricsServiceRequest bomb =
        OtlpRequests.metrics("m", 1, 0, attr("blob", "z".repeat((int) MAX_REQUEST_BYTES * 4)));

    StatusRuntimeException e =
        assertThrows(
            StatusRuntimeException.class,
            () ->
                MetricsServiceGrpc.newBlockingStub(channel)
                    .withCompression("gzip")
                    .withDeadlineAfter(10, TimeUnit.SECONDS)
                    .export(bomb));

    assertEquals(Status.Code.RESOURCE_EXHAUSTED, e.getStatus().getCode(), e.toString());
    Await.until(
        () -> TelemetryReader.receiverRequests(telemetry, Signal.METRICS, "too_large") == 1.0,
        () -> "too_large not counted: " + TelemetryReader.collect(telemetry));
    assertEquals(0, queue.size());
    assertStillServing(Signal.METRICS);
  }

  @Test
  void aGzipRequestWithinMaxRequestSizeIsDecompressedAndQueued() throws Exception {
    start(10);
    ExportMetricsServiceRequest sent =
        OtlpRequests.metrics("m", 3, 7, attr("blob", "z".repeat((int) MAX_REQUEST_BYTES / 2)));

    MetricsServiceGrpc.newBlockingStub(channel)
        .withCompression("gzip")
        .withDeadlineAfter(10, TimeUnit.SECONDS)
        .export(sent);

    ExportItem item = queue.peek(Duration.ZERO);
    assertNotNull(item);
    assertEquals(3, item.items());
    assertEquals(
        sent.getResourceMetrics(0).getScopeMetricsList(),
        ((ExportMetricsServiceRequest) item.request()).getResourceMetrics(0).getScopeMetricsList());
  }

  @Test
  void aRequestJustUnderMaxRequestSizeIsAccepted() throws Exception {
    start(10);
    ExportMetricsServiceRequest big =
        OtlpRequests.metrics("m", 1, 0, attr("blob", "x".repeat((int) MAX_REQUEST_BYTES - 200)));
    assertTrue(big.getSerializedSize() <= MAX_REQUEST_BYTES);

    MetricsServiceGrpc.newBlockingStub(channel).withDeadlineAfter(10, TimeUnit.SECONDS).export(big);

    assertEquals(1, queue.size());
    assertEquals(0.0, TelemetryReader.receiverRequests(telemetry, Signal.METRICS, "too_large"));
  }

  @ParameterizedTest
  @EnumSource(Signal.class)
  void aFullQueueIsUnavailableWithARetryInfoAndCountedUnavailable(Signal signal) throws Exception {
    start(1);
    send(signal, "first");

    StatusRuntimeException e =
        assertThrows(StatusRuntimeException.class, () -> send(signal, "second"));

    assertEquals(Status.Code.UNAVAILABLE, e.getStatus().getCode());
    assertTrue(
        e.getStatus().getDescription().contains("queue is full"), e.getStatus().getDescription());
    com.google.rpc.Status details = StatusProto.fromThrowable(e);
    assertNotNull(details, "no grpc-status-details-bin trailer");
    List<Any> retryInfos =
        details.getDetailsList().stream().filter(a -> a.is(RetryInfo.class)).toList();
    assertEquals(1, retryInfos.size(), details.toString());
    RetryInfo retryInfo = retryInfos.get(0).unpack(RetryInfo.class);
    assertEquals(1, retryInfo.getRetryDelay().getSeconds());
    assertEquals(0, retryInfo.getRetryDelay().getNanos());
    assertEquals(1.0, TelemetryReader.receiverRequests(telemetry, signal, "unavailable"));
    assertEquals(1.0, TelemetryReader.receiverRequests(telemetry, signal, "accepted"));
    assertEquals(1, queue.size(), "the queued request is kept");

    // Once the export loop makes room, the next request is taken.
    queue.remove(queue.peek(Duration.ZERO));
    assertStillServing(signal);
  }

  @Test
  void theAgentsOwnExporterTreatsTheReceiversPushBackAsRetryAfterOneSecond() throws Exception {
    start(1);
    exporter =
        OtlpExporter.create(
            ConfigLoader.withEnvironment(Map.of())
                .parse(
                    "agent: {exporter: "
                        + "{endpoint: '127.0.0.1:"
                        + receiver.port()
                        + "', retry: {initial_interval: 100ms, "
                        + "max_interval: 1s}, queue: {max_requests: 10}}}",
                    "test")
                .exporter(),
            eventLoop);
    ExportItem first = OtlpRequests.metricsItem("m", 2, 0);
    ExportItem second = OtlpRequests.metricsItem("n", 3, 0);

    assertEquals(ExportResult.Outcome.DELIVERED, exporter.export(first).outcome());
    ExportResult pushedBack = exporter.export(second);

    assertEquals(ExportResult.Outcome.RETRY, pushedBack.outcome(), pushedBack.detail());
    assertEquals(Duration.ofSeconds(1), pushedBack.retryAfter());
    ExportItem queued = queue.peek(Duration.ZERO);
    assertEquals(2, queued.items());
    queue.remove(queued);
    assertEquals(ExportResult.Outcome.DELIVERED, exporter.export(second).outcome());
    assertEquals(3, queue.peek(Duration.ZERO).items());
  }

  @Test
  void theReceiverKeepsServingThroughASeriesOfBadRequests() throws Exception {
    start(1);
    byte[] garbage = {(byte) 0xFF, (byte) 0xFF, (byte) 0xFF};
    MethodDescriptor<byte[], byte[]> raw = rawMethod(fullMethodName(Signal.METRICS));
    ExportMetricsServiceRequest huge =
        OtlpRequests.metrics("m", 1, 0, attr("blob", "y".repeat((int) MAX_REQUEST_BYTES + 1)));

    for (int i = 0; i < 3; i++) {
      String round = Integer.toString(i);
      assertEquals(
          Status.Code.INVALID_ARGUMENT,
          assertThrows(
                  StatusRuntimeException.class,
                  () ->
                      ClientCalls.blockingUnaryCall(
                          channel,
                          raw,
                          CallOptions.DEFAULT.withDeadlineAfter(10, TimeUnit.SECONDS),
                          garbage))
              .getStatus()
              .getCode());
      assertEquals(
          Status.Code.RESOURCE_EXHAUSTED,
          assertThrows(StatusRuntimeException.class, () -> send(huge)).getStatus().getCode());
      send(Signal.METRICS, "ok-" + round);
      assertEquals(
          Status.Code.UNAVAILABLE,
          assertThrows(StatusRuntimeException.class, () -> send(Signal.METRICS, "full-" + round))
              .getStatus()
              .getCode());
      queue.remove(queue.peek(Duration.ZERO));
    }

    assertEquals(3.0, TelemetryReader.receiverRequests(telemetry, Signal.METRICS, "invalid"));
    assertEquals(3.0, TelemetryReader.receiverRequests(telemetry, Signal.METRICS, "accepted"));
    assertEquals(3.0, TelemetryReader.receiverRequests(telemetry, Signal.METRICS, "unavailable"));
    Await.until(
        () -> TelemetryReader.receiverRequests(telemetry, Signal.METRICS, "too_large") == 3.0,
        () -> "too_large: " + TelemetryReader.collect(telemetry));
  }

  @Test
  void closeStopsTheReceiverAndFreesItsPort() throws Exception {
    start(10);
    int port = receiver.port();
    receiver.close();
    receiver = null;

    StatusRuntimeException e =
        assertThrows(StatusRuntimeException.class, () -> send(Signal.METRICS, "late"));
    assertEquals(Status.Code.UNAVAILABLE, e.getStatus().getCode());

    try (OtlpReceiver again = receiver().port(port).start()) {
      assertEquals(port, again.port());
    }
  }

  // --- helpers ---------------------------------------------------------------------------------

  private static ResourceMetrics resourceMetrics(List<KeyValue> resource, Metric... metrics) {
    return ResourceMetrics.newBuilder()
        .setResource(Resource.newBuilder().addAllAttributes(resource))
        .addScopeMetrics(ScopeMetrics.newBuilder().addAllMetrics(List.of(metrics)))
        .build();
  }

  private void send(Signal signal, String name) {
    switch (signal) {
      case METRICS -> send(OtlpRequests.metrics(name, 1, 0));
      case TRACES -> send(OtlpRequests.traces(name, 1));
      case LOGS -> send(OtlpRequests.logs(name, 1));
    }
  }

  private void send(Message request) {
    if (request instanceof ExportMetricsServiceRequest m) {
      MetricsServiceGrpc.newBlockingStub(channel).withDeadlineAfter(10, TimeUnit.SECONDS).export(m);
    } else if (request instanceof ExportTraceServiceRequest t) {
      TraceServiceGrpc.newBlockingStub(channel).withDeadlineAfter(10, TimeUnit.SECONDS).export(t);
    } else {
      LogsServiceGrpc.newBlockingStub(channel)
          .withDeadlineAfter(10, TimeUnit.SECONDS)
          .export((ExportLogsServiceRequest) request);
    }
  }

  /** A good request of {@code signal} goes through and is queued. */
  private void assertStillServing(Signal signal) throws Exception {
    int before = queue.size();
    send(signal, "good");
    assertEquals(before + 1, queue.size());
    ExportItem last = null;
    ExportItem head;
    while ((head = queue.peek(Duration.ZERO)) != null) {
      last = head;
      queue.remove(head);
    }
    assertNotNull(last);
    assertSame(signal, last.signal());
  }

  private static String fullMethodName(Signal signal) {
    return switch (signal) {
      case METRICS -> "opentelemetry.proto.collector.metrics.v1.MetricsService/Export";
      case TRACES -> "opentelemetry.proto.collector.trace.v1.TraceService/Export";
      case LOGS -> "opentelemetry.proto.collector.logs.v1.LogsService/Export";
    };
  }

  private static MethodDescriptor<byte[], byte[]> rawMethod(String fullMethodName) {
    return MethodDescriptor.<byte[], byte[]>newBuilder()
        .setType(MethodDescriptor.MethodType.UNARY)
        .setFullMethodName(fullMethodName)
        .setRequestMarshaller(RawBytes.INSTANCE)
        .setResponseMarshaller(RawBytes.INSTANCE)
        .build();
  }

  private enum RawBytes implements MethodDescriptor.Marshaller<byte[]> {
    INSTANCE;

    @Override
    public InputStream stream(byte[] value) {
      return new ByteArrayInputStream(value);
    }

    @Override
    public byte[] parse(InputStream stream) {
      try {
        return stream.readAllBytes();
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
  }
}
