package io.telegen.frameworks.llm;

import static io.telegen.frameworks.llm.Scrapes.T1;
import static io.telegen.frameworks.llm.Scrapes.T2;
import static io.telegen.frameworks.llm.Scrapes.T3;
import static io.telegen.frameworks.llm.Scrapes.assertValue;
import static io.telegen.frameworks.llm.Scrapes.get;
import static io.telegen.frameworks.llm.Scrapes.names;
import static io.telegen.frameworks.llm.Scrapes.read;
import static io.telegen.frameworks.llm.Scrapes.resource;
import static io.telegen.frameworks.llm.Scrapes.scrape;
import static io.telegen.frameworks.llm.Scrapes.sharedFixture;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.telegen.catalog.MetricDefinition;
import io.telegen.frameworks.serving.ServingFrameworks;
import java.io.IOException;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/** Cross-scrape state, duplicates, filtering, validation and the KV byte formula. */
class LlmNormalizerBehaviourTest {

  private static final String VLLM = "{framework=vllm,instance=h:1,model=facebook/opt-125m";

  private static LlmNormalizer vllm(Set<String> groups) {
    return LlmNormalizer.create(new LlmTarget("vllm", "h:1", null, null, groups, null));
  }

  @Test
  void aCounterThatGoesDownRestartsItsStartTimeAndGivesNoRate() {
    LlmNormalizer n = vllm(Set.of());
    scrape(n, read(sharedFixture("vllm-datadog-fixture-v0-plus-v1.txt")), T1);
    scrape(n, read(resource("vllm-second.txt")), T2);
    // server restarted: the first capture again, with lower counters
    Map<String, Scrapes.Point> third =
        scrape(n, read(sharedFixture("vllm-datadog-fixture-v0-plus-v1.txt")), T3);
    assertValue(third, "llm_tokens_generated_total" + VLLM + "}", 7);
    assertEquals(T3, get(third, "llm_tokens_generated_total" + VLLM + "}").start());
    assertFalse(names(third).contains("llm_tokens_per_second"), "no negative or guessed rate");
    assertEquals(T3, get(third, "llm_inter_token_latency_seconds" + VLLM + "}").start());
    assertValue(third, "llm_request_total" + VLLM + ",status=success}", 1);
    assertEquals(T3, get(third, "llm_request_total" + VLLM + ",status=success}").start());
    // a series absent after the restart (abort -> failure) is dropped, not carried over
    assertFalse(third.containsKey("llm_request_total" + VLLM + ",status=failure}"));
  }

  @Test
  void duplicateSeriesAreCountedOnceAndReported() {
    LlmNormalizer n =
        LlmNormalizer.create(new LlmTarget("llamacpp", "h:1", "m", null, Set.of(), null));
    String payload =
        "llamacpp:tokens_predicted_total 10\nllamacpp:tokens_predicted_total 99\n"
            + "llamacpp:requests_deferred 1\n";
    Map<String, Scrapes.Point> points = scrape(n, payload, T1);
    assertValue(points, "llm_tokens_generated_total{framework=llamacpp,instance=h:1,model=m}", 10);
    assertEquals(1, n.duplicatesInLastScrape());
    scrape(n, "llamacpp:tokens_predicted_total 20\n", T2);
    assertEquals(0, n.duplicatesInLastScrape());
  }

  @Test
  void metricGroupsLimitTheOutput() {
    LlmNormalizer n = vllm(Set.of("queue_depth", "tokens_per_second"));
    Map<String, Scrapes.Point> first =
        scrape(n, read(sharedFixture("vllm-datadog-fixture-v0-plus-v1.txt")), T1);
    assertEquals(new TreeSet<>(Set.of("llm_queue_depth")), names(first));
    Map<String, Scrapes.Point> second = scrape(n, read(resource("vllm-second.txt")), T2);
    // the rate still comes from the (filtered-out) generated-tokens counter
    assertEquals(new TreeSet<>(Set.of("llm_queue_depth", "llm_tokens_per_second")), names(second));
    assertValue(second, "llm_tokens_per_second" + VLLM + "}", 10);
  }

  @Test
  void gpuLabelIsAddedWhenTheTargetKnowsIt() {
    LlmNormalizer n =
        LlmNormalizer.create(new LlmTarget("vllm", "h:1", null, "0,1", Set.of(), null));
    Map<String, Scrapes.Point> first =
        scrape(n, read(sharedFixture("vllm-datadog-fixture-v0-plus-v1.txt")), T1);
    assertValue(
        first,
        "llm_queue_depth{framework=vllm,gpu=0,1,instance=h:1," + "model=facebook/opt-125m}",
        0);
  }

  @Test
  void unknownFrameworkAndUnknownGroupAreRejected() {
    assertThrows(
        IllegalArgumentException.class,
        () -> LlmNormalizer.create(new LlmTarget("ollama", "h:1", null, null, Set.of(), null)));
    assertThrows(
        IllegalArgumentException.class,
        () -> new LlmTarget("vllm", "h:1", null, null, Set.of("latency"), null));
  }

  @Test
  void everyFrameworkOfTheApiIsInTheTable() {
    assertEquals(
        Set.of(
            "vllm",
            "tgi",
            "triton",
            "tensorflow_serving",
            "torchserve",
            "sglang",
            "llamacpp",
            "lmdeploy",
            "nim"),
        LlmNormalizer.frameworks());
  }

  @Test
  void theMappingAssignsEveryDeclaredMetricGroupAndNoOther() {
    assertEquals(ServingFrameworks.METRIC_GROUPS, Set.copyOf(Mapping.get().groups().values()));
    assertEquals("kv_cache_usage", Mapping.get().group("llm_kv_cache_usage_bytes"));
  }

  @Test
  void everyMappedMetricIsInTheCatalogWithThatFrameworkAsSource() {
    Mapping mapping = Mapping.get();
    for (String name : mapping.frameworkNames()) {
      Mapping.Framework fw = mapping.framework(name);
      Set<String> emitted = new TreeSet<>();
      for (Mapping.Rule rule : fw.rules()) {
        emitted.add(rule.target());
      }
      for (String metric : emitted) {
        MetricDefinition def = Scrapes.CATALOG.get(metric);
        assertTrue(
            def.sources().contains(fw.name()),
            metric + " lists sources " + def.sources() + " but " + fw.name() + " emits it");
      }
    }
  }

  @Test
  void llama3LikeConfigGives131072BytesPerToken() throws IOException {
    var config = resource("llama3-8b-config.json");
    assertEquals(
        Optional.of(new KvCacheModel(131072)), KvCacheModel.fromConfigJson(config, "auto", 1));
    assertEquals(
        Optional.of(new KvCacheModel(65536)), KvCacheModel.fromConfigJson(config, null, 2));
    assertEquals(
        Optional.of(new KvCacheModel(65536)), KvCacheModel.fromConfigJson(config, "fp8_e4m3", 1));
    // 8 KV heads over 16 GPUs: heads are replicated, one per GPU
    assertEquals(
        Optional.of(new KvCacheModel(2L * 32 * 1 * 128 * 2)),
        KvCacheModel.fromConfigJson(config, "auto", 16));
  }

  @Test
  void mlaConfigHasNoByteFigure() throws IOException {
    assertEquals(
        Optional.empty(),
        KvCacheModel.fromConfigJson(resource("deepseek-v3-mla-config.json"), "auto", 1));
  }
}
