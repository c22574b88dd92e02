package io.telegen.agent.export;

import static io.telegen.agent.export.ExporterFixture.plaintext;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;

import io.grpc.Status;
import io.opentelemetry.proto.collector.logs.v1.ExportLogsServiceRequest;
import io.opentelemetry.proto.collector.metrics.v1.ExportMetricsServiceRequest;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What queued up together leaves as one OTLP request per signal, in order, bounded by count and
 * bytes; its requests leave the queue (memory or disk) only once that request is delivered.
 */
class CoalescingExportQueueTest {

  private static final Duration NOW = Duration.ZERO;

  private final ExporterFixture fixture = new ExporterFixture();

  @TempDir Path dir;

  @AfterEach
  void tearDown() throws Exception {
    fixture.close();
  }

  private static CoalescingExportQueue coalescing(ExportQueue queue, int max, long maxBytes) {
    return new CoalescingExportQueue(
        queue, Duration.ZERO, max, maxBytes, System::nanoTime, d -> {});
  }

  @Test
  void queuedRequestsOfOneSignalAreDeliveredAsOneInOrder() throws Exception {
    MemoryExportQueue queue = new MemoryExportQueue(100);
    List<ExportItem> items = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      items.add(OtlpRequests.metricsItem("m" + i, i + 1, i * 10));
    }
    items.add(OtlpRequests.tracesItem("t", 2));
    items.add(OtlpRequests.logsItem("l1", 3));
    items.add(OtlpRequests.logsItem("l2", 1));
    items.forEach(queue::offer);
    FakeCollector collector = fixture.collector();
    fixture.loop(
        coalescing(queue, 100, 1 << 20),
        fixture.exporter(plaintext(collector.port())),
        Duration.ofSeconds(1),
        new RecordingSleeper(),
        bound -> bound);

    fixture.awaitIdle(queue);

