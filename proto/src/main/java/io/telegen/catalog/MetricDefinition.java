package io.telegen.catalog;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * One metric of the {@link MetricCatalog}: the name Prometheus shows, its type and unit, and the
 * labels and sources that go with it. Instances are immutable.
 *
 * @param name the metric name exactly as Prometheus shows it (counters end in {@code _total})
 * @param type the instrument kind
 * @param unit the UCUM unit, e.g. {@code %}, {@code By}, {@code s} or {@code {token}}
 * @param description what the value means and where it comes from
 * @param labels labels present on every point, in catalog order
 * @param optionalLabels labels present only where they apply (MIG, Kubernetes, ...), in catalog order
 * @param sources the agent sources that emit the metric, e.g. {@code nvml}, {@code vllm}, {@code self}
 * @param spec true when the Telegen AI/ML spec page lists the metric, false for our additions
 */
public record MetricDefinition(
    String name,
    MetricType type,
    String unit,
    String description,
    List<String> labels,
    List<String> optionalLabels,
    List<String> sources,
    boolean spec) {

  /** Copies the lists so that a definition cannot change after it was validated. */
  public MetricDefinition {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(type, "type");
    Objects.requireNonNull(unit, "unit");
    Objects.requireNonNull(description, "description");
    labels = List.copyOf(labels);
    optionalLabels = List.copyOf(optionalLabels);
    sources = List.copyOf(sources);
  }

  /** Required labels followed by optional labels: every label a point of this metric may carry. */
  public List<String> allLabels() {
    List<String> all = new ArrayList<>(labels.size() + optionalLabels.size());
    all.addAll(labels);
    all.addAll(optionalLabels);
    return List.copyOf(all);
  }
}
