package io.telegen.catalog;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * One metric of the {@link MetricCatalog}: the name Prometheus shows, its type and unit, and the
 * labels and sources that go with it. Instances are immutable.
 *
 * <p>An entry can promise more than this build emits: a source or an optional label that waits for
 * later work is <em>planned</em>, and says what it waits for (for example {@code "issue 12: AMD
 * GPUs through ROCm SMI and AMD SMI"}). A metric whose every source is planned is planned as a
 * whole: nothing emits it yet, and {@code MetricBatch} refuses it.
 *
 * @param name the metric name exactly as Prometheus shows it (counters end in {@code _total})
 * @param type the instrument kind
 * @param unit the UCUM unit, e.g. {@code %}, {@code By}, {@code s} or {@code {token}}
 * @param description what the value means and where it comes from
 * @param labels labels present on every point, in catalog order
 * @param optionalLabels labels present only where they apply (MIG, Kubernetes, ...), in catalog order
 * @param sources the agent sources that emit the metric, e.g. {@code nvml}, {@code vllm}, {@code self}
 * @param spec true when the Telegen AI/ML spec page lists the metric, false for our additions
 * @param plannedSources the sources of {@code sources} not built yet, each with what it waits for
 * @param plannedLabels the labels of {@code optionalLabels} no source sets yet, each with what it
 *     waits for
 */
public record MetricDefinition(
    String name,
    MetricType type,
    String unit,
    String description,
    List<String> labels,
    List<String> optionalLabels,
    List<String> sources,
    boolean spec,
    Map<String, String> plannedSources,
    Map<String, String> plannedLabels) {

  /** Copies the lists so that a definition cannot change after it was validated. */
  public MetricDefinition {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(type, "type");
    Objects.requireNonNull(unit, "unit");
    Objects.requireNonNull(description, "description");
    labels = List.copyOf(labels);
    optionalLabels = List.copyOf(optionalLabels);
    sources = List.copyOf(sources);
    plannedSources = Collections.unmodifiableMap(new LinkedHashMap<>(plannedSources));
    plannedLabels = Collections.unmodifiableMap(new LinkedHashMap<>(plannedLabels));
    if (!sources.containsAll(plannedSources.keySet())) {
      throw new IllegalArgumentException(
          name
              + ": planned sources "
              + plannedSources.keySet()
              + " must be among its sources "
              + sources);
    }
    if (!optionalLabels.containsAll(plannedLabels.keySet())) {
      throw new IllegalArgumentException(
          name
              + ": planned labels "
              + plannedLabels.keySet()
              + " must be among its optional labels "
              + optionalLabels);
    }
  }

  /**
   * The name and type only (definitions that are equal share both): a record's generated hash
   * goes through every list and map, by method handles the client compiler does not inline, and
   * the OTLP writer hashes a definition per metric of every request. The generated equals stays:
   * a map compares a key with itself before calling it, and definitions are the catalog's
   * singletons.
   */
  @Override
  public int hashCode() {
    return name.hashCode() * 31 + type.hashCode();
  }

  /** A definition with nothing planned: every source and label is built. */
  public MetricDefinition(
      String name,
      MetricType type,
      String unit,
      String description,
      List<String> labels,
      List<String> optionalLabels,
      List<String> sources,
      boolean spec) {
    this(name, type, unit, description, labels, optionalLabels, sources, spec, Map.of(), Map.of());
  }

  /** Required labels followed by optional labels: every label a point of this metric may carry. */
  public List<String> allLabels() {
    List<String> all = new ArrayList<>(labels.size() + optionalLabels.size());
    all.addAll(labels);
    all.addAll(optionalLabels);
    return List.copyOf(all);
  }

  /** True when every source is planned, so that no source of this build emits the metric. */
  public boolean planned() {
    return !sources.isEmpty() && plannedSources.keySet().containsAll(sources);
  }

  /**
   * What the whole metric waits for (the distinct reasons of its planned sources, joined with
   * {@code "; "}), or empty when some built source emits it.
   */
  public Optional<String> waitsFor() {
    if (!planned()) {
      return Optional.empty();
    }
    Set<String> reasons = new LinkedHashSet<>(plannedSources.values());
    return Optional.of(String.join("; ", reasons));
  }

  /** The sources that this build has, in catalog order. */
  public List<String> builtSources() {
    return sources.stream().filter(s -> !plannedSources.containsKey(s)).toList();
  }

  /** The optional labels that some built source sets, in catalog order. */
  public List<String> builtOptionalLabels() {
    return optionalLabels.stream().filter(l -> !plannedLabels.containsKey(l)).toList();
  }
}
