package io.telegen.catalog;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;
import org.snakeyaml.engine.v2.api.Load;
import org.snakeyaml.engine.v2.api.LoadSettings;
import org.snakeyaml.engine.v2.exceptions.YamlEngineException;

/**
 * The metric catalog: every metric the agent emits, with its type, unit, labels and sources.
 *
 * <p>The catalog is one YAML file on the classpath, {@value #RESOURCE}. It is the single source of
 * truth: sources look their metrics up here, {@code docs/metrics.md} is rendered from it, and tests
 * compare what is emitted against it. The sources a metric may name are data too, under
 * {@code sources:}, so each module's tests can check its own registry against them. Loading validates the whole file and reports every problem at
 * once, naming the entry, so a bad edit fails the build rather than a running agent.
 *
 * <p>The catalog also holds what is promised but not built yet. Its {@code plans} section names
 * each piece of later work and the issue it waits for; an entry's {@code planned} key lists, per
 * plan, those of its sources and optional labels that wait for it (see
 * {@link MetricDefinition#plannedSources()}). Tests hold the two sides honest: a built source must
 * emit every entry and label that is not planned, and must emit nothing that is.
 *
 * <p>Instances are immutable and safe to share between threads.
 */
public final class MetricCatalog {

  /** Classpath location of the shipped catalog. */
  public static final String RESOURCE = "/io/telegen/catalog/metrics.yaml";

  // The units the name conventions rely on; anything else is more likely a typo than a new unit.
  private static final Set<String> KNOWN_UNITS =
      Set.of("%", "1", "By", "By/s", "Cel", "W", "Hz", "J", "s");
  // UCUM annotations: the collector's Prometheus translation drops them, so any lowercase word
  // works.
  private static final Pattern ANNOTATION_UNIT = Pattern.compile("\\{[a-z][a-z_]*\\}(/s)?");

  // No colons: Prometheus reserves them for recording rules.
  private static final Pattern METRIC_NAME = Pattern.compile("[a-zA-Z_][a-zA-Z0-9_]*");
  private static final Pattern LABEL_NAME = Pattern.compile("[a-zA-Z_][a-zA-Z0-9_]*");
  // Source ids and capabilities are label values and config keys: lower case, digits, '_'.
  private static final Pattern SOURCE_ID = Pattern.compile("[a-z][a-z0-9_]*");

  private static final Set<String> TOP_LEVEL_KEYS = Set.of("sources", "labels", "plans", "metrics");
  private static final Set<String> METRIC_KEYS =
      Set.of(
          "name",
          "type",
          "unit",
          "description",
          "labels",
          "optional_labels",
          "sources",
          "spec",
          "planned");
  private static final Set<String> LABEL_KEYS = Set.of("description");
  private static final Set<String> SOURCE_KEYS = Set.of("capability", "description");
  private static final Set<String> PLAN_KEYS = Set.of("description");
  // A plan says what it waits for: the issue that builds it, then what that is.
  private static final Pattern PLAN_DESCRIPTION = Pattern.compile("issue [0-9]+: \\S.*");

  private static final Object SHIPPED_LOCK = new Object();
  private static volatile MetricCatalog shipped;

  private final List<MetricDefinition> metrics;
  private final Map<String, MetricDefinition> byName;
  private final Map<String, String> labels;
  private final Map<String, SourceDefinition> sources;
  private final Map<String, String> plans;

  private MetricCatalog(
      Map<String, SourceDefinition> sources,
      List<MetricDefinition> metrics,
      Map<String, String> labels,
      Map<String, String> plans) {
    this.sources = Collections.unmodifiableMap(new LinkedHashMap<>(sources));
    this.metrics = List.copyOf(metrics);
    Map<String, MetricDefinition> index = new LinkedHashMap<>();
    for (MetricDefinition metric : metrics) {
      index.put(metric.name(), metric);
    }
    this.byName = Collections.unmodifiableMap(index);
    this.labels = Collections.unmodifiableMap(new LinkedHashMap<>(labels));
    this.plans = Collections.unmodifiableMap(new LinkedHashMap<>(plans));
  }

