package io.telegen.agent.export;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.opentelemetry.proto.collector.logs.v1.ExportLogsServiceRequest;
import io.opentelemetry.proto.collector.metrics.v1.ExportMetricsServiceRequest;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.telegen.testsupport.LogLines;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.logging.Logger;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The disk-backed export queue: what it held survives a reopen and a {@code kill -9} of the
 * process that wrote it; what was delivered does not come back; torn and damaged records are
 * skipped and counted; an unwritable directory costs persistence only.
 */
class DiskExportQueueTest {

  private static final Duration NOW = Duration.ZERO;

  @TempDir Path dir;

  @Test
  void whatIsQueuedAndNotDeliveredIsThereAfterAReopenInOrder() throws Exception {
    try (DiskExportQueue queue = DiskExportQueue.open(dir, 100, 1 << 20)) {
      assertTrue(queue.offer(OtlpRequests.metricsItem("a", 2, 0)));
      assertTrue(queue.offer(OtlpRequests.tracesItem("b", 3)));
      assertTrue(queue.offer(OtlpRequests.logsItem("c", 4)));
      ExportItem first = queue.peek(NOW);
      queue.remove(first); // delivered
      assertEquals(2, queue.size());
    }
    try (DiskExportQueue queue = DiskExportQueue.open(dir, 100, 1 << 20)) {
      assertEquals(List.of("b", "c"), names(queue.items()));
      ExportItem traces = queue.peek(NOW);
      assertEquals(Signal.TRACES, traces.signal());
      assertEquals(3, traces.items());
      assertEquals(OtlpRequests.traces("b", 3), traces.request());
      queue.remove(traces);
      queue.remove(queue.peek(NOW));
      assertNull(queue.peek(NOW));
      assertEquals(0, queue.corruptRecords());
    }
    try (DiskExportQueue queue = DiskExportQueue.open(dir, 100, 1 << 20)) {
      assertEquals(0, queue.size(), "nothing delivered comes back");
      assertTrue(queue.offer(OtlpRequests.metricsItem("d", 1, 0)));
    }
    try (DiskExportQueue queue = DiskExportQueue.open(dir, 100, 1 << 20)) {
      assertEquals(List.of("d"), names(queue.items()));
    }
  }

  @Test
  void theOldestItemsForAMergeAreBoundedByBytesAndAlwaysIncludeTheHead() throws Exception {
    try (DiskExportQueue queue = DiskExportQueue.open(dir, 100, 1 << 20)) {
      for (int i = 0; i < 4; i++) {
        queue.offer(OtlpRequests.metricsItem("m" + i, 1, i));
      }
      long one = queue.peek(java.time.Duration.ZERO).serializedSize();
      assertEquals(2, queue.peekFirst(100, 2 * one).size());
      assertEquals(3, queue.peekFirst(3, Long.MAX_VALUE).size());
      assertEquals(1, queue.peekFirst(100, 1).size(), "the head, larger than the bound");
    }
  }

  @Test
  void deliveredSegmentsAreDeleted() throws Exception {
    try (DiskExportQueue queue = DiskExportQueue.open(dir, 100, 1 << 20)) {
      queue.offer(OtlpRequests.metricsItem("a", 1, 0));
      queue.remove(queue.peek(NOW));
    }
    try (DiskExportQueue queue = DiskExportQueue.open(dir, 100, 1 << 20)) {
      queue.offer(OtlpRequests.metricsItem("b", 1, 0));
      queue.remove(queue.peek(NOW));
      assertEquals(1, segments().size(), "only the segment being written is left");
    }
  }

  @Test
  void aRecordTornByACrashIsSkippedAndCountedAndTheOnesBeforeItAreKept() throws Exception {
    try (DiskExportQueue queue = DiskExportQueue.open(dir, 100, 1 << 20)) {
      queue.offer(OtlpRequests.metricsItem("a", 1, 0));
      queue.offer(OtlpRequests.metricsItem("b", 1, 0));
      queue.offer(OtlpRequests.metricsItem("c", 1, 0));
    }
    Path segment = segments().get(0);
    long size = Files.size(segment);
    try (FileChannel file = FileChannel.open(segment, StandardOpenOption.WRITE)) {
      file.truncate(size - 7); // the last append stopped part way
    }
    try (LogLines log = LogLines.of(Logger.getLogger(DiskExportQueue.class.getName()));
        DiskExportQueue queue = DiskExportQueue.open(dir, 100, 1 << 20)) {
      assertEquals(List.of("a", "b"), names(queue.items()));
      assertEquals(1, queue.corruptRecords());
      assertTrue(
          log.lines().get(0).contains("1 torn or damaged record(s), skipped"),
          log.lines().toString());
      queue.offer(OtlpRequests.metricsItem("d", 1, 0));
    }
    try (DiskExportQueue queue = DiskExportQueue.open(dir, 100, 1 << 20)) {
      assertEquals(List.of("a", "b", "d"), names(queue.items()));
      assertEquals(0, queue.corruptRecords(), "the torn tail was cut off, not read again");
    }
  }

