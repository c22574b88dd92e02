package io.telegen.gpu.bench;

import com.sun.jna.Function;
import com.sun.jna.NativeLibrary;
import io.telegen.catalog.MetricCatalog;
import io.telegen.gpu.FakeNvml;
import io.telegen.gpu.NvidiaGpuSource;
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
 * CPU cost of one NVML collection cycle on an 8-GPU H100 node with every metric group on, through
 * JNA into the fake driver, whose calls return at once: what is measured is the agent's own work
 * (JNA marshalling, buffer reads, building OTLP points), not the driver's.
 *
 * <p>Run with {@code gpu/bench.sh}; it also prints the native calls one cycle makes.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class NvmlCollectionBenchmark {

  private final MetricCatalog catalog = MetricCatalog.load();
  private NvidiaGpuSource source;

  @Setup(Level.Trial)
  public void open() throws Exception {
    Path proc = Files.createTempDirectory("bench-proc");
    source = NvidiaGpuSource.open(FakeNvml.options("dgx-h100-nvlink", proc), 0);
    // Let the sampling thread deliver PCIe and GPM readings, so the cycle emits everything.
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
    try (NvidiaGpuSource source =
        NvidiaGpuSource.open(FakeNvml.options("dgx-h100-nvlink", proc), 0)) {
      Thread.sleep(500);
      NativeLibrary fake = NativeLibrary.getInstance(FakeNvml.library().toString());
      Function count = fake.getFunction("fakeNvmlCallCount");
      MetricBatch batch = new MetricBatch(MetricCatalog.load(), 1);
      source.collect(batch);
      long before = count.invokeLong(new Object[0]);
      batch = new MetricBatch(MetricCatalog.load(), 1);
      source.collect(batch);
      long calls = count.invokeLong(new Object[0]) - before;
      System.out.printf(
          "one cycle, 8 GPUs: %d native NVML calls, %d data points%n", calls, batch.pointCount());
    }
    new Runner(
            new OptionsBuilder()
                .include(NvmlCollectionBenchmark.class.getSimpleName())
                .addProfiler("gc")
                .build())
        .run();
  }
}
