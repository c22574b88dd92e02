package io.telegen.frameworks.llm;

import static io.telegen.frameworks.llm.Scrapes.T1;
import static io.telegen.frameworks.llm.Scrapes.T2;
import static io.telegen.frameworks.llm.Scrapes.assertHistogram;
import static io.telegen.frameworks.llm.Scrapes.assertValue;
import static io.telegen.frameworks.llm.Scrapes.get;
import static io.telegen.frameworks.llm.Scrapes.names;
import static io.telegen.frameworks.llm.Scrapes.read;
import static io.telegen.frameworks.llm.Scrapes.resource;
import static io.telegen.frameworks.llm.Scrapes.scrape;
import static io.telegen.frameworks.llm.Scrapes.sharedFixture;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/**
 * Every real fixture (and the synthetic TF Serving, NIM and LMDeploy payloads) scraped twice: the
 * capture, then a copy with known increases (src/test/resources/llm/make_second_scrapes.py), 10 s
 * apart. Values are asserted exactly.
 */
class LlmNormalizerFixturesTest {

  private static LlmNormalizer normalizer(String framework, String model, KvCacheModel kv) {
    return LlmNormalizer.create(new LlmTarget(framework, "h:1", model, null, Set.of(), kv));
  }

  private static Set<String> set(String... names) {
    return new TreeSet<>(Set.of(names));
  }

  @Test
  void vllmV0PlusV1CapturePrefersNewNamesAndDerivesKvBytesAndTokenRate() {
    LlmNormalizer n = normalizer("vllm", null, new KvCacheModel(131072));
    String s = "{framework=vllm,instance=h:1,model=facebook/opt-125m";
    Map<String, Scrapes.Point> first =
        scrape(n, read(sharedFixture("vllm-datadog-fixture-v0-plus-v1.txt")), T1);

    assertEquals(
        set(
            "llm_batch_size",
            "llm_inter_token_latency_seconds",
            "llm_kv_cache_capacity_bytes",
            "llm_kv_cache_capacity_tokens",
            "llm_kv_cache_usage_bytes",
            "llm_kv_cache_usage_ratio",
            "llm_kv_cache_usage_tokens",
            "llm_prompt_tokens_total",
            "llm_queue_depth",
            "llm_request_duration_seconds",
            "llm_request_total",
            "llm_time_to_first_token_seconds",
            "llm_tokens_generated_total"),
        names(first),
        "no tokens/s on the first scrape");
    assertValue(first, "llm_request_total" + s + ",status=success}", 1);
    assertEquals(T1, get(first, "llm_request_total" + s + ",status=success}").start());
    assertValue(first, "llm_tokens_generated_total" + s + "}", 7);
    assertValue(first, "llm_prompt_tokens_total" + s + "}", 5);
    assertValue(first, "llm_queue_depth" + s + "}", 0);
    assertValue(first, "llm_batch_size" + s + "}", 0);
    assertValue(first, "llm_kv_cache_usage_ratio" + s + "}", 0);
    assertValue(first, "llm_kv_cache_capacity_tokens" + s + "}", 7281 * 16);
    assertValue(first, "llm_kv_cache_capacity_bytes" + s + "}", 7281.0 * 16 * 131072);
    assertValue(first, "llm_kv_cache_usage_tokens" + s + "}", 0);
    assertHistogram(
        first,
        "llm_request_duration_seconds" + s + "}",
        new double[] {1, 2.5, 5, 10, 15, 20, 30, 40, 50, 60},
        new long[] {1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0},
        0.5034303665161133,
        1);
    assertHistogram(
        first,
        "llm_time_to_first_token_seconds" + s + "}",
        new double[] {
          0.001, 0.005, 0.01, 0.02, 0.04, 0.06, 0.08, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10
        },
        new long[] {0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0},
        0.31326723098754883,
        1);
    // the V1 name wins over the deprecated time_per_output_token_seconds in the same payload
    assertHistogram(
        first,
        "llm_inter_token_latency_seconds" + s + "}",
        new double[] {0.01, 0.1},
        new long[] {141, 3, 0},
        0.6237391703762114,
        144);

    Map<String, Scrapes.Point> second = scrape(n, read(resource("vllm-second.txt")), T2);
    // length 3 + stop 4 are successes, abort 1 is a failure
    assertValue(second, "llm_request_total" + s + ",status=success}", 7);
    assertValue(second, "llm_request_total" + s + ",status=failure}", 1);
    assertEquals(T1, get(second, "llm_request_total" + s + ",status=success}").start());
    assertEquals(T2, get(second, "llm_request_total" + s + ",status=failure}").start());
    assertValue(second, "llm_tokens_generated_total" + s + "}", 107);
    assertEquals(T1, get(second, "llm_tokens_generated_total" + s + "}").start());
    assertValue(second, "llm_tokens_per_second" + s + "}", 10.0); // 100 tokens / 10 s
    assertValue(second, "llm_prompt_tokens_total" + s + "}", 25);
    assertValue(second, "llm_queue_depth" + s + "}", 2);
    assertValue(second, "llm_batch_size" + s + "}", 5);
    assertValue(second, "llm_kv_cache_usage_ratio" + s + "}", 0.25); // not gpu_cache_usage 0.5
    assertValue(second, "llm_kv_cache_usage_tokens" + s + "}", 29124);
    assertValue(second, "llm_kv_cache_usage_bytes" + s + "}", 29124.0 * 131072);
    assertHistogram(
        second,
        "llm_time_to_first_token_seconds" + s + "}",
        new double[] {
          0.001, 0.005, 0.01, 0.02, 0.04, 0.06, 0.08, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10
        },
        new long[] {0, 0, 0, 0, 0, 0, 0, 1, 0, 1, 0, 0, 0, 0, 0, 0, 0},
        0.5,
        2);
    assertEquals(T1, get(second, "llm_time_to_first_token_seconds" + s + "}").start());
    assertHistogram(
        second,
        "llm_inter_token_latency_seconds" + s + "}",
        new double[] {0.01, 0.1},
        new long[] {150, 10, 1},
        0.75,
        161);
    assertEquals(Set.of("facebook/opt-125m"), n.modelsSeen());
  }