  /**
   * Returns the catalog shipped in this jar, reading and validating {@value #RESOURCE} on the first
   * call only.
   *
   * @throws IllegalStateException if the resource is missing or does not validate; the message
   *     lists every problem
   */
  public static MetricCatalog load() {
    MetricCatalog catalog = shipped;
    if (catalog == null) {
      synchronized (SHIPPED_LOCK) {
        catalog = shipped;
        if (catalog == null) {
          catalog = loadShipped();
          shipped = catalog;
        }
      }
    }
    return catalog;
  }

  private static MetricCatalog loadShipped() {
    try (InputStream in = MetricCatalog.class.getResourceAsStream(RESOURCE)) {
      if (in == null) {
        throw new IllegalStateException("metric catalog " + RESOURCE + " is not on the classpath");
      }
      return parse(in, RESOURCE);
    } catch (IllegalArgumentException e) {
      // A broken shipped catalog is a build defect, not a caller error.
      throw new IllegalStateException(e.getMessage(), e);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read metric catalog " + RESOURCE, e);
    }
  }

  /**
   * Parses and validates a catalog. Package-private so tests can feed deliberately broken files.
   *
   * @param in the YAML document; not closed
   * @param sourceName names the document in error messages
   * @throws IllegalArgumentException listing every problem found, one per line
   */
  static MetricCatalog parse(InputStream in, String sourceName) {
    Object document;
    try {
      LoadSettings settings =
          LoadSettings.builder().setLabel(sourceName).setAllowDuplicateKeys(false).build();
      document = new Load(settings).loadFromInputStream(in);
    } catch (YamlEngineException e) {
      throw new IllegalArgumentException(sourceName + ": not valid YAML: " + e.getMessage(), e);
    }
    return new Parser(sourceName).parse(document);
  }

  /**
   * Every source a metric's {@code sources} may name, by id, in catalog order. The map is
   * unmodifiable.
   */
  public Map<String, SourceDefinition> sources() {
    return sources;
  }

  /** The ids of the sources whose {@code capability} is {@code capability}, in catalog order. */
  public Set<String> sourcesOf(String capability) {
    Set<String> ids = new LinkedHashSet<>();
    for (SourceDefinition source : sources.values()) {
      if (source.capability().equals(capability)) {
        ids.add(source.id());
      }
    }
    return Collections.unmodifiableSet(ids);
  }

  /** Every metric, in catalog order. The list is unmodifiable. */
  public List<MetricDefinition> metrics() {
    return metrics;
  }

  /** The metric with this exact name, if the catalog has it. */
  public Optional<MetricDefinition> find(String name) {
    return Optional.ofNullable(byName.get(name));
  }

  /**
   * The metric with this exact name.
   *
   * @throws IllegalArgumentException naming the metric when the catalog does not have it
   */
  public MetricDefinition get(String name) {
    MetricDefinition metric = byName.get(name);
    if (metric == null) {
      throw new IllegalArgumentException(
          "metric '"
              + name
              + "' is not in the metric catalog "
              + RESOURCE
              + "; add it there before emitting it");
    }
    return metric;
  }

  /**
   * The metrics that list the given source, in catalog order, including those where the source is
   * planned ({@link MetricDefinition#plannedSources()}).
   *
   * @param source a source name such as {@code nvml}, {@code vllm} or {@code self}
   * @throws IllegalArgumentException if {@code source} is not one of {@link #sources()}, so a
   *     misspelt source does not silently match nothing
   */
  public List<MetricDefinition> fromSource(String source) {
    if (!sources.containsKey(source)) {
      throw new IllegalArgumentException(
          "unknown metric source '" + source + "'; known sources: " + sources.keySet());
    }
    List<MetricDefinition> matching = new ArrayList<>();
    for (MetricDefinition metric : metrics) {
      if (metric.sources().contains(source)) {
        matching.add(metric);
      }
    }
    return List.copyOf(matching);
  }

  /** Every declared label and its description, in catalog order. The map is unmodifiable. */
  public Map<String, String> labels() {
    return labels;
  }

  /**
   * Every plan (later work that entries wait for) and what it waits for, e.g. {@code amd} to
   * {@code "issue 12: AMD GPUs through ROCm SMI and AMD SMI"}, in catalog order. Unmodifiable.
   */
  public Map<String, String> plans() {
    return plans;
  }

