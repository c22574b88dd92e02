package io.telegen.frameworks.prometheus;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.telegen.testsupport.RealPayloads;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeSet;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Every real /metrics capture in the fixture directory (test-support) parses completely: exact sample and
 * family counts, no rejected lines, and spot values that exercise each server's quirks.
 */
class RealPayloadsTest {

  /** Sample lines and TYPE lines per capture, counted independently with grep. */
  private static final Map<String, long[]> EXPECTED =
      Map.of(
          "llamacpp-ik_llama-pr695-comment.txt", new long[] {10, 10},
          "sglang-datadog-fixture.txt", new long[] {43, 25},
          "tgi-datadog-fixture-PREFIX.txt", new long[] {264, 13},
          "torchserve-datadog-fixture.txt", new long[] {45, 21},
          "torchserve-docs-metrics_api-example.txt", new long[] {17, 21},
          "triton-datadog-fixture-PREFIX.txt", new long[] {153, 28},
          "triton-trtllm-backend-readme-snippet.txt", new long[] {16, 5},
          "vllm-datadog-fixture-v0-plus-v1.txt", new long[] {185, 50});

  static Path fixtures() {
    return RealPayloads.dir();
  }

  static Recorder fixture(String name) throws IOException {
    Path file = fixtures().resolve(name);
    if (!Files.isRegularFile(file)) {
      fail("fixture " + file + " is missing");
    }
    return Recorder.parse(file);
  }

  @Test
  void everyFixtureParsesWithExactCountsAndNoRejects() throws IOException {
    TreeSet<String> files;
    try (Stream<Path> s = Files.list(fixtures())) {
      files =
          s.map(p -> p.getFileName().toString())
              .filter(n -> n.endsWith(".txt"))
              .collect(Collectors.toCollection(TreeSet::new));
    }
    // A new capture without expected counts here should fail, not be skipped silently.
    assertEquals(new TreeSet<>(EXPECTED.keySet()), files, "fixtures without expectations");
    for (String name : files) {
      Recorder r = fixture(name);
      long[] expected = EXPECTED.get(name);
      assertEquals(0, r.report.rejectedLines(), name + ": " + r.report.firstRejections());
      assertEquals(expected[0], r.report.samples(), name + " samples");
      assertEquals(expected[0], r.samples.size(), name + " samples delivered");
      assertEquals(expected[1], r.families.size(), name + " families");
      assertEquals(Files.size(fixtures().resolve(name)), r.report.bytesRead(), name + " bytes");
      assertFalse(r.report.truncated(), name);
      assertFalse(r.report.eofSeen(), name);
    }
  }

  @Test
  void vllmHistogramBucketCarriesLeAndModelNameAndMapsToItsFamily() throws IOException {
    Recorder r = fixture("vllm-datadog-fixture-v0-plus-v1.txt");
    Recorder.Sample bucket =
        r.one(
            "vllm:time_to_first_token_seconds_bucket",
            "le",
            "+Inf",
            "model_name",
            "facebook/opt-125m");
    assertEquals(1.0, bucket.value());
    assertEquals("vllm:time_to_first_token_seconds", bucket.family());
    assertEquals(LabelSet.of("le", "+Inf", "model_name", "facebook/opt-125m"), bucket.labels());
    assertEquals("le", bucket.labels().name(0));
    assertEquals(0.0, r.one("vllm:time_to_first_token_seconds_bucket", "le", "0.1").value());
    Recorder.Sample sum = r.one("vllm:time_to_first_token_seconds_sum");
    assertEquals(0.31326723098754883, sum.value());
    assertEquals("vllm:time_to_first_token_seconds", sum.family());
    assertEquals(
        "vllm:time_to_first_token_seconds",
        r.one("vllm:time_to_first_token_seconds_count").family());
    assertEquals(MetricKind.HISTOGRAM, r.family("vllm:time_to_first_token_seconds").kind());
    assertEquals(
        "Histogram of time to first token in seconds.",
        r.family("vllm:time_to_first_token_seconds").help());
    assertEquals(6.634254336e9, r.one("process_virtual_memory_bytes").value());
    assertEquals(7.358146831393242e-05, r.one("vllm:request_queue_time_seconds_sum").value());
    assertEquals(0.0, r.one("vllm:kv_cache_usage_perc").value());
    Recorder.Sample gc = r.one("python_gc_objects_collected_total", "generation", "0");
    assertEquals(7431.0, gc.value());
    assertEquals("python_gc_objects_collected_total", gc.family());
  }

