package io.telegen.agent.export;

import static io.telegen.agent.export.ExporterFixture.config;
import static io.telegen.agent.export.ExporterFixture.plaintext;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.grpc.Status;
import io.telegen.agent.telemetry.AgentTelemetry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.LongUnaryOperator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The export loop against a real gRPC collector: retries until delivered with the exact backoff
 * (100 ms doubling up to the max, or the collector's RetryInfo), drops what the collector refuses
 * for good, and counts it all in the agent's telemetry.
 */
class ExportLoopTest {

  private static final LongUnaryOperator NO_JITTER = bound -> bound;

  private final ExporterFixture fixture = new ExporterFixture();
  private final AgentTelemetry telemetry = fixture.telemetry;
  private final MemoryExportQueue queue = new MemoryExportQueue(100);
  private final RecordingSleeper sleeper = new RecordingSleeper();

  @AfterEach
  void tearDown() throws Exception {
    fixture.close();
  }

  @Test
  void collectorDownThenUpDeliversEverythingQueued() throws Exception {
    // A port where nothing listens: a collector that was there and is gone.
    int port;
    try (FakeCollector gone = FakeCollector.start()) {
      port = gone.port();
    }
    List<ExportItem> items =
        List.of(
            OtlpRequests.metricsItem("gpu_utilization_percent", 5, 1),
            OtlpRequests.tracesItem("generate", 2),
            OtlpRequests.logsItem("epoch done", 3),
            OtlpRequests.metricsItem("gpu_power_watts", 4, 300));
    items.forEach(queue::offer);
    OtlpExporter exporter = fixture.exporter(plaintext(port));
    fixture.loop(queue, exporter, Duration.ofSeconds(1), sleeper, NO_JITTER);

    Await.until(() -> sleeper.sleeps.size() >= 3, () -> "retries so far " + sleeper.millis());
    assertEquals(4, queue.size(), "nothing may leave the queue while the collector is down");
    assertEquals(0.0, TelemetryReader.exported(telemetry, Signal.METRICS));

    FakeCollector collector = fixture.collector(port);
    fixture.awaitIdle(queue);

    assertEquals(items.stream().map(ExportItem::request).toList(), collector.accepted);
    assertEquals(9.0, TelemetryReader.exported(telemetry, Signal.METRICS));
    assertEquals(2.0, TelemetryReader.exported(telemetry, Signal.TRACES));
    assertEquals(3.0, TelemetryReader.exported(telemetry, Signal.LOGS));
    for (Signal signal : Signal.values()) {
      assertEquals(0.0, TelemetryReader.failed(telemetry, signal, "rejected"));
    }
    // Backoff while down, capped at the max.
    List<Long> sleeps = sleeper.millis();
    assertEquals(List.of(100L, 200L, 400L), sleeps.subList(0, 3));
    assertTrue(sleeps.stream().allMatch(ms -> ms <= 1000), sleeps.toString());
  }

  @Test
  void anUnavailableCollectorIsRetriedUntilEverythingIsDeliveredOnceAndInOrder() throws Exception {
    FakeCollector collector = fixture.collector();
    collector.failNext(4, Status.UNAVAILABLE.withDescription("collector starting"));
    List<ExportItem> items = new ArrayList<>();
    for (int i = 0; i < 10; i++) {
      items.add(OtlpRequests.metricsItem("m" + i, i + 1, i * 100));
    }
    items.forEach(queue::offer);
    fixture.loop(
        queue,
        fixture.exporter(plaintext(collector.port())),
        Duration.ofSeconds(1),
        sleeper,
        NO_JITTER);

    fixture.awaitIdle(queue);

    assertEquals(items.stream().map(ExportItem::request).toList(), collector.accepted);
    assertEquals(14, collector.attempts());
    // The four failures were all the first item, retried as sent.
    assertEquals(
        List.of(
            items.get(0).request(),
            items.get(0).request(),
            items.get(0).request(),
            items.get(0).request(),
            items.get(0).request()),
        collector.received.subList(0, 5));
    assertEquals(55.0, TelemetryReader.exported(telemetry, Signal.METRICS));
    assertEquals(List.of(100L, 200L, 400L, 800L), sleeper.millis());
  }

  @Test
  void backoffDoublesFrom100MillisAndIsCappedAtTheMax() throws Exception {
    FakeCollector collector = fixture.collector();
    collector.failNext(7, Status.UNAVAILABLE);
    queue.offer(OtlpRequests.metricsItem("m", 5, 0));
    fixture.loop(
        queue,
        fixture.exporter(plaintext(collector.port())),
        Duration.ofSeconds(1),
        sleeper,
        NO_JITTER);

    fixture.awaitIdle(queue);

    assertEquals(List.of(100L, 200L, 400L, 800L, 1000L, 1000L, 1000L), sleeper.millis());
    assertEquals(8, collector.attempts());
    assertEquals(5.0, TelemetryReader.exported(telemetry, Signal.METRICS));
  }

  @Test
  void backoffStartsOverAfterADelivery() throws Exception {
    FakeCollector collector = fixture.collector();
    collector.failNext(3, Status.UNAVAILABLE).succeedNext().failNext(2, Status.UNAVAILABLE);
    queue.offer(OtlpRequests.metricsItem("first", 1, 0));
    queue.offer(OtlpRequests.metricsItem("second", 2, 0));
    fixture.loop(
        queue,
        fixture.exporter(plaintext(collector.port())),
        Duration.ofSeconds(10),
        sleeper,
        NO_JITTER);

    fixture.awaitIdle(queue);

    assertEquals(List.of(100L, 200L, 400L, 100L, 200L), sleeper.millis());
    assertEquals(3.0, TelemetryReader.exported(telemetry, Signal.METRICS));
  }

  @Test
  void backoffStartsOverAfterARefusal() throws Exception {
    FakeCollector collector = fixture.collector();
    collector
        .failNext(2, Status.UNAVAILABLE)
        .failNext(1, Status.INVALID_ARGUMENT.withDescription("bad metric name"))
        .failNext(1, Status.UNAVAILABLE);
    queue.offer(OtlpRequests.metricsItem("refused", 1, 0));
    queue.offer(OtlpRequests.metricsItem("next", 2, 0));
    fixture.loop(
        queue,
        fixture.exporter(plaintext(collector.port())),
        Duration.ofSeconds(10),
        sleeper,
        NO_JITTER);

    fixture.awaitIdle(queue);

    assertEquals(List.of(100L, 200L, 100L), sleeper.millis());
    assertEquals(2.0, TelemetryReader.exported(telemetry, Signal.METRICS));
  }

  @Test
  void jitterIsAppliedToEachBackoffBound() throws Exception {
    FakeCollector collector = fixture.collector();
    collector.failNext(3, Status.UNAVAILABLE);
    queue.offer(OtlpRequests.metricsItem("m", 1, 0));
    List<Long> bounds = new CopyOnWriteArrayList<>();
    fixture.loop(
        queue,
        fixture.exporter(plaintext(collector.port())),
        Duration.ofSeconds(1),
        sleeper,
        bound -> {
          bounds.add(bound);
          return bound / 2;
        });

    fixture.awaitIdle(queue);

    assertEquals(List.of(100L, 200L, 400L), bounds);
    assertEquals(List.of(50L, 100L, 200L), sleeper.millis());
  }

  @Test
  void theDefaultJitterStaysWithinHalfToTheFullBound() throws Exception {
    // The public constructor's full jitter, checked through its effect: the real sleep.
    FakeCollector collector = fixture.collector();
    collector.failNext(1, Status.UNAVAILABLE);
    queue.offer(OtlpRequests.metricsItem("m", 1, 0));
    ExportLoop loop =
        new ExportLoop(
            queue,
            fixture.exporter(plaintext(collector.port())),
            telemetry,
            Duration.ofMillis(100),
            Duration.ofSeconds(1));
    long start = System.nanoTime();
    fixture.start(loop);

    fixture.awaitIdle(queue);
    long elapsedMillis = Duration.ofNanos(System.nanoTime() - start).toMillis();

    assertTrue(elapsedMillis >= 50, "retried after " + elapsedMillis + " ms, before 50 ms");
    assertEquals(2, collector.attempts());
  }

  @Test
  void resourceExhaustedWithRetryInfoWaitsTheCollectorsDelayInsteadOfTheBackoff() throws Exception {
    FakeCollector collector = fixture.collector();
    collector.failNext(
        2, Status.RESOURCE_EXHAUSTED.withDescription("memory limiter"), Duration.ofMillis(1500));
    queue.offer(OtlpRequests.metricsItem("m", 5, 0));
    List<Long> bounds = new CopyOnWriteArrayList<>();
    fixture.loop(
        queue,
        fixture.exporter(plaintext(collector.port())),
        Duration.ofSeconds(1),
        sleeper,
        bound -> {
          bounds.add(bound);
          return bound;
        });

    fixture.awaitIdle(queue);

    assertEquals(List.of(1500L, 1500L), sleeper.millis());
    assertEquals(List.of(), bounds, "no backoff is computed when the collector says when");
    assertEquals(3, collector.attempts());
    assertEquals(5.0, TelemetryReader.exported(telemetry, Signal.METRICS));
    assertEquals(0.0, TelemetryReader.failed(telemetry, Signal.METRICS, "rejected"));
  }

  @Test
  void unavailableWithRetryInfoWaitsTheCollectorsDelay() throws Exception {
    FakeCollector collector = fixture.collector();
    collector.failNext(1, Status.UNAVAILABLE, Duration.ofSeconds(3));
    queue.offer(OtlpRequests.logsItem("l", 2));
    fixture.loop(
        queue,
        fixture.exporter(plaintext(collector.port())),
        Duration.ofSeconds(1),
        sleeper,
        NO_JITTER);

    fixture.awaitIdle(queue);

    assertEquals(List.of(3000L), sleeper.millis());
    assertEquals(2.0, TelemetryReader.exported(telemetry, Signal.LOGS));
  }

  @Test
  void resourceExhaustedWithoutRetryInfoIsDroppedNotRetried() throws Exception {
    FakeCollector collector = fixture.collector();
    collector.failNext(1, Status.RESOURCE_EXHAUSTED.withDescription("too big"));
    ExportItem refused = OtlpRequests.tracesItem("refused", 2);
    ExportItem next = OtlpRequests.tracesItem("next", 3);
    queue.offer(refused);
    queue.offer(next);
    fixture.loop(
        queue,
        fixture.exporter(plaintext(collector.port())),
        Duration.ofSeconds(1),
        sleeper,
        NO_JITTER);

    fixture.awaitIdle(queue);

    assertEquals(List.of(refused.request(), next.request()), collector.received);
    assertEquals(List.of(next.request()), collector.accepted);
    assertEquals(List.of(), sleeper.millis());
    assertEquals(2.0, TelemetryReader.failed(telemetry, Signal.TRACES, "rejected"));
    assertEquals(3.0, TelemetryReader.exported(telemetry, Signal.TRACES));
  }

  @Test
  void invalidArgumentDropsTheItemAndCountsItsPointsRejected() throws Exception {
    FakeCollector collector = fixture.collector();
    collector.failNext(1, Status.INVALID_ARGUMENT.withDescription("bad metric name"));
    ExportItem refused = OtlpRequests.metricsItem("bad name", 5, 0);
    ExportItem next = OtlpRequests.metricsItem("good_name", 3, 0);
    queue.offer(refused);
    queue.offer(next);
    fixture.loop(
        queue,
        fixture.exporter(plaintext(collector.port())),
        Duration.ofSeconds(1),
        sleeper,
        NO_JITTER);

    fixture.awaitIdle(queue);

    assertEquals(2, collector.attempts(), "a refused item is not sent again");
    assertEquals(List.of(next.request()), collector.accepted);
    assertEquals(List.of(), sleeper.millis());
    assertEquals(5.0, TelemetryReader.failed(telemetry, Signal.METRICS, "rejected"));
    assertEquals(3.0, TelemetryReader.exported(telemetry, Signal.METRICS));
    assertEquals(0.0, TelemetryReader.failed(telemetry, Signal.METRICS, "queue_full"));
  }

  @Test
  void partialSuccessCountsTheAcceptedPointsExportedAndTheRestRejected() throws Exception {
    FakeCollector collector = fixture.collector();
    collector.partialSuccessNext(2, "2 points had NaN values");
    queue.offer(OtlpRequests.metricsItem("m", 5, 0));
    fixture.loop(
        queue,
        fixture.exporter(plaintext(collector.port())),
        Duration.ofSeconds(1),
        sleeper,
        NO_JITTER);

    fixture.awaitIdle(queue);

    assertEquals(3.0, TelemetryReader.exported(telemetry, Signal.METRICS));
    assertEquals(2.0, TelemetryReader.failed(telemetry, Signal.METRICS, "rejected"));
    assertEquals(0, queue.size());
    assertEquals(1, collector.attempts(), "a partial success is not retried");
  }

  @Test
  void aDeadlineExceededAgainstASilentCollectorIsRetriedUntilDelivered() throws Exception {
    FakeCollector collector = fixture.collector();
    collector.hangNext(1);
    ExportItem item = OtlpRequests.metricsItem("m", 5, 0);
    queue.offer(item);
    fixture.loop(
        queue,
        fixture.exporter(config(collector.port(), "compression: none, timeout: 300ms")),
        Duration.ofSeconds(1),
        sleeper,
        NO_JITTER);

    fixture.awaitIdle(queue);

    assertTrue(collector.attempts() >= 2, "attempts " + collector.attempts());
    assertEquals(item.request(), collector.received.get(0));
    assertEquals(100L, sleeper.millis().get(0));
    assertEquals(5.0, TelemetryReader.exported(telemetry, Signal.METRICS));
  }

  @Test
  void stopLeavesUndeliveredItemsQueued() throws Exception {
    int port;
    try (FakeCollector gone = FakeCollector.start()) {
      port = gone.port();
    }
    queue.offer(OtlpRequests.metricsItem("m", 5, 0));
    queue.offer(OtlpRequests.logsItem("l", 1));
    ExportLoop loop =
        new ExportLoop(
            queue,
            fixture.exporter(plaintext(port)),
            telemetry,
            Duration.ofMillis(100),
            Duration.ofSeconds(1),
            sleeper,
            NO_JITTER);
    loop.start();
    Await.until(() -> sleeper.sleeps.size() >= 2, () -> "no retries");

    long start = System.nanoTime();
    loop.stop();

    assertTrue(Duration.ofNanos(System.nanoTime() - start).toMillis() < 3_000);
    assertEquals(2, queue.size());
    assertEquals(0.0, TelemetryReader.exported(telemetry, Signal.METRICS));
  }
}