  @Override
  public String toString() {
    return "MetricCatalog[" + metrics.size() + " metrics, " + labels.size() + " labels]";
  }

  /**
   * Turns the raw YAML tree into definitions. It keeps going after a problem so that one run shows
   * all of them; half-built entries are dropped, but they never reach a catalog because any problem
   * fails the parse.
   */
  private static final class Parser {
    private final String sourceName;
    private final List<String> problems = new ArrayList<>();

    Parser(String sourceName) {
      this.sourceName = sourceName;
    }

    MetricCatalog parse(Object document) {
      if (!(document instanceof Map<?, ?> root)) {
        throw new IllegalArgumentException(
            sourceName
                + ": expected a mapping with 'sources', 'labels' and 'metrics' at the top level");
      }
      unknownKeys(root, TOP_LEVEL_KEYS, "top level");
      Map<String, SourceDefinition> sources = parseSources(root.get("sources"));
      Map<String, String> labels = parseLabels(root.get("labels"));
      Map<String, String> plans =
          root.containsKey("plans") ? parsePlans(root.get("plans")) : Map.of();
      List<MetricDefinition> metrics = parseMetrics(root.get("metrics"), labels, sources, plans);
      checkEveryLabelUsed(labels, metrics);
      checkEverySourceUsed(sources, metrics);
      checkEveryPlanUsed(plans, metrics);
      if (!problems.isEmpty()) {
        StringBuilder message =
            new StringBuilder()
                .append(sourceName)
                .append(": invalid metric catalog (")
                .append(problems.size())
                .append(problems.size() == 1 ? " problem" : " problems")
                .append(')');
        for (String problem : problems) {
          message.append("\n  - ").append(problem);
        }
        throw new IllegalArgumentException(message.toString());
      }
      return new MetricCatalog(sources, metrics, labels, plans);
    }

    private Map<String, SourceDefinition> parseSources(Object node) {
      Map<String, SourceDefinition> sources = new LinkedHashMap<>();
      if (!(node instanceof Map<?, ?> map)) {
        problems.add(
            "'sources' must be a mapping of source id to {capability: ..., description: ...}");
        return sources;
      }
      for (Map.Entry<?, ?> entry : map.entrySet()) {
        String where = "source '" + entry.getKey() + "'";
        if (!(entry.getKey() instanceof String id) || !SOURCE_ID.matcher(id).matches()) {
          problems.add(where + ": not a valid source id (lower case letters, digits, '_')");
          continue;
        }
        if (!(entry.getValue() instanceof Map<?, ?> body)) {
          problems.add(where + ": expected {capability: ..., description: ...}");
          continue;
        }
        unknownKeys(body, SOURCE_KEYS, where);
        String capability = nonBlankString(body.get("capability"), where, "capability");
        if (capability != null && !SOURCE_ID.matcher(capability).matches()) {
          problems.add(where + ": capability '" + capability + "' is not a lower-case word");
          capability = null;
        }
        String description = nonBlankString(body.get("description"), where, "description");
        if (capability != null && description != null) {
          sources.put(id, new SourceDefinition(id, capability, description.strip()));
        }
      }
      return sources;
    }

    private Map<String, String> parsePlans(Object node) {
      Map<String, String> plans = new LinkedHashMap<>();
      if (!(node instanceof Map<?, ?> map)) {
        problems.add("'plans' must be a mapping of plan name to {description: \"issue N: ...\"}");
        return plans;
      }
      for (Map.Entry<?, ?> entry : map.entrySet()) {
        String where = "plan '" + entry.getKey() + "'";
        if (!(entry.getKey() instanceof String name) || !LABEL_NAME.matcher(name).matches()) {
          problems.add(where + ": a plan name is a word of letters, digits and '_'");
          continue;
        }
        if (!(entry.getValue() instanceof Map<?, ?> body)) {
          problems.add(where + ": expected {description: \"issue N: ...\"}");
          continue;
        }
        unknownKeys(body, PLAN_KEYS, where);
        String description = nonBlankString(body.get("description"), where, "description");
        if (description == null) {
          continue;
        }
        if (!PLAN_DESCRIPTION.matcher(description.strip()).matches()) {
          problems.add(
              where
                  + ": description must say what it waits for, as \"issue N: what\","
                  + " got '"
                  + description
                  + "'");
          continue;
        }
        if (plans.containsValue(description.strip())) {
          problems.add(
              where
                  + ": another plan already waits for '"
                  + description.strip()
                  + "'; use that one");
          continue;
        }
        plans.put(name, description.strip());
      }
      return plans;
    }