  @Test
  void torchServeTrailingCommaLabelSetsParse() throws IOException {
    Recorder r = fixture("torchserve-datadog-fixture.txt");
    Recorder.Sample s =
        r.one("ts_inference_latency_microseconds", "model_name", "linear_regression_1_1");
    assertEquals(9136028.087, s.value());
    assertEquals(
        LabelSet.of(
            "model_name",
            "linear_regression_1_1",
            "model_version",
            "default",
            "hostname",
            "21c5890122fc"),
        s.labels());
    assertEquals(60.0, r.one("Requests5XX").value());
    // The file ends without a newline; the last line still counts.
    assertEquals(131.79601669311523, r.one("DiskUsage").value());
    assertEquals(5, r.count("HandlerTime"));
  }

  @Test
  void torchServeDocFamiliesWithoutSamplesAreStillReported() throws IOException {
    Recorder r = fixture("torchserve-docs-metrics_api-example.txt");
    assertEquals(MetricKind.GAUGE, r.family("GPUUtilization").kind());
    assertEquals(0, r.count("GPUUtilization"));
    assertEquals(MetricKind.COUNTER, r.family("Requests5XX").kind());
    assertEquals(
        "Torchserve prometheus counter metric with unit: Count", r.family("Requests5XX").help());
    Recorder.Sample w = r.one("WorkerLoadTime", "WorkerName", "W-9001-resnet18_1.0");
    assertEquals(4592.0, w.value());
    assertEquals("88665a372f4b.ant.amazon.com", w.labels().get("Hostname"));
  }

  @Test
  void tgiBlankLinesAndSummaryQuantiles() throws IOException {
    Recorder r = fixture("tgi-datadog-fixture-PREFIX.txt");
    assertEquals(MetricKind.SUMMARY, r.family("tgi_request_skipped_tokens").kind());
    assertEquals(7, r.count("tgi_request_skipped_tokens"));
    Recorder.Sample count = r.one("tgi_request_skipped_tokens_count");
    assertEquals(3423.0, count.value());
    assertEquals("tgi_request_skipped_tokens", count.family());
    assertEquals(
        "tgi_request_skipped_tokens",
        r.one("tgi_request_skipped_tokens", "quantile", "0.999").family());
    assertEquals(109.0, r.one("tgi_request_success").value());
    // A counter whose own name ends in _count is its own family, not a summary part.
    assertEquals("tgi_request_count", r.one("tgi_request_count").family());
    assertEquals(
        109.0, r.one("tgi_request_input_length_bucket", "le", "15.330000000000002").value());
  }

  @Test
  void tritonSummariesAndGpuLabels() throws IOException {
    Recorder r = fixture("triton-datadog-fixture-PREFIX.txt");
    Recorder.Sample q =
        r.one("nv_inference_request_summary_us", "model", "simple_string", "quantile", "0.99");
    assertEquals(3.0, q.value());
    assertEquals("nv_inference_request_summary_us", q.family());
    assertEquals(
        "nv_inference_request_summary_us",
        r.one("nv_inference_request_summary_us_sum", "model", "simple_string").family());
    assertEquals(3.0, r.one("nv_inference_count", "model", "densenet_onnx").value());
    assertEquals(
        4879631.328000044,
        r.one("nv_energy_consumption", "gpu_uuid", "GPU-951eeeeb-d284-d263-688e-d98a5306389b")
            .value());
  }

  @Test
  void tritonTrtLlmGauges() throws IOException {
    Recorder r = fixture("triton-trtllm-backend-readme-snippet.txt");
    assertEquals(
        6239.0, r.one("nv_trt_llm_kv_cache_block_metrics", "kv_cache_block_type", "max").value());
    assertEquals(
        1610236.0, r.one("nv_trt_llm_runtime_memory_metrics", "memory_type", "gpu").value());
  }

  @Test
  void sglangColonNamesAndTpRank() throws IOException {
    Recorder r = fixture("sglang-datadog-fixture.txt");
    Recorder.Sample used = r.one("sglang:num_used_tokens");
    assertEquals(37.0, used.value());
    assertEquals(LabelSet.of("model_name", "facebook/opt-125m", "tp_rank", "0"), used.labels());
    Recorder.Sample bucket = r.one("sglang:time_to_first_token_seconds_bucket", "le", "0.1");
    assertEquals(1.0, bucket.value());
    assertEquals("sglang:time_to_first_token_seconds", bucket.family());
    assertEquals(0.25, r.one("sglang:token_usage").value());
  }

  @Test
  void llamaCppUnlabelledGauges() throws IOException {
    Recorder r = fixture("llamacpp-ik_llama-pr695-comment.txt");
    Recorder.Sample tokens = r.one("llamacpp:kv_cache_tokens");
    assertEquals(31428.0, tokens.value());
    assertEquals(0, tokens.labels().size());
    assertEquals(2903.63, r.one("llamacpp:prompt_seconds_total").value());
    assertEquals(0.0, r.one("llamacpp:requests_deferred").value());
    assertTrue(r.families.stream().allMatch(f -> f.help() != null));
  }
}
