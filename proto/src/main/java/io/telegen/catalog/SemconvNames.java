package io.telegen.catalog;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;
import org.snakeyaml.engine.v2.api.Load;
import org.snakeyaml.engine.v2.api.LoadSettings;
import org.snakeyaml.engine.v2.exceptions.YamlEngineException;

/**
 * The catalog's OpenTelemetry semantic-convention names ({@value #RESOURCE}): for each metric of
 * the {@link MetricCatalog} either its {@link SemconvName} or the reason the conventions have
 * none, and the label to attribute renames ({@code uuid} to {@code hw.id}, {@code model} to {@code
 * gen_ai.request.model}, ...). The agent sends these names with {@code agent.naming: semconv} or
 * {@code both}; {@code docs/semconv.md} is generated from them by {@link SemconvNamesMarkdown}.
 */
public final class SemconvNames {

  /** The classpath resource, beside the catalog. */
  public static final String RESOURCE = "/io/telegen/catalog/semconv.yaml";

  private static final Set<String> TOP_LEVEL_KEYS = Set.of("labels", "mapped", "none");
  private static final Set<String> MAPPED_KEYS = Set.of("name", "unit", "scale", "attributes");
  // Lower-case dotted names, as the conventions spell them (hw.gpu.utilization).
  private static final Pattern CONVENTION_NAME = Pattern.compile("[a-z][a-z0-9_]*(\\.[a-z0-9_]+)+");

  private final Map<String, SemconvName> mapped;
  private final Map<String, String> none;
  private final Map<String, String> labels;

  private SemconvNames(
      Map<String, SemconvName> mapped, Map<String, String> none, Map<String, String> labels) {
    this.mapped = Collections.unmodifiableMap(mapped);
    this.none = Collections.unmodifiableMap(none);
    this.labels = Collections.unmodifiableMap(labels);
  }

  /**
   * Reads {@value #RESOURCE} and checks it against {@code catalog}: every catalog metric is either
   * mapped or has a reason under {@code none}, never both, and nothing else is named.
   *
   * @throws IllegalStateException listing every problem, one per line
   */
  public static SemconvNames load(MetricCatalog catalog) {
    try (InputStream in = SemconvNames.class.getResourceAsStream(RESOURCE)) {
      if (in == null) {
        throw new IllegalStateException(RESOURCE + " is not on the classpath");
      }
      Object document =
          new Load(LoadSettings.builder().setLabel(RESOURCE).setAllowDuplicateKeys(false).build())
              .loadFromInputStream(in);
      return parse(document, catalog, RESOURCE);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + RESOURCE, e);
    } catch (YamlEngineException e) {
      throw new IllegalStateException(RESOURCE + ": not valid YAML: " + e.getMessage(), e);
    }
  }

  /** Package-private so that tests can feed broken documents. */
  static SemconvNames parse(Object document, MetricCatalog catalog, String where) {
    List<String> problems = new ArrayList<>();
    Map<String, Object> root = map(document, where, problems);
    unknownKeys(root, TOP_LEVEL_KEYS, where, problems);
    Map<String, String> labels = new LinkedHashMap<>();
    map(root.get("labels"), where + ": labels", problems)
        .forEach(
            (label, attribute) -> {
              if (!catalog.labels().containsKey(label)) {
                problems.add(where + ": labels: '" + label + "' is not a catalog label");
              }
              labels.put(label, conventionName(attribute, where + ": labels: " + label, problems));
            });
    Map<String, SemconvName> mapped = new LinkedHashMap<>();
    map(root.get("mapped"), where + ": mapped", problems)
        .forEach(
            (metric, value) -> {
              String at = where + ": mapped: " + metric;
              Map<String, Object> entry = map(value, at, problems);
              unknownKeys(entry, MAPPED_KEYS, at, problems);
              Object scale = entry.getOrDefault("scale", 1);
              Map<String, String> attributes = new LinkedHashMap<>();
              map(entry.get("attributes"), at + ": attributes", problems)
                  .forEach(
                      (k, v) -> attributes.put(conventionName(k, at, problems), String.valueOf(v)));
              if (!(scale instanceof Number)) {
                problems.add(at + ": scale must be a number, got " + scale);
              }
              mapped.put(
                  metric,
                  new SemconvName(
                      metric,
                      conventionName(entry.get("name"), at + ": name", problems),
                      String.valueOf(entry.get("unit")),
                      scale instanceof Number n ? n.doubleValue() : 1,
                      attributes));
            });
    Map<String, String> none = new LinkedHashMap<>();
    map(root.get("none"), where + ": none", problems)
        .forEach(
            (metric, reason) -> {
              if (!(reason instanceof String text) || text.isBlank()) {
                problems.add(
                    where + ": none: " + metric + ": give the reason the conventions have none");
              }
              none.put(metric, String.valueOf(reason));
            });
    for (MetricDefinition metric : catalog.metrics()) {
      boolean isMapped = mapped.containsKey(metric.name());
      boolean isNone = none.containsKey(metric.name());
      if (isMapped == isNone) {
        problems.add(
            where
                + ": "
                + metric.name()
                + (isMapped
                    ? " is both mapped and under none"
                    : " is neither mapped nor under none"));
      }
    }
    Set<String> named = new TreeSet<>(mapped.keySet());
    named.addAll(none.keySet());
    for (String metric : named) {
      if (catalog.find(metric).isEmpty()) {
        problems.add(where + ": " + metric + " is not in the metric catalog");
      }
    }
    if (!problems.isEmpty()) {
      throw new IllegalStateException(String.join("\n", problems));
    }
    return new SemconvNames(mapped, none, labels);
  }

  /** The convention form of {@code metric}, if the conventions have one. */
  public Optional<SemconvName> find(String metric) {
    return Optional.ofNullable(mapped.get(metric));
  }

  /** Every mapped metric, in file order. */
  public Map<String, SemconvName> mapped() {
    return mapped;
  }

  /** The metrics the conventions have no name for, each with the reason, in file order. */
  public Map<String, String> none() {
    return none;
  }

  /** Catalog label to convention attribute, for the labels the conventions name. */
  public Map<String, String> labels() {
    return labels;
  }

  private static String conventionName(Object value, String where, List<String> problems) {
    if (!(value instanceof String text) || !CONVENTION_NAME.matcher(text).matches()) {
      problems.add(
          where + ": expected a dotted convention name like hw.gpu.utilization, got " + value);
      return String.valueOf(value);
    }
    return text;
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> map(Object value, String where, List<String> problems) {
    if (value == null) {
      return Map.of();
    }
    if (!(value instanceof Map)) {
      problems.add(where + ": expected a mapping");
      return Map.of();
    }
    return (Map<String, Object>) value;
  }

  private static void unknownKeys(
      Map<String, Object> map, Set<String> allowed, String where, List<String> problems) {
    for (String key : map.keySet()) {
      if (!allowed.contains(key)) {
        problems.add(where + ": unknown key '" + key + "'; allowed: " + new TreeSet<>(allowed));
      }
    }
  }
}