    private Map<String, String> parseLabels(Object node) {
      Map<String, String> labels = new LinkedHashMap<>();
      if (!(node instanceof Map<?, ?> map)) {
        problems.add("'labels' must be a mapping of label name to {description: ...}");
        return labels;
      }
      for (Map.Entry<?, ?> entry : map.entrySet()) {
        String where = "label '" + entry.getKey() + "'";
        if (!(entry.getKey() instanceof String name)
            || !LABEL_NAME.matcher(name).matches()
            || name.startsWith("__")) {
          problems.add(where + ": not a valid Prometheus label name");
          continue;
        }
        if (!(entry.getValue() instanceof Map<?, ?> body)) {
          problems.add(where + ": expected {description: ...}");
          continue;
        }
        unknownKeys(body, LABEL_KEYS, where);
        String description = nonBlankString(body.get("description"), where, "description");
        if (description != null) {
          labels.put(name, description.strip());
        }
      }
      return labels;
    }

    private List<MetricDefinition> parseMetrics(
        Object node,
        Map<String, String> labels,
        Map<String, SourceDefinition> sources,
        Map<String, String> plans) {
      List<MetricDefinition> metrics = new ArrayList<>();
      if (!(node instanceof List<?> list)) {
        problems.add("'metrics' must be a list of metric entries");
        return metrics;
      }
      Set<String> seen = new HashSet<>();
      for (int i = 0; i < list.size(); i++) {
        Object item = list.get(i);
        String where = "metric #" + (i + 1);
        if (!(item instanceof Map<?, ?> entry)) {
          problems.add(where + ": expected a mapping");
          continue;
        }
        if (entry.get("name") instanceof String name) {
          where += " '" + name + "'";
        }
        MetricDefinition metric = parseMetric(entry, where, labels, sources, plans);
        if (metric == null) {
          continue;
        }
        if (!seen.add(metric.name())) {
          problems.add(where + ": duplicate metric name; each name may appear only once");
          continue;
        }
        metrics.add(metric);
      }
      return metrics;
    }

    private MetricDefinition parseMetric(
        Map<?, ?> entry,
        String where,
        Map<String, String> labels,
        Map<String, SourceDefinition> known,
        Map<String, String> plans) {
      int before = problems.size();
      unknownKeys(entry, METRIC_KEYS, where);

      String name = nonBlankString(entry.get("name"), where, "name");
      MetricType type = parseType(entry.get("type"), where);
      if (name != null) {
        checkName(name, type, where);
      }
      String unit = nonBlankString(entry.get("unit"), where, "unit");
      if (unit != null && !KNOWN_UNITS.contains(unit) && !ANNOTATION_UNIT.matcher(unit).matches()) {
        problems.add(
            where
                + ": unknown unit '"
                + unit
                + "'; use one of "
                + new TreeSet<>(KNOWN_UNITS)
                + " or an annotation such as {token} or {token}/s");
      }
      String description = nonBlankString(entry.get("description"), where, "description");

      List<String> required = stringList(entry.get("labels"), where, "labels", true);
      List<String> optional =
          entry.containsKey("optional_labels")
              ? stringList(entry.get("optional_labels"), where, "optional_labels", true)
              : List.of();
      checkLabels(required, optional, labels, where);

      List<String> sources = stringList(entry.get("sources"), where, "sources", false);
      if (sources != null) {
        if (sources.isEmpty()) {
          problems.add(where + ": 'sources' must name at least one source");
        }
        for (String source : sources) {
          if (!known.containsKey(source)) {
            problems.add(
                where
                    + ": unknown source '"
                    + source
                    + "'; declare it under 'sources' ("
                    + "known: "
                    + known.keySet()
                    + ")");
          }
        }
        duplicates(sources, where, "sources");
      }

      Object spec = entry.get("spec");
      if (!(spec instanceof Boolean)) {
        problems.add(where + ": 'spec' must be true or false, got " + describe(spec));
      }

      Map<String, String> plannedSources = new LinkedHashMap<>();
      Map<String, String> plannedLabels = new LinkedHashMap<>();
      if (entry.containsKey("planned")) {
        parsePlanned(
            entry.get("planned"),
            where,
            plans,
            required,
            optional,
            sources,
            plannedSources,
            plannedLabels);
      }

      if (problems.size() != before) {
        return null;
      }
      return new MetricDefinition(
          name,
          type,
          unit,
          description.strip(),
          required,
          optional,
          sources,
          (Boolean) spec,
          plannedSources,
          plannedLabels);
    }