  @Test
  void aDamagedRecordFailsItsChecksum() throws Exception {
    try (DiskExportQueue queue = DiskExportQueue.open(dir, 100, 1 << 20)) {
      queue.offer(OtlpRequests.metricsItem("a", 1, 0));
      queue.offer(OtlpRequests.metricsItem("b", 1, 0));
    }
    Path segment = segments().get(0);
    byte[] bytes = Files.readAllBytes(segment);
    bytes[bytes.length - 3] ^= 0x5a; // a flipped bit in b's request
    Files.write(segment, bytes);
    try (DiskExportQueue queue = DiskExportQueue.open(dir, 100, 1 << 20)) {
      assertEquals(List.of("a"), names(queue.items()));
      assertEquals(1, queue.corruptRecords());
    }
  }

  @Test
  void theSizeBoundRefusesOffersAndEvictsTheOldestSourceData() throws Exception {
    ExportItem one = OtlpRequests.metricsItem("a", 10, 0);
    long recordSize = one.request().getSerializedSize() + 13;
    try (DiskExportQueue queue = DiskExportQueue.open(dir, 100, 3 * recordSize)) {
      assertTrue(queue.offer(one));
      assertTrue(queue.offer(OtlpRequests.metricsItem("b", 10, 0)));
      assertTrue(queue.offer(OtlpRequests.metricsItem("c", 10, 0)));
      assertFalse(queue.offer(OtlpRequests.metricsItem("d", 10, 0)), "the receiver pushes back");
      List<ExportItem> evicted = queue.offerEvictingOldest(OtlpRequests.metricsItem("e", 10, 0));
      assertEquals(List.of(one), evicted);
      assertEquals(List.of("b", "c", "e"), names(queue.items()));
      assertEquals(3 * recordSize, queue.bytes());
    }
    try (DiskExportQueue queue = DiskExportQueue.open(dir, 100, 3 * recordSize)) {
      assertEquals(List.of("b", "c", "e"), names(queue.items()), "the eviction was recorded");
    }
  }

  @Test
  void anUnwritableDirectoryFallsBackToMemoryWithOneWarningAndRecovers() throws Exception {
    try (LogLines log = LogLines.of(Logger.getLogger(DiskExportQueue.class.getName()));
        // A segment per request, so each append needs a new file in the directory.
        DiskExportQueue queue = DiskExportQueue.open(dir, 100, 1 << 20, 1, NOW, NOW)) {
      queue.offer(OtlpRequests.metricsItem("a", 1, 0));
      // The next segments cannot be created (as on a full disk): something else is there.
      List<Path> blocked = new ArrayList<>();
      for (int segment = 2; segment <= 3; segment++) {
        blocked.add(Files.createDirectory(dir.resolve(String.format("%016d.segment", segment))));
      }
      for (String name : List.of("b", "c")) {
        assertTrue(queue.offer(OtlpRequests.metricsItem(name, 1, 0)));
      }
      assertFalse(queue.onDisk());
      for (Path path : blocked) {
        Files.delete(path);
      }
      assertEquals(List.of("a", "b", "c"), names(queue.items()), "nothing is refused or lost");
      queue.offer(OtlpRequests.metricsItem("d", 1, 0));
      assertTrue(queue.onDisk());
      List<String> lines = log.lines();
      assertEquals(2, lines.size(), lines.toString());
      assertTrue(lines.get(0).contains("new data is queued in memory only"), lines.get(0));
      assertTrue(lines.get(0).contains("agent.exporter.queue.directory"), lines.get(0));
      assertTrue(lines.get(1).contains("writes to " + dir + " again"), lines.get(1));
    }
  }