    ExportMetricsServiceRequest.Builder metrics = ExportMetricsServiceRequest.newBuilder();
    for (int i = 0; i < 5; i++) {
      metrics.addAllResourceMetrics(
          ((ExportMetricsServiceRequest) items.get(i).request()).getResourceMetricsList());
    }
    ExportLogsServiceRequest.Builder logs = ExportLogsServiceRequest.newBuilder();
    for (int i = 6; i < 8; i++) {
      logs.addAllResourceLogs(
          ((ExportLogsServiceRequest) items.get(i).request()).getResourceLogsList());
    }
    assertEquals(
        List.of(metrics.build(), items.get(5).request(), logs.build()), collector.accepted);
    assertEquals(15.0, TelemetryReader.exported(fixture.telemetry, Signal.METRICS));
    assertEquals(2.0, TelemetryReader.exported(fixture.telemetry, Signal.TRACES));
    assertEquals(4.0, TelemetryReader.exported(fixture.telemetry, Signal.LOGS));
  }

  @Test
  void aRefusedMergeIsSentAgainOneByOneSoOnlyTheBadRequestIsDropped() throws Exception {
    MemoryExportQueue queue = new MemoryExportQueue(100);
    ExportItem bad = OtlpRequests.metricsItem("bad name", 5, 0);
    ExportItem good = OtlpRequests.metricsItem("good", 3, 0);
    ExportItem later = OtlpRequests.metricsItem("later", 2, 0);
    queue.offer(bad);
    queue.offer(good);
    queue.offer(later);
    FakeCollector collector = fixture.collector();
    // The merge of all three, then the bad request alone.
    collector.failNext(2, Status.INVALID_ARGUMENT.withDescription("bad metric name"));
    fixture.loop(
        coalescing(queue, 100, 1 << 20),
        fixture.exporter(plaintext(collector.port())),
        Duration.ofSeconds(1),
        new RecordingSleeper(),
        bound -> bound);

    fixture.awaitIdle(queue);

    assertEquals(4, collector.attempts(), "the merge, then each of its three requests");
    assertEquals(List.of(good.request(), later.request()), collector.accepted);
    assertEquals(5.0, TelemetryReader.failed(fixture.telemetry, Signal.METRICS, "rejected"));
    assertEquals(5.0, TelemetryReader.exported(fixture.telemetry, Signal.METRICS));
  }

  @Test
  void aMergeTakesAtMostTheCountAndTheBytesAndALargerRequestGoesAlone() throws Exception {
    MemoryExportQueue queue = new MemoryExportQueue(100);
    ExportItem small = OtlpRequests.metricsItem("s", 1, 0);
    ExportItem large = OtlpRequests.metricsItem("large", 40, 0);
    int smallBytes = small.request().getSerializedSize();
    for (int i = 0; i < 3; i++) {
      queue.offer(OtlpRequests.metricsItem("s", 1, i));
    }
    queue.offer(large);
    CoalescingExportQueue byCount = coalescing(queue, 2, 1 << 20);
    assertEquals(2, byCount.peek(NOW).items(), "two of the three small ones");

    CoalescingExportQueue byBytes = coalescing(queue, 100, 3L * smallBytes);
    ExportItem three = byBytes.peek(NOW);
    assertEquals(3, three.items(), "the large one does not fit beside them");
    byBytes.remove(three);
    assertEquals(1, queue.size());
    assertSame(large, byBytes.peek(NOW), "larger than the bound: alone, as it was queued");
  }

  @Test
  void onADiskQueueAMergedRequestLeavesOnlyWhenDeliveredAndSurvivesARestartBefore()
      throws Exception {
    try (DiskExportQueue disk = DiskExportQueue.open(dir, 100, 1 << 20)) {
      for (int i = 0; i < 4; i++) {
        disk.offer(OtlpRequests.metricsItem("d" + i, 1, i));
      }
      CoalescingExportQueue queue = coalescing(disk, 3, 1 << 20);
      ExportItem merged = queue.peek(NOW);
      assertEquals(3, merged.items());
      // Not acknowledged: the agent stops here.
    }
    try (DiskExportQueue disk = DiskExportQueue.open(dir, 100, 1 << 20)) {
      assertEquals(4, disk.size(), "nothing left the queue before it was delivered");
      FakeCollector collector = fixture.collector();
      collector.failNext(1, Status.UNAVAILABLE);
      fixture.loop(
          coalescing(disk, 3, 1 << 20),
          fixture.exporter(plaintext(collector.port())),
          Duration.ofSeconds(1),
          new RecordingSleeper(),
          bound -> bound);
      fixture.awaitIdle(disk);
      assertEquals(2, collector.accepted.size(), "three together, then the fourth");
      assertEquals(
          3, ((ExportMetricsServiceRequest) collector.accepted.get(0)).getResourceMetricsCount());
    }
    try (DiskExportQueue disk = DiskExportQueue.open(dir, 100, 1 << 20)) {
      assertEquals(0, disk.size(), "what was delivered does not come back");
    }
  }

  @Test
  void aRequestRightAfterTheLastWaitsOutTheLingerAndOneAloneWaitsOneLookForItsRound()
      throws Exception {
    MemoryExportQueue queue = new MemoryExportQueue(100);
    AtomicLong clock = new AtomicLong(1_000_000_000L);
    List<Duration> waits = new ArrayList<>();
    CoalescingExportQueue coalescing =
        new CoalescingExportQueue(
            queue,
            Duration.ofMillis(200),
            100,
            1 << 20,
            clock::get,
            d -> {
              waits.add(d);
              clock.addAndGet(d.toNanos());
            });
    assertNull(coalescing.peek(NOW));
    queue.offer(OtlpRequests.tracesItem("start", 1));
    coalescing.remove(coalescing.peek(NOW));
    assertEquals(List.of(), waits, "the first request since start goes at once");

    clock.addAndGet(Duration.ofSeconds(10).toNanos());
    queue.offer(OtlpRequests.tracesItem("first", 1));
    coalescing.remove(coalescing.peek(NOW));
    Duration look = Duration.ofMillis(CoalescingExportQueue.ROUND_LOOK_MILLIS);
    assertEquals(List.of(look), waits, "one after a quiet spell goes after one look for its round");

    waits.clear();
    clock.addAndGet(Duration.ofMillis(50).toNanos());
    queue.offer(OtlpRequests.tracesItem("second", 1));
    ExportItem second = coalescing.peek(NOW);
    long waited = waits.stream().mapToLong(Duration::toMillis).sum();
    assertEquals(150, waited, "the rest of the linger after the first hand-out");
    assertEquals(OtlpRequests.traces("second", 1), (ExportTraceServiceRequest) second.request());
    coalescing.remove(second);

    waits.clear();
    clock.addAndGet(Duration.ofSeconds(10).toNanos());
    queue.offer(OtlpRequests.tracesItem("later", 1));
    coalescing.peek(NOW);
    assertEquals(List.of(look), waits, "a request long after the last waits one look only");
  }

  @Test
  void aCollectionRoundComingInAfterAQuietSpellLeavesAsOneRequest() throws Exception {
    MemoryExportQueue queue = new MemoryExportQueue(100);
    AtomicLong clock = new AtomicLong(1_000_000_000L);
    List<String> round = List.of("gpu", "vllm", "tgi", "sglang");
    AtomicInteger sleeps = new AtomicInteger();
    CoalescingExportQueue coalescing =
        new CoalescingExportQueue(
            queue,
            Duration.ofSeconds(1),
            100,
            1 << 20,
            clock::get,
            d -> {
              clock.addAndGet(d.toNanos());
              // The round's other sources deliver one per look, the last of them, then nothing.
              int n = sleeps.incrementAndGet();
              if (n < round.size()) {
                queue.offer(OtlpRequests.tracesItem(round.get(n), 1));
              }
            });
    queue.offer(OtlpRequests.tracesItem("start", 1));
    coalescing.remove(coalescing.peek(NOW)); // the first since start goes at once
    clock.addAndGet(Duration.ofSeconds(10).toNanos());
    queue.offer(OtlpRequests.tracesItem(round.get(0), 1));
    ExportItem merged = coalescing.peek(NOW);
    assertEquals(4, merged.items(), "the whole round in one request");
    assertEquals(round.size(), sleeps.get(), "one look after each, and one finding nothing");
    coalescing.remove(merged);
    assertEquals(0, queue.size());
  }

  @Test
  void aLingerLooksEvery50MsWhileRequestsComeSlowlyAndEvery10MsInABurst() throws Exception {
    MemoryExportQueue queue = new MemoryExportQueue(1000);
    AtomicLong clock = new AtomicLong(1_000_000_000L);
    List<Long> waits = new ArrayList<>();
    CoalescingExportQueue coalescing =
        new CoalescingExportQueue(
            queue,
            Duration.ofMillis(200),
            100,
            1 << 20,
            clock::get,
            d -> {
              waits.add(d.toNanos());
              clock.addAndGet(d.toNanos());
            });
    queue.offer(OtlpRequests.tracesItem("first", 1));
    coalescing.remove(coalescing.peek(NOW));
    waits.clear(); // none: the first since start goes at once

    // One scrape's request 50 ms later: at that rate 100 would take seconds.
    clock.addAndGet(Duration.ofMillis(50).toNanos());
    queue.offer(OtlpRequests.tracesItem("scrape", 1));
    coalescing.remove(coalescing.peek(NOW));
    long ms = 1_000_000L;
    assertEquals(List.of(50 * ms, 50 * ms, 50 * ms), waits, "the rest of the linger, 50 ms looks");

    // Half a merge within 1 ms: the other half may come any moment.
    waits.clear();
    clock.addAndGet(Duration.ofMillis(1).toNanos());
    for (int i = 0; i < 50; i++) {
      queue.offer(OtlpRequests.tracesItem("burst-" + i, 1));
    }
    coalescing.peek(NOW);
    assertEquals(10 * ms, waits.get(0), "the first look: " + waits);
    assertEquals(199 * ms, waits.stream().mapToLong(Long::longValue).sum(), "the rest of it");
  }
}