    /**
     * Reads {@code planned: {plan: [source or optional label, ...], ...}} into what each planned
     * source and label waits for.
     */
    private void parsePlanned(
        Object value,
        String where,
        Map<String, String> plans,
        List<String> required,
        List<String> optional,
        List<String> sources,
        Map<String, String> plannedSources,
        Map<String, String> plannedLabels) {
      if (!(value instanceof Map<?, ?> map) || map.isEmpty()) {
        problems.add(
            where
                + ": 'planned' must map a plan to the sources and optional labels that"
                + " wait for it, e.g. {amd: [rocm_smi]}, got "
                + describe(value));
        return;
      }
      for (Map.Entry<?, ?> byPlan : map.entrySet()) {
        String plan = String.valueOf(byPlan.getKey());
        String waitsFor = plans.get(plan);
        if (waitsFor == null) {
          problems.add(where + ": planned for '" + plan + "', which is not declared under 'plans'");
          continue;
        }
        List<String> names = stringList(byPlan.getValue(), where, "planned." + plan, false);
        if (names == null || sources == null || required == null || optional == null) {
          continue;
        }
        if (names.isEmpty()) {
          problems.add(where + ": 'planned." + plan + "' must name a source or optional label");
        }
        for (String planned : names) {
          boolean isSource = sources.contains(planned);
          boolean isLabel = optional.contains(planned);
          if (plannedSources.containsKey(planned) || plannedLabels.containsKey(planned)) {
            problems.add(where + ": '" + planned + "' is planned twice");
          } else if (isSource && isLabel) {
            problems.add(
                where
                    + ": '"
                    + planned
                    + "' is both a source and a label; cannot tell"
                    + " which is planned");
          } else if (isSource) {
            plannedSources.put(planned, waitsFor);
          } else if (isLabel) {
            plannedLabels.put(planned, waitsFor);
          } else if (required.contains(planned)) {
            problems.add(
                where
                    + ": required label '"
                    + planned
                    + "' cannot be planned; make it"
                    + " optional, or plan the metric's sources");
          } else {
            problems.add(
                where
                    + ": planned '"
                    + planned
                    + "' is neither one of its sources "
                    + sources
                    + " nor one of its optional labels "
                    + optional);
          }
        }
      }
    }

    private MetricType parseType(Object value, String where) {
      if (value instanceof String text) {
        for (MetricType type : MetricType.values()) {
          if (type.yamlName().equals(text)) {
            return type;
          }
        }
      }
      problems.add(
          where + ": unknown type " + describe(value) + "; use gauge, counter or histogram");
      return null;
    }

    private void checkName(String name, MetricType type, String where) {
      if (!METRIC_NAME.matcher(name).matches()) {
        problems.add(where + ": not a valid Prometheus metric name (letters, digits, '_')");
        return;
      }
      boolean total = name.endsWith("_total");
      if (type == MetricType.COUNTER && !total) {
        problems.add(where + ": counter name must end in _total, as Prometheus shows counters");
      } else if (type != null && type != MetricType.COUNTER && total) {
        problems.add(where + ": only counters may end in _total, but this is a " + type.yamlName());
      }
      // Prometheus adds these to a histogram's name, so a histogram named this way would collide.
      if (type == MetricType.HISTOGRAM
          && (name.endsWith("_bucket") || name.endsWith("_sum") || name.endsWith("_count"))) {
        problems.add(
            where + ": name a histogram without _bucket/_sum/_count; Prometheus adds them");
      }
    }