  @Test
  void vllmWithoutKvCacheModelGivesRatioAndTokensButNoBytes() {
    LlmNormalizer n = normalizer("vllm", null, null);
    Map<String, Scrapes.Point> first =
        scrape(n, read(sharedFixture("vllm-datadog-fixture-v0-plus-v1.txt")), T1);
    assertFalse(names(first).contains("llm_kv_cache_usage_bytes"));
    assertFalse(names(first).contains("llm_kv_cache_capacity_bytes"));
    assertValue(
        first,
        "llm_kv_cache_capacity_tokens{framework=vllm,instance=h:1," + "model=facebook/opt-125m}",
        116496);
  }

  @Test
  void tgiTakesTheModelFromTheOverrideAndCountsTokensFromHistogramSums() {
    LlmNormalizer n = normalizer("tgi", "bigscience/bloom-560m", null);
    String s = "{framework=tgi,instance=h:1,model=bigscience/bloom-560m";
    Map<String, Scrapes.Point> first =
        scrape(n, read(sharedFixture("tgi-datadog-fixture-PREFIX.txt")), T1);
    // the capture is cut before tgi_request_duration and generated_tokens: those stay absent
    assertEquals(
        set(
            "llm_batch_size",
            "llm_kv_cache_usage_tokens",
            "llm_prompt_tokens_total",
            "llm_queue_depth",
            "llm_request_total"),
        names(first));
    assertValue(first, "llm_request_total" + s + ",status=success}", 109);
    assertValue(first, "llm_request_total" + s + ",status=failure}", 2);
    assertValue(first, "llm_prompt_tokens_total" + s + "}", 662);
    assertValue(first, "llm_queue_depth" + s + "}", 0);
    assertValue(first, "llm_batch_size" + s + "}", 0);
    assertValue(first, "llm_kv_cache_usage_tokens" + s + "}", 0);

    Map<String, Scrapes.Point> second = scrape(n, read(resource("tgi-second.txt")), T2);
    assertValue(second, "llm_request_total" + s + ",status=success}", 119);
    assertValue(second, "llm_request_total" + s + ",status=failure}", 3); // summed over err
    assertValue(second, "llm_prompt_tokens_total" + s + "}", 702);
    assertEquals(T1, get(second, "llm_prompt_tokens_total" + s + "}").start());
    assertValue(second, "llm_queue_depth" + s + "}", 3);
    assertValue(second, "llm_batch_size" + s + "}", 4);
    assertValue(second, "llm_kv_cache_usage_tokens" + s + "}", 1000);
    assertEquals(Set.of("bigscience/bloom-560m"), n.modelsSeen());
  }

  @Test
  void tgiWithoutModelOverrideLabelsItsSeriesUnknown() {
    LlmNormalizer n = normalizer("tgi", null, null);
    Map<String, Scrapes.Point> first =
        scrape(n, read(sharedFixture("tgi-datadog-fixture-PREFIX.txt")), T1);
    assertValue(
        first,
        "llm_request_total{framework=tgi,instance=h:1,model=unknown," + "status=success}",
        109);
    assertEquals(Set.of("unknown"), n.modelsSeen());
  }

