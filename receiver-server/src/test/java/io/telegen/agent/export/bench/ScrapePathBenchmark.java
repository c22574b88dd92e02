package io.telegen.agent.export.bench;

import io.telegen.agent.export.ExportItem;
import io.telegen.agent.export.MemoryExportQueue;
import io.telegen.agent.export.MetricsPipeline;
import io.telegen.agent.telemetry.AgentTelemetry;
import io.telegen.catalog.MetricCatalog;
import io.telegen.frameworks.llm.LlmNormalizer;
import io.telegen.frameworks.llm.LlmTarget;
import io.telegen.frameworks.prometheus.PrometheusTextParser;
import io.telegen.source.MetricBatch;
import io.telegen.source.MetricSource;
import io.telegen.testsupport.RealPayloads;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.profile.GCProfiler;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.options.OptionsBuilder;

/**
 * The in-process share of one scrape (what bench/scrape.sh measures end to end, less the HTTP
 * exchange and the gRPC call): the payload parsed into the endpoint's {@link LlmNormalizer} through
 * its parser workspace, its
 * {@code llm_*} points written into a {@link MetricBatch}, the batch turned into an export request
 * and encoded. One normalizer per endpoint across operations, as a source keeps one, so the
 * counters' start times and rates are in steady state. Run under the launcher's compiler setting
 * (C1 only) with {@code receiver-server/bench-scrape.sh}: it prints µs and bytes allocated per
 * scrape.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(
    value = 1,
    jvmArgsAppend = {"-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-Xmx96m"})
public class ScrapePathBenchmark {

  /** The two payloads of bench/scrape.sh. */
  @Param({"vllm", "nim"})
  public String framework;

  private byte[] body;
  private LlmNormalizer normalizer;
  private final PrometheusTextParser.Workspace workspace = new PrometheusTextParser.Workspace();
  private MetricsPipeline pipeline;
  private MetricCatalog catalog;
  private MetricSource source;
  private long now = 1_700_000_000_000_000_000L;

  @Setup
  public void load() {
    body = payload(framework);
    catalog = MetricCatalog.load();
    normalizer =
        LlmNormalizer.create(
            new LlmTarget(framework, "127.0.0.1:8000", null, null, Set.of(), null));
    pipeline =
        new MetricsPipeline(List.of(), "0.1.0", new MemoryExportQueue(16), new AgentTelemetry(0));
    source =
        new MetricSource() {
          @Override
          public String name() {
            return framework;
          }

          @Override
          public void collect(MetricBatch batch) {}
        };
  }

  @Benchmark
  public byte[] parseNormaliseEncode() throws IOException {
    now += 50_000_000L;
    normalizer.beginScrape();
    PrometheusTextParser.parse(
        new ByteArrayInputStream(body), Long.MAX_VALUE, normalizer, workspace);
    MetricBatch batch = new MetricBatch(catalog, now);
    normalizer.endScrape(batch);
    ExportItem item = pipeline.toItem(source, batch);
    return item.toBytes();
  }

  static byte[] payload(String framework) {
    String resource =
        framework.equals("nim") ? "/bench/nim-first.txt" : null; // vLLM: the shared capture
    if (resource == null) {
      return RealPayloads.bytes("vllm-datadog-fixture-v0-plus-v1.txt");
    }
    try (InputStream in = ScrapePathBenchmark.class.getResourceAsStream(resource)) {
      return in.readAllBytes();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  public static void main(String[] args) throws Exception {
    new Runner(
            new OptionsBuilder()
                .include(ScrapePathBenchmark.class.getName())
                .addProfiler(GCProfiler.class)
                .build())
        .run()
        .forEach(
            r -> {
              var alloc = r.getSecondaryResults().get("gc.alloc.rate.norm");
              System.out.printf(
                  "%s: %.1f us, %.0f bytes allocated per scrape%n",
                  r.getParams().getParam("framework"),
                  r.getPrimaryResult().getScore(),
                  alloc == null ? Double.NaN : alloc.getScore());
            });
  }
}
