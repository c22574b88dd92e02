package io.telegen.agent.config;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One node of a parsed YAML document that knows its key path, so every typed read can report a
 * mistake as {@code agent.gpu.poll_interval: expected a duration like 10s, got "ten"}.
 *
 * <p>Problems are collected, not thrown, so that one run shows them all. A missing key or an
 * explicit YAML null reads as the default.
 */
final class ConfigNode {

  private static final Pattern SIZE = Pattern.compile("(\\d+)\\s*(B|KB|KiB|MB|MiB|GB|GiB)?");

  private final String path;
  private final Object value;
  private final List<String> problems;

  private ConfigNode(String path, Object value, List<String> problems) {
    this.path = path;
    this.value = value;
    this.problems = problems;
  }

  static ConfigNode root(Object value, List<String> problems) {
    return new ConfigNode("", value, problems);
  }

  String path() {
    return path;
  }

  /** The shared list problems are collected in. */
  List<String> problems() {
    return problems;
  }

  boolean isPresent() {
    return value != null;
  }

  /** The child at {@code key}; absent when this node is absent or not a mapping. */
  ConfigNode child(String key) {
    String childPath = path.isEmpty() ? key : path + "." + key;
    return new ConfigNode(childPath, asMap().get(key), problems);
  }

  /** Records an unknown-key problem for every key not in {@code allowed}. */
  ConfigNode allowOnly(String... allowed) {
    Set<String> known = new LinkedHashSet<>(List.of(allowed));
    for (String key : asMap().keySet()) {
      if (!known.contains(key)) {
        problem(path.isEmpty() ? key : path + "." + key,
            "unknown key; expected one of: " + String.join(", ", known));
      }
    }
    return this;
  }

  /** The keys of this mapping, in document order; empty when absent. */
  Set<String> keys() {
    return asMap().keySet();
  }

  boolean asBoolean(boolean defaultValue) {
    if (value == null) {
      return defaultValue;
    }
    if (value instanceof Boolean b) {
      return b;
    }
    problem(path, "expected true or false, got " + show(value));
    return defaultValue;
  }

  String asString(String defaultValue) {
    if (value == null) {
      return defaultValue;
    }
    if (value instanceof String s) {
      return s;
    }
    if (value instanceof Number || value instanceof Boolean) {
      return String.valueOf(value);
    }
    problem(path, "expected a string, got " + show(value));
    return defaultValue;
  }

  int asInt(int defaultValue, int min, int max) {
    if (value == null) {
      return defaultValue;
    }
    if (value instanceof Integer i && i >= min && i <= max) {
      return i;
    }
    problem(path, "expected a whole number from " + min + " to " + max + ", got " + show(value));
    return defaultValue;
  }

  Duration asDuration(Duration defaultValue) {
    if (value == null) {
      return defaultValue;
    }
    Duration parsed = value instanceof String s ? Durations.parse(s.trim()) : null;
    if (parsed == null || parsed.isZero() || parsed.isNegative()) {
      String hint = value instanceof Number n ? " (add a unit: " + n + "s)" : "";
      problem(path, "expected a duration like 10s, 500ms or 1m, got " + show(value) + hint);
      return defaultValue;
    }
    return parsed;
  }

  long asBytes(long defaultValue) {
    if (value == null) {
      return defaultValue;
    }
    if (value instanceof Integer || value instanceof Long) {
      return ((Number) value).longValue();
    }
    Matcher m = value instanceof String s ? SIZE.matcher(s.trim()) : null;
    if (m == null || !m.matches()) {
      problem(path, "expected a size like 4MiB or 4194304, got " + show(value));
      return defaultValue;
    }
    long n = Long.parseLong(m.group(1));
    String unit = m.group(2) == null ? "B" : m.group(2);
    return switch (unit) {
      case "KB" -> n * 1000;
      case "KiB" -> n * 1024;
      case "MB" -> n * 1000 * 1000;
      case "MiB" -> n * 1024 * 1024;
      case "GB" -> n * 1000 * 1000 * 1000;
      case "GiB" -> n * 1024 * 1024 * 1024;
      default -> n;
    };
  }

  /** A list of strings, each checked against {@code allowed} unless that is empty. */
  List<String> asStringList(List<String> defaultValue, Set<String> allowed) {
    if (value == null) {
      return defaultValue;
    }
    if (!(value instanceof List<?> list)) {
      problem(path, "expected a list, got " + show(value));
      return defaultValue;
    }
    List<String> out = new ArrayList<>(list.size());
    for (int i = 0; i < list.size(); i++) {
      Object item = list.get(i);
      if (!(item instanceof String s)) {
        problem(path + "[" + i + "]", "expected a string, got " + show(item));
      } else if (!allowed.isEmpty() && !allowed.contains(s)) {
        problem(path + "[" + i + "]", "unknown value " + show(s) + "; expected one of: "
            + String.join(", ", allowed));
      } else {
        out.add(s);
      }
    }
    return List.copyOf(out);
  }

  Map<String, String> asStringMap() {
    Map<String, String> out = new LinkedHashMap<>();
    for (String key : keys()) {
      String v = child(key).asString(null);
      if (v != null) {
        out.put(key, v);
      }
    }
    return Collections.unmodifiableMap(out);
  }

  /** Records a problem at this node's path. */
  void problem(String message) {
    problem(path, message);
  }

  private void problem(String at, String message) {
    problems.add(at + ": " + message);
  }

  @SuppressWarnings("unchecked")
  private Map<String, Object> asMap() {
    if (value == null) {
      return Map.of();
    }
    if (value instanceof Map<?, ?> map) {
      return (Map<String, Object>) map;
    }
    problem(path, "expected a mapping of keys, got " + show(value));
    return Map.of();
  }

  static String show(Object value) {
    if (value instanceof String s) {
      return "\"" + s + "\"";
    }
    if (value instanceof Map<?, ?>) {
      return "a mapping";
    }
    if (value instanceof List<?>) {
      return "a list";
    }
    return String.valueOf(value).toLowerCase(Locale.ROOT);
  }
}