  @Test
  void tritonCountsSuccessAndFailureAndDerivesBatchSizeFromExecutionDeltas() {
    LlmNormalizer n = normalizer("triton", null, null);
    String d = "{framework=triton,instance=h:1,model=densenet_onnx";
    Map<String, Scrapes.Point> first =
        scrape(n, read(sharedFixture("triton-datadog-fixture-PREFIX.txt")), T1);
    assertEquals(
        set("llm_queue_depth", "llm_request_total"),
        names(first),
        "batch size needs two scrapes; latency counters are means and are left out");
    assertValue(first, "llm_request_total" + d + ",status=success}", 3);
    assertValue(first, "llm_request_total" + d + ",status=failure}", 0);
    assertValue(
        first,
        "llm_request_total{framework=triton,instance=h:1,model=simple," + "status=success}",
        0);
    assertValue(first, "llm_queue_depth" + d + "}", 0);
    assertEquals(8, n.modelsSeen().size());

    Map<String, Scrapes.Point> second = scrape(n, read(resource("triton-second.txt")), T2);
    assertValue(second, "llm_request_total" + d + ",status=success}", 10);
    assertValue(second, "llm_request_total" + d + ",status=failure}", 2);
    assertValue(second, "llm_queue_depth" + d + "}", 5);
    assertValue(second, "llm_batch_size" + d + "}", 3.0); // (15-3) / (7-3)
    // models that executed nothing in the interval have no batch size, not 0 or NaN
    assertEquals(1, second.keySet().stream().filter(k -> k.startsWith("llm_batch_size")).count());
  }

  @Test
  void tritonTensorRtLlmGaugesGiveBatchQueueAndKvTokens() {
    LlmNormalizer n = normalizer("triton", null, new KvCacheModel(1000));
    String s = "{framework=triton,instance=h:1,model=tensorrt_llm}";
    Map<String, Scrapes.Point> first =
        scrape(n, read(sharedFixture("triton-trtllm-backend-readme-snippet.txt")), T1);
    assertEquals(
        set(
            "llm_batch_size",
            "llm_kv_cache_capacity_bytes",
            "llm_kv_cache_capacity_tokens",
            "llm_kv_cache_usage_bytes",
            "llm_kv_cache_usage_ratio",
            "llm_kv_cache_usage_tokens"),
        names(first),
        "no waiting gauge in the snippet: no queue");
    assertValue(first, "llm_batch_size" + s, 0);
    assertValue(first, "llm_kv_cache_usage_tokens" + s, 64);
    assertValue(first, "llm_kv_cache_capacity_tokens" + s, 6239 * 64);
    assertValue(first, "llm_kv_cache_usage_ratio" + s, 64.0 / (6239 * 64));
    assertValue(first, "llm_kv_cache_usage_bytes" + s, 64_000);
    assertValue(first, "llm_kv_cache_capacity_bytes" + s, 6239.0 * 64 * 1000);

    Map<String, Scrapes.Point> second = scrape(n, read(resource("triton-trtllm-second.txt")), T2);
    assertValue(second, "llm_batch_size" + s, 3);
    assertValue(second, "llm_queue_depth" + s, 2);
    assertValue(second, "llm_kv_cache_usage_tokens" + s, 640);
    assertValue(second, "llm_kv_cache_usage_ratio" + s, 10.0 / 6239);
  }

  @Test
  void torchServeCapturesYieldOnlyRequestCountsPerModel() {
    LlmNormalizer n = normalizer("torchserve", null, null);
    String s = "{framework=torchserve,instance=h:1,model=linear_regression_1_1}";
    Map<String, Scrapes.Point> first =
        scrape(n, read(sharedFixture("torchserve-datadog-fixture.txt")), T1);
    assertEquals(set("llm_request_total"), names(first));
    assertEquals(5, first.size());
    assertValue(first, "llm_request_total" + s, 11);
    Map<String, Scrapes.Point> second = scrape(n, read(resource("torchserve-second.txt")), T2);
    assertValue(second, "llm_request_total" + s, 20);
    assertEquals(T1, get(second, "llm_request_total" + s).start());
    assertValue(
        second,
        "llm_request_total{framework=torchserve,instance=h:1," + "model=linear_regression_2_2}",
        11);

    LlmNormalizer docs = normalizer("torchserve", null, null);
    String r = "llm_request_total{framework=torchserve,instance=h:1,model=resnet18}";
    assertValue(
        scrape(docs, read(sharedFixture("torchserve-docs-metrics_api-example.txt")), T1), r, 3);
    assertValue(scrape(docs, read(resource("torchserve-docs-second.txt")), T2), r, 7);
  }

