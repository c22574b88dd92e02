package io.telegen.frameworks.llm;

import io.telegen.frameworks.serving.ServingFrameworks;
import io.telegen.source.Labels;
import java.util.Set;
import java.util.TreeSet;

/**
 * One LLM serving endpoint to normalise: which framework it runs and the labels its points get.
 *
 * @param framework the name of a scraped {@link io.telegen.frameworks.serving.ServingFramework},
 *     e.g. {@code vllm} or {@code tensorflow_serving}
 * @param instance {@code host:port} of the server, the {@code instance} label
 * @param modelOverride the model name when the server's metrics carry none (TGI's /info
 *     {@code model_id}, llama.cpp's /props), else {@code null}
 * @param gpu value of the {@code gpu} label (device index or comma-joined indices), or {@code null}
 * @param metricGroups groups to emit; empty means all. Names:
 *     {@link ServingFrameworks#METRIC_GROUPS}
 * @param kvCache bytes per KV-cache token when known, else {@code null}
 * @param owner who the server's process belongs to, labels on every series (its pod: {@code
 *     k8s_pod}, {@code k8s_namespace}, {@code k8s_container}); empty when unknown
 */
public record LlmTarget(
    String framework,
    String instance,
    String modelOverride,
    String gpu,
    Set<String> metricGroups,
    KvCacheModel kvCache,
    Labels owner) {

  /** A target whose owner is unknown. */
  public LlmTarget(
      String framework,
      String instance,
      String modelOverride,
      String gpu,
      Set<String> metricGroups,
      KvCacheModel kvCache) {
    this(framework, instance, modelOverride, gpu, metricGroups, kvCache, Labels.empty());
  }

  /** Validates the required fields and copies {@code metricGroups} (null means all). */
  public LlmTarget {
    if (framework == null || framework.isBlank()) {
      throw new IllegalArgumentException("framework is required");
    }
    if (instance == null || instance.isBlank()) {
      throw new IllegalArgumentException("instance is required");
    }
    metricGroups = metricGroups == null ? Set.of() : Set.copyOf(metricGroups);
    owner = owner == null ? Labels.empty() : owner;
    for (String group : metricGroups) {
      if (!ServingFrameworks.METRIC_GROUPS.contains(group)) {
        throw new IllegalArgumentException(
            "unknown metric group '"
                + group
                + "', known: "
                + new TreeSet<>(ServingFrameworks.METRIC_GROUPS));
      }
    }
  }

  /** Whether {@code group} is to be emitted. */
  public boolean wants(String group) {
    return metricGroups.isEmpty() || metricGroups.contains(group);
  }
}