  @Test
  void anAppendThatFailsOnAFullDiskLeavesNeitherATornRecordNorAnEmptySegment() throws Exception {
    try (DiskExportQueue queue = DiskExportQueue.open(dir, 100, 1 << 20, 1, NOW, NOW)) {
      queue.offer(OtlpRequests.metricsItem("a", 1, 0));
      // The next segment's writes fail as on a full disk: /dev/full answers ENOSPC.
      Path next = dir.resolve(String.format("%016d.segment", 2));
      Files.createSymbolicLink(next, Path.of("/dev/full"));
      assertTrue(queue.offer(OtlpRequests.metricsItem("b", 1, 0)));
      assertFalse(queue.onDisk());
      assertFalse(Files.exists(next, java.nio.file.LinkOption.NOFOLLOW_LINKS), "left behind");
      assertEquals(1, segments().size(), segments().toString());
      // The disk has room again: the next append takes the same segment number.
      assertTrue(queue.offer(OtlpRequests.metricsItem("c", 1, 0)));
      assertTrue(queue.onDisk());
      assertEquals(List.of("a", "b", "c"), names(queue.items()));
    }
  }

  @Test
  void aFullDiskIsTriedAgainOnlyOnceADeliveryFreedSpace() throws Exception {
    try (LogLines log = LogLines.of(Logger.getLogger(DiskExportQueue.class.getName()));
        DiskExportQueue queue =
            DiskExportQueue.open(dir, 100, 1 << 20, 1, NOW, Duration.ofHours(1))) {
      queue.offer(OtlpRequests.metricsItem("a", 1, 0));
      Path next = dir.resolve(String.format("%016d.segment", 2));
      Files.createSymbolicLink(next, Path.of("/dev/full"));
      queue.offer(OtlpRequests.metricsItem("b", 1, 0));
      // A small request might fit now; it is not tried, so the state does not flap.
      queue.offer(OtlpRequests.metricsItem("c", 1, 0));
      assertFalse(queue.onDisk());
      assertEquals(2, queue.inMemoryOnly());
      assertEquals(1, segments().size());
      // The collector takes "a": its segment is deleted, which makes room.
      queue.remove(queue.peek(NOW));
      assertEquals(0, segments().size());
      queue.offer(OtlpRequests.metricsItem("d", 1, 0));
      assertTrue(queue.onDisk());
      assertEquals(List.of("b", "c", "d"), names(queue.items()));
      List<String> lines = log.lines();
      assertEquals(2, lines.size(), "one warning, one all-clear: " + lines);
    }
  }

  @Test
  void onAFullDiskWhatIsHeldInMemoryHasItsOwnBound() throws Exception {
    ExportItem a = OtlpRequests.metricsItem("a", 10, 0);
    long recordSize = a.request().getSerializedSize() + 13;
    // Room for 100 requests in all, for 2 in memory (the heap's share).
    try (DiskExportQueue queue =
        DiskExportQueue.open(
            dir, 100, 100 * recordSize, 2 * recordSize, 1, NOW, Duration.ofHours(1))) {
      queue.offer(a);
      Files.createSymbolicLink(
          dir.resolve(String.format("%016d.segment", 2)), Path.of("/dev/full"));
      assertTrue(queue.offer(OtlpRequests.metricsItem("b", 10, 0)));
      assertTrue(queue.offer(OtlpRequests.metricsItem("c", 10, 0)));
      assertFalse(queue.onDisk());
      assertFalse(queue.offer(OtlpRequests.metricsItem("d", 10, 0)), "the receiver pushes back");
      // Source data evicts the oldest request held in memory, not the one on disk.
      assertEquals(
          List.of("b"), names(queue.offerEvictingOldest(OtlpRequests.metricsItem("e", 10, 0))));
      assertEquals(List.of("a", "c", "e"), names(queue.items()));
      assertEquals(2, queue.inMemoryOnly());
      assertEquals(3 * recordSize, queue.bytes());
      // A delivery frees space and the disk is written again: the memory bound no longer
      // applies to new requests.
      queue.remove(queue.peek(NOW));
      for (String name : List.of("f", "g", "h")) {
        assertTrue(queue.offer(OtlpRequests.metricsItem(name, 10, 0)), name);
      }
      assertTrue(queue.onDisk());
      assertEquals(List.of("c", "e", "f", "g", "h"), names(queue.items()));
    }
  }