  @Test
  void sglangUsesItsOwnThroughputGaugeAndKeepsTpRankAsEngine() {
    LlmNormalizer n = normalizer("sglang", null, new KvCacheModel(18432));
    String e = "{engine=0,framework=sglang,instance=h:1,model=facebook/opt-125m}";
    String h = "{framework=sglang,instance=h:1,model=facebook/opt-125m}";
    Map<String, Scrapes.Point> first =
        scrape(n, read(sharedFixture("sglang-datadog-fixture.txt")), T1);
    assertValue(first, "llm_request_total" + e, 1);
    assertValue(first, "llm_tokens_generated_total" + e, 32);
    assertValue(first, "llm_prompt_tokens_total" + e, 5);
    assertValue(first, "llm_tokens_per_second" + e, 425.5);
    assertValue(first, "llm_queue_depth" + e, 0);
    assertValue(first, "llm_batch_size" + e, 0);
    assertValue(first, "llm_kv_cache_usage_ratio" + e, 0.25);
    assertValue(first, "llm_kv_cache_usage_tokens" + e, 37);
    assertValue(first, "llm_kv_cache_capacity_tokens" + e, 430839);
    assertValue(first, "llm_kv_cache_usage_bytes" + e, 37 * 18432);
    assertValue(first, "llm_kv_cache_capacity_bytes" + e, 430839.0 * 18432);
    assertHistogram(
        first,
        "llm_time_to_first_token_seconds" + h,
        new double[] {0.1},
        new long[] {1, 0},
        0.02,
        1);
    assertHistogram(
        first,
        "llm_inter_token_latency_seconds" + h,
        new double[] {0.01},
        new long[] {31, 0},
        0.05,
        31);
    assertHistogram(
        first, "llm_request_duration_seconds" + h, new double[] {0.1}, new long[] {1, 0}, 0.07, 1);

    Map<String, Scrapes.Point> second = scrape(n, read(resource("sglang-second.txt")), T2);
    assertValue(second, "llm_request_total" + e, 3);
    assertValue(second, "llm_tokens_generated_total" + e, 96);
    assertValue(second, "llm_prompt_tokens_total" + e, 15);
    assertValue(second, "llm_tokens_per_second" + e, 300); // the gauge, not 64/10
    assertValue(second, "llm_queue_depth" + e, 1);
    assertValue(second, "llm_batch_size" + e, 2);
    assertValue(second, "llm_kv_cache_usage_tokens" + e, 100);
    assertHistogram(
        second, "llm_request_duration_seconds" + h, new double[] {0.1}, new long[] {1, 1}, 1.07, 2);
  }

  @Test
  void llamaCppDerivesTokensPerSecondAndTakesTheModelFromTheOverride() {
    LlmNormalizer n = normalizer("llamacpp", "qwen2.5-7b-q4", null);
    String s = "{framework=llamacpp,instance=h:1,model=qwen2.5-7b-q4}";
    Map<String, Scrapes.Point> first =
        scrape(n, read(sharedFixture("llamacpp-ik_llama-pr695-comment.txt")), T1);
    assertEquals(
        set(
            "llm_batch_size",
            "llm_kv_cache_usage_ratio",
            "llm_kv_cache_usage_tokens",
            "llm_prompt_tokens_total",
            "llm_queue_depth",
            "llm_tokens_generated_total"),
        names(first));
    assertValue(first, "llm_tokens_generated_total" + s, 3469);
    assertValue(first, "llm_prompt_tokens_total" + s, 6886);
    assertValue(first, "llm_kv_cache_usage_ratio" + s, 0.491063);
    assertValue(first, "llm_kv_cache_usage_tokens" + s, 31428);
    assertValue(first, "llm_queue_depth" + s, 0);
    assertValue(first, "llm_batch_size" + s, 0);

    Map<String, Scrapes.Point> second = scrape(n, read(resource("llamacpp-second.txt")), T2);
    assertValue(second, "llm_tokens_generated_total" + s, 4000);
    assertValue(second, "llm_tokens_per_second" + s, 53.1); // (4000-3469) / 10 s
    assertValue(second, "llm_prompt_tokens_total" + s, 7000);
    assertValue(second, "llm_queue_depth" + s, 1);
    assertValue(second, "llm_batch_size" + s, 2);
  }

