package io.telegen.agent.config;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The standard OpenTelemetry SDK environment variables, read as strictly as the file: a value
 * the OpenTelemetry specification does not allow is a problem naming the variable, collected with
 * the file's problems. An empty value means unset, as the specification says.
 */
final class OtelEnvironment {

  private final Map<String, String> variables;
  private final List<String> problems;

  OtelEnvironment(Map<String, String> variables, List<String> problems) {
    this.variables = variables;
    this.problems = problems;
  }

  /** The trimmed value of {@code name}; empty when unset or blank. */
  Optional<String> string(String name) {
    String value = variables.get(name);
    return value == null || value.isBlank() ? Optional.empty() : Optional.of(value.trim());
  }

  /** {@code true} or {@code false} in any case, as the specification's booleans. */
  Optional<Boolean> bool(String name) {
    Optional<String> text = string(name);
    if (text.isEmpty()) {
      return Optional.empty();
    }
    String value = text.get().toLowerCase(Locale.ROOT);
    if (value.equals("true") || value.equals("false")) {
      return Optional.of(value.equals("true"));
    }
    problem(name, "expected true or false, got \"" + text.get() + "\"");
    return Optional.empty();
  }

  /** A positive whole number of milliseconds, as the specification's timeouts. */
  Optional<Duration> millis(String name) {
    Optional<String> text = string(name);
    if (text.isEmpty()) {
      return Optional.empty();
    }
    try {
      long millis = Long.parseLong(text.get());
      if (millis > 0) {
        return Optional.of(Duration.ofMillis(millis));
      }
    } catch (NumberFormatException e) {
      // reported below
    }
    problem(name, "expected milliseconds like 10000, got \"" + text.get() + "\"");
    return Optional.empty();
  }

  /** One of {@code allowed}, spelt exactly. */
  Optional<String> oneOf(String name, Set<String> allowed, String expected) {
    Optional<String> text = string(name);
    if (text.isPresent() && !allowed.contains(text.get())) {
      problem(name, expected + ", got \"" + text.get() + "\"");
      return Optional.empty();
    }
    return text;
  }

  /** The W3C-baggage-like {@code k=v,k2=v2} lists, percent-decoded; empty when unset. */
  Map<String, String> keyValues(String name) {
    Map<String, String> out = new LinkedHashMap<>();
    for (String item : string(name).orElse("").split(",")) {
      if (item.isBlank()) {
        continue;
      }
      int eq = item.indexOf('=');
      if (eq <= 0) {
        problem(name, "expected key=value pairs separated by commas, got \"" + item.trim() + "\"");
        continue;
      }
      try {
        out.put(
            URLDecoder.decode(item.substring(0, eq).trim(), StandardCharsets.UTF_8),
            URLDecoder.decode(item.substring(eq + 1).trim(), StandardCharsets.UTF_8));
      } catch (IllegalArgumentException e) {
        problem(name, "bad percent-encoding in \"" + item.trim() + "\"");
      }
    }
    return out;
  }

  void problem(String name, String message) {
    problems.add(name + ": " + message);
  }
}