  @Test
  void whatWasHeldInMemoryIsWrittenToTheDirectoryAtClose() throws Exception {
    try (DiskExportQueue queue = DiskExportQueue.open(dir, 100, 1 << 20, 1, NOW, NOW)) {
      queue.offer(OtlpRequests.metricsItem("a", 1, 0));
      Files.createSymbolicLink(
          dir.resolve(String.format("%016d.segment", 2)), Path.of("/dev/full"));
      queue.offer(OtlpRequests.metricsItem("b", 1, 0));
      assertEquals(1, queue.inMemoryOnly());
      // SIGTERM: nothing is delivered any more, and the disk has room again.
      assertEquals(0, queue.closeKeepingMemory());
    }
    try (DiskExportQueue queue = DiskExportQueue.open(dir, 100, 1 << 20)) {
      assertEquals(List.of("a", "b"), names(queue.items()));
      assertEquals(0, queue.corruptRecords());
    }
  }

  @Test
  void aBacklogIsReadBackFromTheFileNotHeldInTheHeap() throws Exception {
    try (DiskExportQueue queue = DiskExportQueue.open(dir, 100, 1 << 20)) {
      ExportItem first = OtlpRequests.metricsItem("a", 1, 0);
      ExportItem second = OtlpRequests.metricsItem("b", 1, 0);
      queue.offer(first);
      queue.offer(second);
      assertSame(first, queue.peek(NOW), "the head is kept: the export loop takes it next");
      queue.remove(first);
      ExportItem read = queue.peek(NOW);
      assertNotSame(second, read, "queued behind another, it was dropped from the heap");
      assertEquals(second, read);
      queue.remove(read);
      assertEquals(0, queue.size());
    }
  }

  @Test
  void whatAKilledAgentHadAcceptedIsThereAfterTheRestart() throws Exception {
    // A JVM that offers 200 requests, says how many, and waits to be killed.
    ProcessBuilder writer =
        new ProcessBuilder(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp",
                System.getProperty("java.class.path"),
                QueueWriter.class.getName(),
                dir.toString(),
                "200")
            .redirectErrorStream(true);
    Process process = writer.start();
    String said = new String(process.getInputStream().readNBytes("offered 200\n".length()));
    assertEquals("offered 200\n", said);
    process.destroyForcibly(); // SIGKILL: no shutdown hook, no close, no flush
    assertTrue(process.waitFor(10, TimeUnit.SECONDS));
    assertEquals(137, process.exitValue());
    try (DiskExportQueue queue = DiskExportQueue.open(dir, 1000, 1 << 24)) {
      List<String> names = names(queue.items());
      assertEquals(199, names.size(), "the first was delivered before the kill");
      assertEquals("m1", names.get(0));
      assertEquals("m199", names.get(198));
      assertEquals(0, queue.corruptRecords());
    }
  }

  /** The writer the kill test runs in a process of its own. */
  static final class QueueWriter {
    public static void main(String[] args) throws Exception {
      DiskExportQueue queue = DiskExportQueue.open(Path.of(args[0]), 1000, 1 << 24);
      int count = Integer.parseInt(args[1]);
      for (int i = 0; i < count; i++) {
        if (!queue.offer(OtlpRequests.metricsItem("m" + i, 5, i))) {
          throw new IllegalStateException("refused " + i);
        }
      }
      queue.remove(queue.peek(NOW));
      System.out.print("offered " + count + "\n");
      System.out.flush();
      Thread.sleep(60_000);
    }
  }

  private List<Path> segments() throws IOException {
    try (Stream<Path> files = Files.list(dir)) {
      return files.filter(f -> f.toString().endsWith(".segment")).sorted().toList();
    }
  }

  /** The name each request was made with (the metric's, the first span's or log body's). */
  private static List<String> names(List<ExportItem> items) {
    List<String> names = new ArrayList<>();
    for (ExportItem item : items) {
      names.add(
          switch (item.signal()) {
            case METRICS ->
                ((ExportMetricsServiceRequest) item.request())
                    .getResourceMetrics(0)
                    .getScopeMetrics(0)
                    .getMetrics(0)
                    .getName();
            case TRACES ->
                ((ExportTraceServiceRequest) item.request())
                    .getResourceSpans(0)
                    .getScopeSpans(0)
                    .getSpans(0)
                    .getName()
                    .replace("-0", "");
            case LOGS ->
                ((ExportLogsServiceRequest) item.request())
                    .getResourceLogs(0)
                    .getScopeLogs(0)
                    .getLogRecords(0)
                    .getBody()
                    .getStringValue()
                    .replace("-0", "");
          });
    }
    return names;
  }
}
