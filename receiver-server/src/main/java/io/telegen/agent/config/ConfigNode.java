package io.telegen.agent.config;

import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One node of a parsed YAML document that knows its key path, so every typed read can report a
 * mistake as {@code agent.gpu.poll_interval: expected a duration like 10s, got "ten"}.
 *
 * <p>Problems are collected, not thrown, so that one run shows them all. A missing key or an
 * explicit YAML null reads as the default.
 *
 * <p>A node remembers the keys it was asked for with {@link #child}: those are the keys known at
 * its level. After the whole document is read, {@link #reportUnknownKeys} names every key that
 * nothing asked for, so the reads are the only list of keys there is.
 */
final class ConfigNode {

  private static final Pattern SIZE = Pattern.compile("(\\d+)\\s*(B|KB|KiB|MB|MiB|GB|GiB)?");

  private final String path;
  private final Object value;
  private final List<String> problems;

  /** The keys read, in the order they were first read. */
  private final Map<String, ConfigNode> children = new LinkedHashMap<>();

  private boolean notAMappingReported;

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

  /**
   * The child at {@code key}, which becomes a known key of this node; absent when this node is
   * absent or not a mapping.
   */
  ConfigNode child(String key) {
    return children.computeIfAbsent(
        key, k -> new ConfigNode(path.isEmpty() ? k : path + "." + k, asMap().get(k), problems));
  }

  /**
   * Declares a key whose feature this version does not have yet: present with any value but
   * {@code offValue} (null: any value at all), it is refused with a message saying so. Building
   * the feature replaces this declaration with the key's read.
   *
   * @param feature what is missing, as the operator knows it ("AMD GPUs")
   */
  void planned(String feature, Object offValue) {
    if (value == null || (offValue != null && offValue.equals(value))) {
      return;
    }
    problem(
        feature
            + " are not supported by this version yet (planned); remove the key"
            + (offValue == null ? "" : " or set it to " + show(offValue)));
  }

  /**
   * Reports, under this node and every node read below it, each key of the document that
   * nothing read, with the keys known at its level. A node none of whose keys was read (a
   * scalar, a list, or a mapping already refused as a whole) is not looked into.
   */
  void reportUnknownKeys() {
    if (children.isEmpty() || !(value instanceof Map<?, ?> map)) {
      return;
    }
    for (Object key : map.keySet()) {
      ConfigNode read = children.get(String.valueOf(key));
      if (read != null) {
        read.reportUnknownKeys();
        continue;
      }
      String name = String.valueOf(key);
      String nearest = nearest(name, children.keySet());
      problem(
          path.isEmpty() ? name : path + "." + name,
          "unknown key; expected one of: "
              + String.join(", ", children.keySet())
              + (nearest == null ? "" : "; did you mean " + nearest + "?"));
    }
  }

  /** The keys of this mapping, in document order; empty when absent. */
  Set<String> keys() {
    return asMap().keySet();
  }

  boolean asBoolean(boolean defaultValue) {
    return bool().orElse(defaultValue);
  }

  /** The boolean here; empty when absent or not one (a problem then). */
  Optional<Boolean> bool() {
    if (value == null) {
      return Optional.empty();
    }
    if (value instanceof Boolean b) {
      return Optional.of(b);
    }
    problem(path, "expected true or false, got " + show(value));
    return Optional.empty();
  }

  /** The path here; empty when absent, blank or not a string (a problem then). */
  Optional<Path> asPath() {
    String text = asString(null);
    return text == null || text.isBlank() ? Optional.empty() : asPath(text);
  }

  /** {@code text} (read at this node) as a path; empty when it is none (a problem then). */
  Optional<Path> asPath(String text) {
    try {
      return Optional.of(Path.of(text));
    } catch (InvalidPathException e) {
      // The text itself is not repeated: what makes it no path (a NUL) would garble the log.
      problem(path, "not a file path (" + e.getReason() + ")");
      return Optional.empty();
    }
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
    return duration().orElse(defaultValue);
  }

  /** The positive duration here; empty when absent or not one (a problem then). */
  Optional<Duration> duration() {
    if (value == null) {
      return Optional.empty();
    }
    Duration parsed = value instanceof String s ? Durations.parse(s.trim()) : null;
    if (parsed == null || parsed.isZero() || parsed.isNegative()) {
      String hint = value instanceof Number n ? " (add a unit: " + n + "s)" : "";
      problem(path, "expected a duration like 10s, 500ms or 1m, got " + show(value) + hint);
      return Optional.empty();
    }
    return Optional.of(parsed);
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
    String unit = m.group(2) == null ? "B" : m.group(2);
    long scale =
        switch (unit) {
          case "KB" -> 1000;
          case "KiB" -> 1024;
          case "MB" -> 1000 * 1000;
          case "MiB" -> 1024 * 1024;
          case "GB" -> 1000 * 1000 * 1000;
          case "GiB" -> 1024 * 1024 * 1024;
          default -> 1;
        };
    try {
      return Math.multiplyExact(Long.parseLong(m.group(1)), scale);
    } catch (ArithmeticException | NumberFormatException e) {
      problem(path, "expected a size like 4MiB or 4194304, got " + show(value) + ", too large");
      return defaultValue;
    }
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
        problem(
            path + "[" + i + "]",
            "unknown value " + show(s) + "; expected one of: " + String.join(", ", allowed));
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
      if (map.keySet().stream().allMatch(String.class::isInstance)) {
        return (Map<String, Object>) map;
      }
      // YAML keys may be numbers, booleans or null ("1:", "false:"); they are read, and reported
      // when unknown, by their text, as reportUnknownKeys names them.
      Map<String, Object> byText = new LinkedHashMap<>();
      map.forEach((k, v) -> byText.put(String.valueOf(k), v));
      return byText;
    }
    if (!notAMappingReported) {
      notAMappingReported = true;
      problem(path, "expected a mapping of keys, got " + show(value));
    }
    return Map.of();
  }

  /** The known key {@code key} is most likely a misspelling of, or null. */
  private static String nearest(String key, Set<String> known) {
    String best = null;
    int bestDistance = key.length() <= 4 ? 1 : 2;
    for (String candidate : known) {
      int d = editDistance(key, candidate);
      if (d <= bestDistance && (best == null || d < editDistance(key, best))) {
        best = candidate;
        bestDistance = d;
      }
    }
    return best;
  }

  /** Edits (insert, delete, replace, swap of neighbours) that turn {@code a} into {@code b}. */
  private static int editDistance(String a, String b) {
    int[][] d = new int[a.length() + 1][b.length() + 1];
    for (int i = 0; i <= a.length(); i++) {
      d[i][0] = i;
    }
    for (int j = 0; j <= b.length(); j++) {
      d[0][j] = j;
    }
    for (int i = 1; i <= a.length(); i++) {
      for (int j = 1; j <= b.length(); j++) {
        int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
        d[i][j] = Math.min(Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1), d[i - 1][j - 1] + cost);
        if (i > 1
            && j > 1
            && a.charAt(i - 1) == b.charAt(j - 2)
            && a.charAt(i - 2) == b.charAt(j - 1)) {
          d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
        }
      }
    }
    return d[a.length()][b.length()];
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