    private void checkLabels(
        List<String> required, List<String> optional, Map<String, String> declared, String where) {
      if (required == null || optional == null) {
        return;
      }
      Set<String> all = new HashSet<>();
      for (String label : concat(required, optional)) {
        if (!declared.containsKey(label)) {
          problems.add(where + ": label '" + label + "' is not declared under 'labels'");
        }
        if (!all.add(label)) {
          problems.add(where + ": label '" + label + "' is listed twice");
        }
      }
    }

    private void checkEveryLabelUsed(Map<String, String> labels, List<MetricDefinition> metrics) {
      Set<String> used = new HashSet<>();
      for (MetricDefinition metric : metrics) {
        used.addAll(metric.allLabels());
      }
      // Only meaningful when every entry parsed; otherwise a broken entry would cause false alarms.
      if (problems.isEmpty()) {
        for (String label : labels.keySet()) {
          if (!used.contains(label)) {
            problems.add("label '" + label + "': declared but no metric uses it");
          }
        }
      }
    }

    private void checkEverySourceUsed(
        Map<String, SourceDefinition> sources, List<MetricDefinition> metrics) {
      Set<String> used = new HashSet<>();
      for (MetricDefinition metric : metrics) {
        used.addAll(metric.sources());
      }
      if (problems.isEmpty()) {
        for (String source : sources.keySet()) {
          if (!used.contains(source)) {
            problems.add("source '" + source + "': declared but no metric names it");
          }
        }
      }
    }

    private void checkEveryPlanUsed(Map<String, String> plans, List<MetricDefinition> metrics) {
      Set<String> used = new HashSet<>();
      for (MetricDefinition metric : metrics) {
        used.addAll(metric.plannedSources().values());
        used.addAll(metric.plannedLabels().values());
      }
      if (problems.isEmpty()) {
        for (Map.Entry<String, String> plan : plans.entrySet()) {
          if (!used.contains(plan.getValue())) {
            problems.add(
                "plan '"
                    + plan.getKey()
                    + "': declared but nothing is planned for it;"
                    + " remove it once its work is built");
          }
        }
      }
    }

    private String nonBlankString(Object value, String where, String key) {
      if (!(value instanceof String text)) {
        problems.add(where + ": '" + key + "' must be a string, got " + describe(value));
        return null;
      }
      if (text.isBlank()) {
        problems.add(where + ": '" + key + "' must not be empty");
        return null;
      }
      return text;
    }

    private List<String> stringList(Object value, String where, String key, boolean allowEmpty) {
      if (!(value instanceof List<?> list)) {
        problems.add(
            where
                + ": '"
                + key
                + "' must be a list"
                + (allowEmpty ? " (use [] for none)" : "")
                + ", got "
                + describe(value));
        return null;
      }
      List<String> strings = new ArrayList<>(list.size());
      for (Object item : list) {
        if (item instanceof String text && !text.isBlank()) {
          strings.add(text);
        } else {
          problems.add(where + ": '" + key + "' may only hold names, got " + describe(item));
        }
      }
      return strings;
    }

    private void duplicates(List<String> values, String where, String key) {
      Set<String> seen = new HashSet<>();
      for (String value : values) {
        if (!seen.add(value)) {
          problems.add(where + ": '" + value + "' is listed twice in '" + key + "'");
        }
      }
    }

    private void unknownKeys(Map<?, ?> map, Set<String> allowed, String where) {
      for (Object key : map.keySet()) {
        if (!allowed.contains(key)) {
          problems.add(where + ": unknown key '" + key + "'; allowed: " + new TreeSet<>(allowed));
        }
      }
    }

    private static List<String> concat(List<String> a, List<String> b) {
      List<String> all = new ArrayList<>(a);
      all.addAll(b);
      return all;
    }

    private static String describe(Object value) {
      if (value == null) {
        return "nothing";
      }
      if (value instanceof String text) {
        return "'" + text + "'";
      }
      if (value instanceof Map<?, ?>) {
        return "a mapping";
      }
      if (value instanceof List<?>) {
        return "a list";
      }
      return value.getClass().getSimpleName().toLowerCase(Locale.ROOT) + " " + value;
    }
  }
}
