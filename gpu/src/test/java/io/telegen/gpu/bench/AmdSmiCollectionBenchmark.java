package io.telegen.gpu.bench;

import com.sun.jna.Function;
import com.sun.jna.NativeLibrary;
import io.telegen.catalog.MetricCatalog;
import io.telegen.gpu.AmdGpuSource;
import io.telegen.gpu.FakeAmdSmi;
import io.telegen.source.MetricBatch;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.options.OptionsBuilder;

/**
 * CPU cost of one AMD SMI collection cycle on an 8 x MI300X node (SPX, xGMI, one process per GPU)
 * with every metric group on, through JNA into the fake library, whose calls return at once: what
 * is measured is the agent's own work, not the library's (the real one reads sysfs per call).
 *
 * <p>Run with {@code gpu/bench.sh amd}; it also prints the native calls one cycle makes.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class AmdSmiCollectionBenchmark {

  private static final String SCENARIO = "mi300x-spx";

  private final MetricCatalog catalog = MetricCatalog.load();
  private AmdGpuSource source;

  @Setup(Level.Trial)
  public void open() throws Exception {
    Path proc = Files.createTempDirectory("bench-proc");
    source = AmdGpuSource.open(FakeAmdSmi.options(SCENARIO, FakeAmdSmi.CURRENT, proc), 0);
    // Let the sampling thread deliver the PCIe readings, so the cycle emits everything.
    Thread.sleep(500);
  }

  @TearDown(Level.Trial)
  public void close() {
    source.close();
  }

  @Benchmark
  public MetricBatch collectEightGpus() {
    MetricBatch batch = new MetricBatch(catalog, 1);
    source.collect(batch);
    return batch;
  }

  /** Counts the native calls of one cycle, then runs JMH. */
  public static void main(String[] args) throws Exception {
    Path proc = Files.createTempDirectory("bench-proc");
    try (AmdGpuSource source =
        AmdGpuSource.open(FakeAmdSmi.options(SCENARIO, FakeAmdSmi.CURRENT, proc), 0)) {
      Thread.sleep(500);
      NativeLibrary fake =
          NativeLibrary.getInstance(FakeAmdSmi.library(FakeAmdSmi.CURRENT).toString());
      Function count = fake.getFunction("fakeAmdSmiCallCount");
      MetricBatch batch = new MetricBatch(MetricCatalog.load(), 1);
      source.collect(batch);
      long before = count.invokeLong(new Object[0]);
      batch = new MetricBatch(MetricCatalog.load(), 1);
      source.collect(batch);
      long calls = count.invokeLong(new Object[0]) - before;
      System.out.printf(
          "one cycle, 8 x MI300X: %d native AMD SMI calls, %d data points%n",
          calls, batch.pointCount());
    }
    new Runner(
            new OptionsBuilder()
                .include(AmdSmiCollectionBenchmark.class.getSimpleName())
                .addProfiler("gc")
                .build())
        .run();
  }
}
