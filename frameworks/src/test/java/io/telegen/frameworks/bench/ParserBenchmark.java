package io.telegen.frameworks.bench;

import io.telegen.frameworks.prometheus.ParseReport;
import io.telegen.frameworks.prometheus.PrometheusTextParser;
import io.telegen.testsupport.RealPayloads;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collection;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.Blackhole;
import org.openjdk.jmh.profile.GCProfiler;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.options.OptionsBuilder;

/**
 * Parser throughput on a realistic body: the vLLM capture (histograms, colon names, exponents)
 * repeated to about 1 MB, parsed from a stream into a handler that consumes every sample.
 *
 * <p>Run with {@code frameworks/bench.sh}; it prints MB/s (10^6 bytes) and bytes allocated per MB
 * of body.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class ParserBenchmark {

  static final String FIXTURE = "vllm-datadog-fixture-v0-plus-v1.txt";
  static final int TARGET_BYTES = 1_000_000;

  private byte[] body;

  @Setup
  public void load() throws IOException {
    body = replicatedBody();
  }

  @Benchmark
  public ParseReport parseVllmOneMegabyte(Blackhole bh) throws IOException {
    return PrometheusTextParser.parse(
        new ByteArrayInputStream(body),
        Long.MAX_VALUE,
        (name, family, labels, value) -> {
          bh.consume(family);
          bh.consume(labels);
          bh.consume(value);
        });
  }

  static byte[] replicatedBody() throws IOException {
    byte[] one = Files.readAllBytes(fixture());
    ByteArrayOutputStream out = new ByteArrayOutputStream(TARGET_BYTES + one.length + 1);
    while (out.size() < TARGET_BYTES) {
      out.write(one);
      out.write('\n'); // the capture ends without a newline
    }
    return out.toByteArray();
  }

  private static Path fixture() {
    return RealPayloads.file(FIXTURE);
  }

  public static void main(String[] args) throws Exception {
    long bytes = replicatedBody().length;
    ParseReport check =
        PrometheusTextParser.parse(
            new ByteArrayInputStream(replicatedBody()), Long.MAX_VALUE, (n, f, l, v) -> {});
    System.out.printf(
        "body: %,d bytes, %,d samples, %d rejected%n",
        bytes, check.samples(), check.rejectedLines());

    Collection<RunResult> results =
        new Runner(
                new OptionsBuilder()
                    .include(ParserBenchmark.class.getName())
                    .addProfiler(GCProfiler.class)
                    .build())
            .run();
    for (RunResult r : results) {
      double usPerOp = r.getPrimaryResult().getScore();
      double mbPerS = bytes / usPerOp; // bytes per microsecond == 10^6 bytes per second
      System.out.printf(
          "parser throughput: %.1f MB/s (%.0f us per %,d-byte body)%n", mbPerS, usPerOp, bytes);
      var alloc = r.getSecondaryResults().get("gc.alloc.rate.norm");
      if (alloc != null) {
        System.out.printf(
            "allocation: %.0f bytes per body, %.0f bytes per sample%n",
            alloc.getScore(), alloc.getScore() / check.samples());
      }
    }
  }
}
