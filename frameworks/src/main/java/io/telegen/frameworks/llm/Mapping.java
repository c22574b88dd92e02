package io.telegen.frameworks.llm;

import io.telegen.frameworks.serving.ServingFrameworks;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import org.snakeyaml.engine.v2.api.Load;
import org.snakeyaml.engine.v2.api.LoadSettings;

/**
 * The framework mapping table, {@value #RESOURCE}, read into records that {@link LlmNormalizer}
 * interprets. Loaded once: the table is part of the build, so an error in it is a bug and fails
 * loudly at first use, naming the framework and rule.
 */
final class Mapping {

  static final String RESOURCE = "/io/telegen/frameworks/llm/mapping.yaml";

  /** How a rule turns source samples into a value. See mapping.yaml for each kind's meaning. */
  enum Kind {
    COUNTER,
    GAUGE,
    HISTOGRAM,
    HISTOGRAM_SUM,
    RATE,
    DELTA_RATIO,
    PRODUCT,
    LABEL_PRODUCT;

    static Kind of(String text, String where) {
      for (Kind kind : values()) {
        if (kind.name().equalsIgnoreCase(text)) {
          return kind;
        }
      }
      throw new IllegalStateException(where + ": unknown kind '" + text + "'");
    }
  }

  /** A source series selector: metric name, label filter, optional numeric weight label. */
  record Operand(String source, Map<String, String> where, String weightLabel) {}

  /**
   * How llm_request_total's {@code status} is set: a constant, or a source label's value mapped
   * through {@code values} with {@code fallback} for anything else. All null: no status label.
   */
  record Status(String constant, String fromLabel, Map<String, String> values, String fallback) {

    static final Status NONE = new Status(null, null, Map.of(), null);

    String of(io.telegen.frameworks.prometheus.LabelSet labels) {
      if (constant != null) {
        return constant;
      }
      if (fromLabel == null) {
        return null;
      }
      String value = labels.get(fromLabel);
      String mapped = value == null ? null : values.get(value);
      return mapped != null ? mapped : fallback;
    }
  }

  /**
   * One row of a framework's table.
   *
   * @param sources alternatives, newest name first (COUNTER, GAUGE, HISTOGRAM, HISTOGRAM_SUM,
   *     LABEL_PRODUCT); empty for the other kinds
   * @param operands the factors (PRODUCT) or numerator and denominator (DELTA_RATIO)
   */
  record Rule(
      int index,
      String target,
      Kind kind,
      List<String> sources,
      double scale,
      Map<String, String> where,
      Status status,
      String of,
      List<String> labels,
      List<Operand> operands) {}

  /** One framework's table; {@code name} is also its {@code framework} label value. */
  record Framework(String name, String modelLabel, String engineLabel, List<Rule> rules) {}

  private static volatile Mapping instance;

  private final Map<String, String> groups;
  private final Map<String, Framework> frameworks;

  private Mapping(Map<String, String> groups, Map<String, Framework> frameworks) {
    this.groups = groups;
    this.frameworks = frameworks;
  }

  static Mapping get() {
    Mapping m = instance;
    if (m == null) {
      synchronized (Mapping.class) {
        m = instance;
        if (m == null) {
          m = load();
          instance = m;
        }
      }
    }
    return m;
  }

  Framework framework(String name) {
    return frameworks.get(name);
  }

  java.util.Set<String> frameworkNames() {
    return frameworks.keySet();
  }

  /** Output metric → its metric group. */
  Map<String, String> groups() {
    return groups;
  }

  /** The metric group of an output metric. */
  String group(String target) {
    return groups.get(target);
  }

