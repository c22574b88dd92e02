package io.telegen.integration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.NavigableSet;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;

/**
 * The disk under the export queue fills up during a collector outage: the queue directory is a
 * {@value #SIZE} tmpfs, mounted in a mount namespace of the agent's own ({@code unshare -m}, as
 * root: nothing outside the agent sees it, and it goes away with the process). The agent goes on
 * in memory with one warning, exports {@code telegen_agent_queue_on_disk 0}, keeps running, and
 * delivers everything it held once the collector is back.
 */
final class QueueDiskFullTest {

  private static final String SERVICE = "queue-disk-full-test";
  private static final String SIZE = "256k";
  private static final String WARNING = "cannot write the export queue in";
  private static final Duration OUTAGE = Duration.ofSeconds(25);
  private static final Duration DELIVERY = Duration.ofSeconds(60);

  private final Cleanup cleanup = new Cleanup();

  @AfterEach
  void stopEverything() {
    cleanup.close();
  }

  @Test
  void aFullDiskCostsOnlyThePersistence(TestInfo testInfo) throws IOException {
    Path dir = TestLogDir.of(testInfo);
    Path queue = Files.createDirectories(dir.resolve("queue"));
    int collectorPort = FreePorts.next(); // away until the disk is full
    List<String> smallDisk =
        List.of(
            "unshare",
            "-m",
            "sh",
            "-c",
            "mount -t tmpfs -o size=" + SIZE + " telegen-it-queue \"$0\" && exec \"$@\"",
            queue.toString());
    AgentProcess agent =
        cleanup.register(
            FaultAgent.start(
                dir.resolve("agent"),
                FaultAgent.sections(collectorPort, queue, Map.of()),
                smallDisk));
    long started = System.currentTimeMillis() * 1_000_000L;
    Path queueSeenByAgent =
        Path.of("/proc/" + agent.pid() + "/root").resolve(queue.toString().substring(1));
    SequenceSender app =
        cleanup.register(new SequenceSender(agent.receiverEndpoint(), SERVICE, 20, 1));
    long deadline = System.nanoTime() + OUTAGE.toNanos();
    while (System.nanoTime() < deadline && !agent.log().contains(WARNING)) {
      ExternalProcess.sleep(Duration.ofMillis(500));
    }
    assertTrue(
        agent.log().contains(WARNING), "the queue never filled " + SIZE + "\n" + agent.describe());
    long segmentsWhenFull = segments(queueSeenByAgent);
    // Some more seconds in memory only.
    ExternalProcess.sleep(Duration.ofSeconds(8));
    long segmentsLater = segments(queueSeenByAgent);
    assertTrue(agent.isAlive(), agent.describe());

    StockCollector collector = cleanup.register(StockCollector.start(dir, collectorPort));
    DeliveredPoints delivered = new DeliveredPoints(SERVICE).follow(collector);
    ExternalProcess.sleep(Duration.ofSeconds(3));
    NavigableSet<Long> sent = app.stop();
    long stopped = System.currentTimeMillis() * 1_000_000L;
    boolean all =
        delivered.awaitUntil(
            () ->
                delivered.sequence().keySet().containsAll(sent)
                    && delivered.gpuReached(stopped)
                    && backOnDisk(delivered.selfGauge("telegen_agent_queue_on_disk")),
            DELIVERY);
    GpuCadence gpu = delivered.gpuCadence(started, stopped);
    List<Double> onDisk = delivered.selfGauge("telegen_agent_queue_on_disk");
    long warnings = agent.log().lines().filter(l -> l.contains(WARNING)).count();
    String report =
        String.format(
            "QueueDiskFullTest: queue on a %s tmpfs, full during the outage; %s; %s;"
                + " telegen_agent_queue_on_disk %s; %d warning(s); segment files %d when full,"
                + " %d %ds later",
            SIZE,
            FaultAgent.sdkLine(sent, delivered.sequence()),
            gpu,
            onDisk.stream().distinct().toList(),
            warnings,
            segmentsWhenFull,
            segmentsLater,
            8);
    System.out.println(report);
    String context = report + "\n" + agent.describe();
    assertTrue(all, context);
    assertEquals(0, FaultAgent.lost(sent, delivered.sequence()).size(), context);
    assertEquals(0, gpu.lost(), context);
    assertEquals(1, warnings, context);
    assertTrue(backOnDisk(onDisk), "on disk, then not, then again once delivered\n" + context);
    assertTrue(agent.isAlive(), context);
    // A full disk must not leave a file per failed append.
    assertTrue(segmentsLater <= segmentsWhenFull + 1, context);
  }

  /** 1, then 0 while the disk was full, then 1 again once delivery made room. */
  private static boolean backOnDisk(List<Double> onDisk) {
    int full = onDisk.indexOf(0.0);
    return onDisk.size() > 0
        && onDisk.get(0) == 1.0
        && full > 0
        && onDisk.subList(full, onDisk.size()).contains(1.0)
        && onDisk.get(onDisk.size() - 1) == 1.0;
  }

  private static long segments(Path dir) throws IOException {
    try (Stream<Path> files = Files.list(dir)) {
      return files.filter(f -> f.toString().endsWith(".segment")).count();
    }
  }
}
