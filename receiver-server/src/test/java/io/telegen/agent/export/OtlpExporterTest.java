package io.telegen.agent.export;

import static io.telegen.agent.export.ExporterFixture.config;
import static io.telegen.agent.export.ExporterFixture.plaintext;
import static io.telegen.agent.export.ExporterFixture.tlsFile;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.netty.GrpcSslContexts;
import io.netty.handler.ssl.OpenSsl;
import io.netty.handler.ssl.SslContext;
import io.opentelemetry.proto.collector.logs.v1.ExportLogsServiceRequest;
import io.opentelemetry.proto.collector.metrics.v1.ExportMetricsServiceRequest;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.metrics.v1.NumberDataPoint;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** One export attempt against a real gRPC server: what arrives, and how failures are classified. */
class OtlpExporterTest {

  private final ExporterFixture fixture = new ExporterFixture();

  @AfterEach
  void tearDown() throws Exception {
    fixture.close();
  }

  @Test
  void metricsReachTheCollectorWithTheirValuesIntact() throws Exception {
    FakeCollector collector = fixture.collector();
    OtlpExporter exporter = fixture.exporter(plaintext(collector.port()));
    ExportItem item = OtlpRequests.metricsItem("gpu_utilization_percent", 3, 40.5);

    ExportResult result = exporter.export(item);

    assertEquals(ExportResult.Outcome.DELIVERED, result.outcome(), result.detail());
    assertEquals(0, result.rejectedItems());
    List<ExportMetricsServiceRequest> got = collector.accepted(ExportMetricsServiceRequest.class);
    assertEquals(List.of(item.request()), got);
    List<NumberDataPoint> points =
        got.get(0)
            .getResourceMetrics(0)
            .getScopeMetrics(0)
            .getMetrics(0)
            .getGauge()
            .getDataPointsList();
    assertEquals(
        "gpu_utilization_percent",
        got.get(0).getResourceMetrics(0).getScopeMetrics(0).getMetrics(0).getName());
    assertEquals(
        List.of(40.5, 41.5, 42.5), points.stream().map(NumberDataPoint::getAsDouble).toList());
    assertEquals("2", points.get(2).getAttributes(0).getValue().getStringValue());
  }

  @Test
  void tracesReachTheCollectorWithTheirValuesIntact() throws Exception {
    FakeCollector collector = fixture.collector();
    OtlpExporter exporter = fixture.exporter(plaintext(collector.port()));
    ExportItem item = OtlpRequests.tracesItem("generate", 2);

    ExportResult result = exporter.export(item);

    assertEquals(ExportResult.Outcome.DELIVERED, result.outcome(), result.detail());
    List<ExportTraceServiceRequest> got = collector.accepted(ExportTraceServiceRequest.class);
    assertEquals(List.of(item.request()), got);
    assertEquals(
        "generate-1", got.get(0).getResourceSpans(0).getScopeSpans(0).getSpans(1).getName());
    assertEquals(List.of(), collector.accepted(ExportMetricsServiceRequest.class));
  }

  @Test
  void logsReachTheCollectorWithTheirValuesIntact() throws Exception {
    FakeCollector collector = fixture.collector();
    OtlpExporter exporter = fixture.exporter(plaintext(collector.port()));
    ExportItem item = OtlpRequests.logsItem("step done", 3);

    ExportResult result = exporter.export(item);

    assertEquals(ExportResult.Outcome.DELIVERED, result.outcome(), result.detail());
    List<ExportLogsServiceRequest> got = collector.accepted(ExportLogsServiceRequest.class);
    assertEquals(List.of(item.request()), got);
    assertEquals(
        "step done-2",
        got.get(0).getResourceLogs(0).getScopeLogs(0).getLogRecords(2).getBody().getStringValue());
  }