  private static Mapping load() {
    Object document;
    try (InputStream in = Mapping.class.getResourceAsStream(RESOURCE)) {
      if (in == null) {
        throw new IllegalStateException(RESOURCE + " is missing from the classpath");
      }
      document = new Load(LoadSettings.builder().build()).loadFromInputStream(in);
    } catch (IOException e) {
      throw new IllegalStateException("cannot read " + RESOURCE, e);
    }
    Map<?, ?> top = map(document, RESOURCE);
    Map<String, String> groups = stringMap(top.get("groups"), "groups");
    for (Map.Entry<String, String> e : groups.entrySet()) {
      if (!ServingFrameworks.METRIC_GROUPS.contains(e.getValue())) {
        throw new IllegalStateException(
            RESOURCE
                + ": groups: "
                + e.getKey()
                + " is in group '"
                + e.getValue()
                + "', which is not one of ServingFrameworks.METRIC_GROUPS "
                + new TreeSet<>(ServingFrameworks.METRIC_GROUPS));
      }
    }
    if (!groups.values().containsAll(ServingFrameworks.METRIC_GROUPS)) {
      throw new IllegalStateException(
          RESOURCE
              + ": groups: no metric is in some of "
              + "ServingFrameworks.METRIC_GROUPS "
              + new TreeSet<>(ServingFrameworks.METRIC_GROUPS)
              + "; a group nothing belongs to selects nothing");
    }
    Map<String, Framework> frameworks = new LinkedHashMap<>();
    for (Map.Entry<?, ?> e : map(top.get("frameworks"), "frameworks").entrySet()) {
      String name = (String) e.getKey();
      Map<?, ?> fw = map(e.getValue(), name);
      List<Rule> rules = new ArrayList<>();
      for (Object r : (List<?>) fw.get("rules")) {
        rules.add(rule(rules.size(), map(r, name + " rule " + rules.size()), name, groups));
      }
      frameworks.put(
          name,
          new Framework(
              name,
              (String) fw.get("model_label"),
              (String) fw.get("engine_label"),
              List.copyOf(rules)));
    }
    return new Mapping(Map.copyOf(groups), Map.copyOf(frameworks));
  }

  private static Rule rule(int index, Map<?, ?> r, String framework, Map<String, String> groups) {
    String where = framework + " rule " + index;
    String target = required(r, "target", where);
    where += " (" + target + ")";
    if (!groups.containsKey(target)) {
      throw new IllegalStateException(where + ": target has no entry under groups");
    }
    Kind kind = Kind.of(required(r, "kind", where), where);
    List<String> sources = new ArrayList<>();
    Object source = r.get("source");
    if (source instanceof String s) {
      sources.add(s);
    } else if (source instanceof List<?> list) {
      for (Object s : list) {
        sources.add((String) s);
      }
    }
    List<Operand> operands = new ArrayList<>();
    switch (kind) {
      case PRODUCT -> {
        for (Object f : (List<?>) r.get("factors")) {
          operands.add(operand(f, where));
        }
      }
      case DELTA_RATIO -> {
        operands.add(operand(r.get("numerator"), where + " numerator"));
        operands.add(operand(r.get("denominator"), where + " denominator"));
      }
      case RATE -> required(r, "of", where);
      default -> {
        if (sources.isEmpty()) {
          throw new IllegalStateException(where + ": 'source' is required for kind " + kind);
        }
      }
    }
    double scale = r.get("scale") instanceof Number n ? n.doubleValue() : 1.0;
    Status status = Status.NONE;
    Object s = r.get("status");
    if (s instanceof String constant) {
      status = new Status(constant, null, Map.of(), null);
    } else if (s instanceof Map<?, ?> spec) {
      status =
          new Status(
              null,
              required(spec, "from", where + " status"),
              stringMap(spec.get("values"), where + " status values"),
              required(spec, "default", where + " status"));
    }
    List<String> labels = new ArrayList<>();
    if (r.get("labels") instanceof List<?> list) {
      for (Object l : list) {
        labels.add((String) l);
      }
    }
    return new Rule(
        index,
        target,
        kind,
        List.copyOf(sources),
        scale,
        stringMap(r.get("where"), where + " where"),
        status,
        (String) r.get("of"),
        List.copyOf(labels),
        List.copyOf(operands));
  }

  private static Operand operand(Object o, String where) {
    Map<?, ?> m = map(o, where);
    return new Operand(
        required(m, "source", where),
        stringMap(m.get("where"), where + " where"),
        (String) m.get("weight_label"));
  }

  private static Map<?, ?> map(Object o, String where) {
    if (o instanceof Map<?, ?> m) {
      return m;
    }
    throw new IllegalStateException(RESOURCE + ": " + where + ": expected a mapping");
  }

  private static Map<String, String> stringMap(Object o, String where) {
    if (o == null) {
      return Map.of();
    }
    Map<String, String> out = new LinkedHashMap<>();
    for (Map.Entry<?, ?> e : map(o, where).entrySet()) {
      out.put(String.valueOf(e.getKey()), String.valueOf(e.getValue()));
    }
    return out;
  }

  private static String required(Map<?, ?> m, String key, String where) {
    Object v = m.get(key);
    if (!(v instanceof String s) || s.isBlank()) {
      throw new IllegalStateException(RESOURCE + ": " + where + ": '" + key + "' is required");
    }
    return s;
  }
}