  @Test
  void tfServingConvertsMicrosecondBucketsAndSumsOverApiAndEntrypoint() {
    LlmNormalizer n = normalizer("tensorflow_serving", null, null);
    // One spelling: the config key is the framework label value.
    String s = "{framework=tensorflow_serving,instance=h:1,model=half_plus_two";
    Map<String, Scrapes.Point> first = scrape(n, read(resource("tfserving-first.txt")), T1);
    assertEquals(set("llm_request_duration_seconds", "llm_request_total"), names(first));
    assertValue(first, "llm_request_total" + s + ",status=success}", 10);
    assertValue(first, "llm_request_total" + s + ",status=failure}", 2);
    // REST + GRPC merged: cumulative 1, 2, 7, 12 at 10, 18, 32.4 us, +Inf
    assertHistogram(
        first,
        "llm_request_duration_seconds" + s + "}",
        new double[] {1.0e-5, 1.8e-5, 3.24e-5},
        new long[] {1, 1, 5, 5},
        5.2e-4,
        12);

    Map<String, Scrapes.Point> second = scrape(n, read(resource("tfserving-second.txt")), T2);
    assertValue(second, "llm_request_total" + s + ",status=success}", 16);
    assertValue(second, "llm_request_total" + s + ",status=failure}", 4);
    assertHistogram(
        second,
        "llm_request_duration_seconds" + s + "}",
        new double[] {1.0e-5, 1.8e-5, 3.24e-5},
        new long[] {2, 1, 8, 7},
        7.3e-4,
        18);
    // batches in the interval: 2 of size 1 and 2 of size 8 -> (2 + 16) / 4
    assertValue(second, "llm_batch_size" + s + "}", 4.5);
  }

  @Test
  void nimUnprefixedNamesFallBackToTimePerOutputToken() {
    LlmNormalizer n = normalizer("nim", null, null);
    String s = "{framework=nim,instance=h:1,model=meta/llama-3.1-8b-instruct";
    Map<String, Scrapes.Point> first = scrape(n, read(resource("nim-first.txt")), T1);
    assertValue(first, "llm_request_total" + s + ",status=success}", 40);
    assertValue(first, "llm_request_total" + s + ",status=failure}", 1);
    assertValue(first, "llm_tokens_generated_total" + s + "}", 5000);
    assertValue(first, "llm_prompt_tokens_total" + s + "}", 2000);
    assertValue(first, "llm_batch_size" + s + "}", 1);
    assertValue(first, "llm_kv_cache_usage_ratio" + s + "}", 0.125);
    assertHistogram(
        first,
        "llm_inter_token_latency_seconds" + s + "}",
        new double[] {0.01, 0.025},
        new long[] {100, 4800, 60},
        80,
        4960);
    Map<String, Scrapes.Point> second = scrape(n, read(resource("nim-second.txt")), T2);
    assertValue(second, "llm_request_total" + s + ",status=success}", 44);
    assertValue(second, "llm_queue_depth" + s + "}", 3);
    assertValue(second, "llm_tokens_per_second" + s + "}", 60);
  }

  @Test
  void lmdeployKeepsEnginesApartAndSkipsTheRateOfARestartedEngine() {
    LlmNormalizer n = normalizer("lmdeploy", null, null);
    String e0 = "{engine=0,framework=lmdeploy,instance=h:1,model=internlm2}";
    String e1 = "{engine=1,framework=lmdeploy,instance=h:1,model=internlm2}";
    Map<String, Scrapes.Point> first = scrape(n, read(resource("lmdeploy-first.txt")), T1);
    assertValue(
        first,
        "llm_request_total{engine=0,framework=lmdeploy,instance=h:1,"
            + "model=internlm2,status=success}",
        12);
    assertValue(first, "llm_batch_size" + e0, 4);
    assertValue(first, "llm_batch_size" + e1, 2);
    assertValue(first, "llm_queue_depth" + e0, 1);
    assertValue(first, "llm_kv_cache_usage_ratio" + e1, 0.25);
    assertValue(first, "llm_prompt_tokens_total" + e0, 300);
    assertHistogram(
        first,
        "llm_inter_token_latency_seconds" + e0,
        new double[] {0.005, 0.01},
        new long[] {10, 890, 100},
        9.5,
        1000);

    Map<String, Scrapes.Point> second = scrape(n, read(resource("lmdeploy-second.txt")), T2);
    assertValue(second, "llm_tokens_per_second" + e0, 25);
    assertFalse(second.containsKey("llm_tokens_per_second" + e1), "engine 1 went 500 -> 100");
    assertValue(second, "llm_tokens_generated_total" + e1, 100);
    assertEquals(T2, get(second, "llm_tokens_generated_total" + e1).start());
    assertEquals(T1, get(second, "llm_tokens_generated_total" + e0).start());
  }
}
