package io.telegen.agent.export.bench;

import io.telegen.agent.export.ExportItem;
import io.telegen.agent.export.ExportQueue;
import io.telegen.agent.export.ExportQueues;
import io.telegen.agent.export.MemoryExportQueue;
import io.telegen.agent.export.OtlpRequests;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * What one export request costs to pass through the queue (offer, peek, remove: a request the
 * collector acknowledged at once), side by side: in memory, on disk forced to the device every
 * second (the agent's policy), and on disk forced on every append. The request is an 8-GPU
 * node's cycle, about 600 points. Run with {@code receiver-server/bench.sh}.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 4, time = 2)
@Fork(1)
public class ExportQueueBenchmark {

  @Param({"memory", "disk-sync-every-second", "disk-sync-every-append"})
  public String queue;

  private final ExportItem request = OtlpRequests.metricsItem("gpu_utilization_percent", 600, 1);
  private ExportQueue under;
  private Path dir;

  @Setup(Level.Trial)
  public void open() throws Exception {
    dir = Files.createTempDirectory(Path.of(System.getProperty("bench.dir", "/var/tmp")), "queue");
    under =
        switch (queue) {
          case "memory" -> new MemoryExportQueue(1024);
          case "disk-sync-every-second" -> ExportQueues.disk(dir, Duration.ofSeconds(1));
          default -> ExportQueues.disk(dir, Duration.ZERO);
        };
  }

  @TearDown(Level.Trial)
  public void close() throws Exception {
    if (under instanceof AutoCloseable closeable) {
      closeable.close();
    }
  }

  @Benchmark
  public ExportItem offerPeekRemove() throws InterruptedException {
    under.offer(request);
    ExportItem head = under.peek(Duration.ZERO);
    under.remove(head);
    return head;
  }

  public static void main(String[] args) throws Exception {
    org.openjdk.jmh.Main.main(args);
  }
}
