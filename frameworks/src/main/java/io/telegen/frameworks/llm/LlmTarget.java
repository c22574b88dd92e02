package io.telegen.frameworks.llm;

import java.util.Set;

/**
 * One LLM serving endpoint to normalise: which framework it runs and the labels its points get.
 *
 * @param framework one of {@code vllm, tgi, triton, tensorflow_serving, torchserve, sglang,
 *     llamacpp, lmdeploy, nim}
 * @param instance {@code host:port} of the server, the {@code instance} label
 * @param modelOverride the model name when the server's metrics carry none (TGI's /info
 *     {@code model_id}, llama.cpp's /props), else {@code null}
 * @param gpu value of the {@code gpu} label (device index or comma-joined indices), or {@code null}
 * @param metricGroups groups to emit; empty means all. Names: {@code request_count,
 *     request_duration, time_to_first_token, inter_token_latency, tokens_generated,
 *     tokens_per_second, prompt_tokens, queue_depth, batch_size, kv_cache_usage}
 * @param kvCache bytes per KV-cache token when known, else {@code null}
 */
public record LlmTarget(String framework, String instance, String modelOverride, String gpu,
    Set<String> metricGroups, KvCacheModel kvCache) {

  /** Every metric group name {@link #metricGroups} may hold. */
  public static final Set<String> ALL_GROUPS = Set.of("request_count", "request_duration",
      "time_to_first_token", "inter_token_latency", "tokens_generated", "tokens_per_second",
      "prompt_tokens", "queue_depth", "batch_size", "kv_cache_usage");

  /** Validates the required fields and copies {@code metricGroups} (null means all). */
  public LlmTarget {
    if (framework == null || framework.isBlank()) {
      throw new IllegalArgumentException("framework is required");
    }
    if (instance == null || instance.isBlank()) {
      throw new IllegalArgumentException("instance is required");
    }
    metricGroups = metricGroups == null ? Set.of() : Set.copyOf(metricGroups);
    for (String group : metricGroups) {
      if (!ALL_GROUPS.contains(group)) {
        throw new IllegalArgumentException("unknown metric group '" + group + "', known: "
            + new java.util.TreeSet<>(ALL_GROUPS));
      }
    }
  }

  /** Whether {@code group} is to be emitted. */
  public boolean wants(String group) {
    return metricGroups.isEmpty() || metricGroups.contains(group);
  }
}