  @Test
  void gzipCompressionIsAnnouncedAndUsedOnTheWire() throws Exception {
    FakeCollector collector = fixture.collector();
    OtlpExporter exporter = fixture.exporter(config(collector.port(), "compression: gzip"));
    // 200 points with near-identical attributes compress well.
    ExportItem item = OtlpRequests.metricsItem("gpu_memory_used_bytes", 200, 1e9);

    ExportResult result = exporter.export(item);

    assertEquals(ExportResult.Outcome.DELIVERED, result.outcome(), result.detail());
    assertEquals(List.of(item.request()), collector.accepted(ExportMetricsServiceRequest.class));
    assertEquals("gzip", collector.headers.get(0).get(FakeCollector.GRPC_ENCODING));
    long wire = collector.wireBytes.get();
    long uncompressed = collector.uncompressedBytes.get();
    assertEquals(item.request().getSerializedSize(), uncompressed);
    assertTrue(wire < uncompressed / 2, "gzip on the wire: " + wire + " of " + uncompressed);
  }

  @Test
  void withoutCompressionTheMessageGoesAsIs() throws Exception {
    FakeCollector collector = fixture.collector();
    OtlpExporter exporter = fixture.exporter(plaintext(collector.port()));
    ExportItem item = OtlpRequests.metricsItem("gpu_memory_used_bytes", 200, 1e9);

    assertEquals(ExportResult.Outcome.DELIVERED, exporter.export(item).outcome());

    assertNull(collector.headers.get(0).get(FakeCollector.GRPC_ENCODING));
    assertEquals(item.request().getSerializedSize(), collector.wireBytes.get());
    assertEquals(item.request().getSerializedSize(), collector.uncompressedBytes.get());
  }

