package io.telegen.agent.export;

import static io.telegen.agent.export.TestPipelines.TRAINING_GPU;
import static io.telegen.agent.export.TestPipelines.agentPipeline;
import static io.telegen.agent.export.TestPipelines.source;
import static io.telegen.agent.export.TestPipelines.trainingJobGpus;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.telegen.agent.telemetry.AgentTelemetry;
import io.telegen.catalog.MetricCatalog;
import io.telegen.frameworks.llm.LlmNormalizer;
import io.telegen.frameworks.llm.LlmTarget;
import io.telegen.frameworks.prometheus.PrometheusTextParser;
import io.telegen.source.Exemplar;
import io.telegen.source.Labels;
import io.telegen.source.MetricBatch;
import io.telegen.source.MetricSource;
import io.telegen.testsupport.RealPayloads;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * A collection's request written straight from the batch is, byte for byte, the request the
 * pipeline builds from messages and encodes: for the real serving captures normalised over two
 * scrapes (counters with start times, histograms, rates), for a metric whose points go under two
 * resources, and for the edge values protobuf writes or leaves out (zeros, NaN, -0.0, empty
 * histograms).
 */
class OtlpMetricsWriterTest {

  private final MetricsPipeline pipeline = agentPipeline(new AgentTelemetry(1L));

  @Test
  void everyServingCaptureNormalisedOverTwoScrapesIsWrittenAsItIsBuilt() throws IOException {
    List<Path> files;
    try (Stream<Path> s = Files.list(RealPayloads.dir())) {
      files = s.filter(p -> p.toString().endsWith(".txt")).sorted().toList();
    }
    Set<String> frameworks = LlmNormalizer.frameworks();
    int compared = 0;
    for (Path file : files) {
      String framework = file.getFileName().toString().split("-")[0];
      if (!frameworks.contains(framework)) {
        continue; // a capture of no scraped framework
      }
      LlmNormalizer normalizer =
          LlmNormalizer.create(
              new LlmTarget(framework, "127.0.0.1:8000", null, "0", Set.of(), null));
      for (int scrape = 1; scrape <= 2; scrape++) {
        normalizer.beginScrape();
        try (InputStream in = Files.newInputStream(file)) {
          PrometheusTextParser.parse(in, Long.MAX_VALUE, normalizer);
        }
        MetricBatch batch =
            new MetricBatch(MetricCatalog.load(), 1_700_000_000_000_000_000L + scrape * 10L);
        normalizer.endScrape(batch);
        assertTrue(batch.pointCount() > 0, file + " gave no points");
        assertSameBytes(source(framework), batch);
        compared++;
      }
    }
    assertEquals(16, compared, "8 captures of scraped frameworks, 2 scrapes each: " + files);
  }

  @Test
  void aMetricWithPointsForBothResourcesIsWrittenAsItIsBuilt() {
    MetricBatch gpus = trainingJobGpus();
    assertSameBytes(source("nvml"), gpus);

    MetricBatch onlyOwn = new MetricBatch(MetricCatalog.load(), 1);
    onlyOwn.gauge("gpu_utilization_percent", 1, TRAINING_GPU);
    assertSameBytes(source("nvml"), onlyOwn);
  }

  @Test
  void valuesProtobufLeavesOutOrMustWriteAreWrittenAsTheyAreBuilt() {
    Labels llm = Labels.of("model", "m", "instance", "127.0.0.1:8000", "framework", "vllm");
    MetricBatch edges = new MetricBatch(MetricCatalog.load(), 0); // time 0: left out
    edges.gauge("llm_queue_depth", 0.0, llm);
    edges.gauge("llm_queue_depth", -0.0, llm.and("engine", "0"));
    edges.gauge("llm_batch_size", Double.NaN, llm);
    edges.counter("llm_request_total", 0, 0L, llm.and("status", "success"));
    edges.counter("llm_request_total", 1e300, Long.MAX_VALUE, llm.and("status", "failure"));
    edges.histogram("llm_request_duration_seconds", new double[0], new long[] {0}, 0.0, 0, 0L, llm);
    edges.histogram(
        "llm_request_duration_seconds",
        new double[] {0.1, 1, Double.MAX_VALUE},
        new long[] {1, 0, 300, Long.MAX_VALUE},
        -0.0,
        Long.MAX_VALUE,
        7L,
        llm.and("engine", "1"));
    assertSameBytes(source("vllm"), edges);

    MetricBatch self = new MetricBatch(MetricCatalog.load(), 5);
    self.gauge("telegen_agent_queue_length", 3, Labels.empty());
    assertSameBytes(source("self"), self);
  }

  @Test
  void aBatchWithExemplarsIsStillBuilt() {
    Labels llm = Labels.of("model", "m", "instance", "127.0.0.1:8000", "framework", "vllm");
    MetricBatch traced = new MetricBatch(MetricCatalog.load(), 9);
    traced.histogram(
        "llm_request_duration_seconds",
        new double[] {1},
        new long[] {1, 0},
        0.5,
        1,
        3L,
        llm,
        List.of(new Exemplar(0.5, 8L, new byte[16], new byte[8])));
    assertTrue(traced.hasExemplars());
    assertArrayEquals(
        pipeline.toBuiltItem(source("llm_traces"), traced).toBytes(),
        pipeline.toItem(source("llm_traces"), traced).toBytes());
  }

  private void assertSameBytes(MetricSource source, MetricBatch batch) {
    ExportItem built = pipeline.toBuiltItem(source, batch);
    ExportItem written = pipeline.toItem(source, batch);
    assertArrayEquals(built.toBytes(), written.toBytes(), batch.recorded().toString());
    assertEquals(built.items(), written.items());
    assertEquals(built.request(), written.request());
  }
}