  @Test
  void configuredHeadersReachTheCollectorOnEveryCall() throws Exception {
    FakeCollector collector = fixture.collector();
    OtlpExporter exporter =
        fixture.exporter(
            config(
                collector.port(),
                "compression: none, headers: {authorization: Bearer s3cret, X-Scope-OrgID: tenant-7}"));

    assertEquals(
        ExportResult.Outcome.DELIVERED,
        exporter.export(OtlpRequests.metricsItem("a", 1, 1)).outcome());
    assertEquals(
        ExportResult.Outcome.DELIVERED, exporter.export(OtlpRequests.logsItem("b", 1)).outcome());

    assertEquals(2, collector.headers.size());
    for (Metadata headers : collector.headers) {
      assertEquals(
          "Bearer s3cret",
          headers.get(Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER)));
      // gRPC header names are lowercase on the wire.
      assertEquals(
          "tenant-7",
          headers.get(Metadata.Key.of("x-scope-orgid", Metadata.ASCII_STRING_MARSHALLER)));
    }
  }

  @ParameterizedTest
  @EnumSource(
      value = Status.Code.class,
      names = {
        "CANCELLED",
        "DEADLINE_EXCEEDED",
        "ABORTED",
        "OUT_OF_RANGE",
        "UNAVAILABLE",
        "DATA_LOSS"
      })
  void statusesTheOtlpSpecCallsRetryableAreRetried(Status.Code code) throws Exception {
    FakeCollector collector = fixture.collector();
    collector.failNext(1, code.toStatus().withDescription("collector says " + code));
    OtlpExporter exporter = fixture.exporter(plaintext(collector.port()));

    ExportResult result = exporter.export(OtlpRequests.metricsItem("m", 5, 0));

    assertEquals(ExportResult.Outcome.RETRY, result.outcome(), result.detail());
    assertNull(result.retryAfter());
    assertTrue(result.detail().startsWith(code + ": collector says " + code), result.detail());
    assertEquals(1, collector.attempts());
  }

  @ParameterizedTest
  @EnumSource(
      value = Status.Code.class,
      names = {
        "INVALID_ARGUMENT",
        "RESOURCE_EXHAUSTED",
        "UNKNOWN",
        "NOT_FOUND",
        "PERMISSION_DENIED",
        "UNAUTHENTICATED",
        "FAILED_PRECONDITION",
        "UNIMPLEMENTED",
        "INTERNAL"
      })
  void otherStatusesRejectTheItemForGood(Status.Code code) throws Exception {
    FakeCollector collector = fixture.collector();
    collector.failNext(1, code.toStatus().withDescription("no thanks"));
    OtlpExporter exporter = fixture.exporter(plaintext(collector.port()));

    ExportResult result = exporter.export(OtlpRequests.metricsItem("m", 5, 0));

    assertEquals(ExportResult.Outcome.REJECTED, result.outcome(), result.detail());
    assertNull(result.retryAfter());
    assertEquals(code + ": no thanks", result.detail());
  }

  @Test
  void resourceExhaustedWithRetryInfoIsRetriedAfterTheCollectorsDelay() throws Exception {
    FakeCollector collector = fixture.collector();
    collector.failNext(
        1, Status.RESOURCE_EXHAUSTED.withDescription("memory limiter"), Duration.ofMillis(2500));
    OtlpExporter exporter = fixture.exporter(plaintext(collector.port()));

    ExportResult result = exporter.export(OtlpRequests.metricsItem("m", 5, 0));

    assertEquals(ExportResult.Outcome.RETRY, result.outcome(), result.detail());
    assertEquals(Duration.ofMillis(2500), result.retryAfter());
    assertTrue(result.detail().startsWith("RESOURCE_EXHAUSTED"), result.detail());
  }

  @Test
  void unavailableWithRetryInfoCarriesTheDelay() throws Exception {
    FakeCollector collector = fixture.collector();
    collector.failNext(1, Status.UNAVAILABLE, Duration.ofSeconds(3));
    OtlpExporter exporter = fixture.exporter(plaintext(collector.port()));

    ExportResult result = exporter.export(OtlpRequests.tracesItem("t", 1));

    assertEquals(ExportResult.Outcome.RETRY, result.outcome());
    assertEquals(Duration.ofSeconds(3), result.retryAfter());
  }

  @ParameterizedTest
  @EnumSource(Signal.class)
  void partialSuccessReportsTheRejectedCountOfEachSignal(Signal signal) throws Exception {
    FakeCollector collector = fixture.collector();
    collector.partialSuccessNext(2, "2 items had NaN values");
    OtlpExporter exporter = fixture.exporter(plaintext(collector.port()));
    ExportItem item =
        switch (signal) {
          case METRICS -> OtlpRequests.metricsItem("m", 5, 0);
          case TRACES -> OtlpRequests.tracesItem("t", 5);
          case LOGS -> OtlpRequests.logsItem("l", 5);
        };

    ExportResult result = exporter.export(item);

    assertEquals(ExportResult.Outcome.DELIVERED, result.outcome());
    assertEquals(2, result.rejectedItems());
    assertEquals("2 items had NaN values", result.detail());
    assertEquals(List.of(item.request()), collector.accepted);
  }

  @Test
  void aCollectorThatNeverAnswersRunsIntoTheDeadlineAndIsRetried() throws Exception {
    FakeCollector collector = fixture.collector();
    collector.hangNext(1);
    OtlpExporter exporter =
        fixture.exporter(config(collector.port(), "compression: none, timeout: 300ms"));
    ExportItem item = OtlpRequests.metricsItem("m", 5, 0);

    long start = System.nanoTime();
    ExportResult result = exporter.export(item);
    long elapsedMillis = Duration.ofNanos(System.nanoTime() - start).toMillis();

    assertEquals(ExportResult.Outcome.RETRY, result.outcome(), result.detail());
    assertTrue(result.detail().startsWith("DEADLINE_EXCEEDED"), result.detail());
    assertTrue(elapsedMillis >= 250 && elapsedMillis < 5_000, "took " + elapsedMillis + " ms");
    assertEquals(1, collector.attempts());
    assertEquals(List.of(), collector.accepted);

    assertEquals(ExportResult.Outcome.DELIVERED, exporter.export(item).outcome());
    assertEquals(List.of(item.request()), collector.accepted);
  }

  @Test
  void aPortWhereNothingListensIsUnavailableAndRetried() throws Exception {
    int port;
    try (FakeCollector gone = FakeCollector.start()) {
      port = gone.port();
    }
    OtlpExporter exporter = fixture.exporter(plaintext(port));

    ExportResult result = exporter.export(OtlpRequests.metricsItem("m", 1, 0));

    assertEquals(ExportResult.Outcome.RETRY, result.outcome(), result.detail());
    assertTrue(result.detail().startsWith("UNAVAILABLE"), result.detail());
    assertEquals("http://127.0.0.1:" + port, exporter.target());
  }

  @Test
  void boringSslFromNettyTcnativeIsAvailable() {
    assertTrue(
        OpenSsl.isAvailable(),
        () -> "netty-tcnative is not usable: " + OpenSsl.unavailabilityCause());
    assertTrue(OpenSsl.versionString().contains("BoringSSL"), OpenSsl.versionString());
  }

  @Test
  void tlsExporterTrustingTheCaDeliversThroughBoringSsl() throws Exception {
    List<LogRecord> warnings = captureWarnings();
    FakeCollector collector = fixture.register(FakeCollector.startTls(serverTls()));
    OtlpExporter exporter =
        fixture.exporter(
            config(
                collector.port(), "insecure: false, tls: {ca_file: '" + tlsFile("ca.pem") + "'}"));
    ExportItem item = OtlpRequests.metricsItem("gpu_utilization_percent", 4, 10);

    ExportResult result = exporter.export(item);

    assertEquals(ExportResult.Outcome.DELIVERED, result.outcome(), result.detail());
    assertEquals(List.of(item.request()), collector.accepted(ExportMetricsServiceRequest.class));
    assertTrue(collector.transports.get(0).startsWith("TLSv1."), collector.transports.toString());
    assertEquals("https://127.0.0.1:" + collector.port(), exporter.target());
    // The exporter logs this only when it falls back from BoringSSL to the JDK's TLS.
    assertEquals(
        List.of(),
        warnings.stream()
            .map(LogRecord::getMessage)
            .filter(m -> m.contains("netty-tcnative"))
            .toList());
  }

  @Test
  void tlsExporterWithoutTheCaIsRefusedAndKeepsRetryingWithoutDelivering() throws Exception {
    FakeCollector collector = fixture.register(FakeCollector.startTls(serverTls()));
    OtlpExporter exporter =
        fixture.exporter(config(collector.port(), "insecure: false, compression: none"));
    ExportItem item = OtlpRequests.metricsItem("m", 5, 0);

    ExportResult result = exporter.export(item);
    assertEquals(ExportResult.Outcome.RETRY, result.outcome(), result.detail());
    assertTrue(result.detail().startsWith("UNAVAILABLE"), result.detail());
    // The handshake failed inside netty-tcnative's engine, not the JDK's ("PKIX path ...").
    assertTrue(result.detail().contains("OpenSslEngine"), result.detail());

    MemoryExportQueue queue = new MemoryExportQueue(10);
    queue.offer(item);
    RecordingSleeper sleeper = new RecordingSleeper();
    fixture.loop(queue, exporter, Duration.ofSeconds(1), sleeper, bound -> bound);
    Await.until(() -> sleeper.sleeps.size() >= 3, () -> "retries: " + sleeper.millis());

    assertEquals(0, collector.attempts());
    assertEquals(1, queue.size());
    assertEquals(0.0, TelemetryReader.exported(fixture.telemetry, Signal.METRICS));
    assertEquals(0.0, TelemetryReader.failed(fixture.telemetry, Signal.METRICS, "rejected"));
  }

  private static SslContext serverTls() throws Exception {
    return GrpcSslContexts.forServer(tlsFile("server.pem").toFile(), tlsFile("server.key").toFile())
        .build();
  }

  private List<LogRecord> captureWarnings() {
    List<LogRecord> records = new CopyOnWriteArrayList<>();
    Logger logger = Logger.getLogger(OtlpExporter.class.getName());
    Handler handler =
        new Handler() {
          @Override
          public void publish(LogRecord record) {
            records.add(record);
          }

          @Override
          public void flush() {}

          @Override
          public void close() {}
        };
    logger.addHandler(handler);
    fixture.register(() -> logger.removeHandler(handler));
    return records;
  }
}
