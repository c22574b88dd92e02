package io.telegen.integration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import org.snakeyaml.engine.v2.api.Dump;
import org.snakeyaml.engine.v2.api.DumpSettings;
import org.snakeyaml.engine.v2.api.Load;
import org.snakeyaml.engine.v2.api.LoadSettings;

/**
 * The shipped Prometheus rules ({@code collector-config/prometheus/rules/}) with the Debian
 * package's promtool: they pass {@code promtool check rules}, their unit tests ({@code
 * collector-config/prometheus/tests/}) pass, every alert is tested both firing and not firing, and
 * the tests are strong enough: each alert's threshold moved 10% either way, its {@code for} moved
 * by one evaluation interval either way and its severity changed, one change at a time, makes
 * {@code promtool test rules} fail.
 */
final class PrometheusRulesTest {

  private static final Duration PROMTOOL_TIMEOUT = Duration.ofSeconds(60);
  private static final String ALERTS = "telegen-alerts.yaml";
  private static final Set<String> SEVERITIES = Set.of("critical", "warning", "info");
  // A comparison with a number on its right: the alert's threshold(s). Label matchers (=, =~, !=
  // followed by a quoted string) and +Inf do not match.
  private static final Pattern THRESHOLD =
      Pattern.compile("(==|!=|>=|<=|>|<)(\\s*)(-?\\d+(?:\\.\\d+)?)(?![\\w.])");

  private static Path prometheusDir() {
    return TelegenTools.repoRoot().resolve("collector-config/prometheus");
  }

  @Test
  void promtoolChecksTheRulesClean(TestInfo testInfo) throws IOException {
    Path dir = TestLogDir.of(testInfo);
    List<String> command = new ArrayList<>(List.of(TelegenTools.promtool().toString(), "check"));
    command.add("rules");
    ruleFiles(prometheusDir()).forEach(f -> command.add(f.toString()));
    ExternalProcess.Result result =
        ExternalProcess.run(
            "promtool check rules", command, Map.of(), dir.resolve("check.log"), PROMTOOL_TIMEOUT);
    assertEquals(0, result.exitCode(), result.output());
    assertTrue(result.output().contains("SUCCESS"), result.output());
    assertTrue(!result.output().contains("WARNING"), result.output());
  }

  @Test
  void promtoolUnitTestsPass(TestInfo testInfo) throws IOException {
    Path dir = TestLogDir.of(testInfo);
    ExternalProcess.Result result = testRules(testFiles(prometheusDir()), dir.resolve("test.log"));
    assertEquals(0, result.exitCode(), result.output());
  }

  @Test
  void everyAlertHasASeverityASummaryAndTestsThatFireAndDoNot() throws IOException {
    Map<String, Map<String, Object>> alerts = alerts(prometheusDir().resolve("rules/" + ALERTS));
    assertTrue(alerts.size() >= 18, "alerts: " + alerts.keySet());
    for (String spec :
        List.of(
            "GPUHighTemperature",
            "GPUOutOfMemory",
            "GPULowUtilization",
            "LLMHighLatency",
            "LLMHighQueueDepth",
            "LLMSlowTTFT")) {
      assertTrue(alerts.containsKey(spec), "the spec's " + spec + " is missing");
    }
    Set<String> firing = new TreeSet<>();
    Set<String> silent = new TreeSet<>();
    for (Path file : testFiles(prometheusDir())) {
      for (Object test : list(load(file).get("tests"))) {
        for (Object check : list(map(test).get("alert_rule_test"))) {
          Map<String, Object> c = map(check);
          String name = (String) c.get("alertname");
          (list(c.get("exp_alerts")).isEmpty() ? silent : firing).add(name);
        }
      }
    }
    alerts.forEach(
        (name, rule) -> {
          Map<String, Object> labels = map(rule.get("labels"));
          assertTrue(SEVERITIES.contains(labels.get("severity")), name + ": " + labels);
          assertTrue(map(rule.get("annotations")).containsKey("summary"), name);
          assertTrue(firing.contains(name), name + " has no test where it fires");
          assertTrue(silent.contains(name), name + " has no test where it does not fire");
        });
  }

  @Test
  void changingAnAlertsThresholdForOrSeverityFailsItsTests(TestInfo testInfo) throws IOException {
    Path dir = TestLogDir.of(testInfo);
    Path alertsFile = prometheusDir().resolve("rules/" + ALERTS);
    List<String> survivors = new ArrayList<>();
    int mutations = 0;
    Path alertTests = prometheusDir().resolve("tests/telegen-alerts.test.yaml");
    for (Mutation mutation : mutations(alertsFile)) {
      mutations++;
      Path copy = dir.resolve("mutation-" + mutations);
      copyTree(prometheusDir(), copy);
      Map<String, Object> root = load(alertsFile);
      mutation.apply(root);
      Files.writeString(
          copy.resolve("rules/" + ALERTS),
          "# "
              + mutation.description()
              + "\n"
              + new Dump(DumpSettings.builder().build()).dumpToString(root));
      // Only the mutated alert's tests (no other test reads it): a fifth of a second each.
      Map<String, Object> tests = load(alertTests);
      tests.put(
          "tests",
          list(tests.get("tests")).stream().filter(t -> testsAlert(t, mutation.alert())).toList());
      Path testFile = copy.resolve("tests/telegen-alerts.test.yaml");
      Files.writeString(testFile, new Dump(DumpSettings.builder().build()).dumpToString(tests));
      ExternalProcess.Result result = testRules(List.of(testFile), copy.resolve("promtool.log"));
      if (result.exitCode() == 0) {
        survivors.add(mutation.description());
      }
    }
    // 18 alerts: a severity and at least one `for` change each, and two per threshold.
    assertTrue(mutations >= 18 * 3, "only " + mutations + " mutations");
    assertEquals(
        List.of(), survivors, "changes the unit tests do not catch (of " + mutations + ")");
  }

  /** One change to one alert of the alerts file. */
  private record Mutation(String alert, String description, Consumer<Map<String, Object>> change) {
    void apply(Map<String, Object> root) {
      change.accept(root);
    }
  }

  private static List<Mutation> mutations(Path alertsFile) throws IOException {
    List<Mutation> mutations = new ArrayList<>();
    for (Map.Entry<String, Map<String, Object>> entry : alerts(alertsFile).entrySet()) {
      String name = entry.getKey();
      Map<String, Object> rule = entry.getValue();
      String severity = (String) map(rule.get("labels")).get("severity");
      String other = severity.equals("warning") ? "critical" : "warning";
      mutations.add(
          new Mutation(
              name,
              name + ": severity " + severity + " -> " + other,
              root -> map(alert(root, name).get("labels")).put("severity", other)));

      Duration forDuration = parseDuration((String) rule.getOrDefault("for", "0m"));
      for (Duration changed :
          forDuration.isZero()
              ? List.of(Duration.ofMinutes(1))
              : List.of(forDuration.plusMinutes(1), forDuration.minusMinutes(1))) {
        String text = changed.toMinutes() + "m";
        mutations.add(
            new Mutation(
                name,
                name + ": for " + rule.get("for") + " -> " + text,
                root -> alert(root, name).put("for", text)));
      }

      String expr = (String) rule.get("expr");
      Matcher matcher = THRESHOLD.matcher(expr);
      while (matcher.find()) {
        double threshold = Double.parseDouble(matcher.group(3));
        double[] changed =
            threshold == 0 ? new double[] {1, -1} : new double[] {threshold * 1.1, threshold * 0.9};
        for (double value : changed) {
          String replaced =
              expr.substring(0, matcher.start(3))
                  + String.format(java.util.Locale.ROOT, "%.6g", value).replaceAll("\\.?0+$", "")
                  + expr.substring(matcher.end(3));
          mutations.add(
              new Mutation(
                  name,
                  name + ": " + matcher.group(1) + " " + matcher.group(3) + " -> " + value,
                  root -> alert(root, name).put("expr", replaced)));
        }
      }
    }
    return mutations;
  }

  private static ExternalProcess.Result testRules(List<Path> testFiles, Path log) {
    List<String> command = new ArrayList<>(List.of(TelegenTools.promtool().toString(), "test"));
    command.add("rules");
    testFiles.forEach(f -> command.add(f.toString()));
    return ExternalProcess.run("promtool test rules", command, Map.of(), log, PROMTOOL_TIMEOUT);
  }

  private static boolean testsAlert(Object test, String alert) {
    return list(map(test).get("alert_rule_test")).stream()
        .anyMatch(check -> alert.equals(map(check).get("alertname")));
  }

  private static List<Path> ruleFiles(Path prometheusDir) throws IOException {
    return yamlFiles(prometheusDir.resolve("rules"));
  }

  private static List<Path> testFiles(Path prometheusDir) throws IOException {
    return yamlFiles(prometheusDir.resolve("tests"));
  }

  private static List<Path> yamlFiles(Path dir) throws IOException {
    try (Stream<Path> files = Files.list(dir)) {
      List<Path> yaml = files.filter(f -> f.toString().endsWith(".yaml")).sorted().toList();
      assertTrue(!yaml.isEmpty(), "no YAML files in " + dir);
      return yaml;
    }
  }

  /** The alerting rules of a rules file by name, in file order. */
  private static Map<String, Map<String, Object>> alerts(Path rulesFile) throws IOException {
    Map<String, Map<String, Object>> alerts = new LinkedHashMap<>();
    for (Object group : list(load(rulesFile).get("groups"))) {
      for (Object rule : list(map(group).get("rules"))) {
        Map<String, Object> r = map(rule);
        if (r.containsKey("alert")) {
          Object previous = alerts.put((String) r.get("alert"), r);
          assertEquals(null, previous, "alert " + r.get("alert") + " defined twice");
        }
      }
    }
    return alerts;
  }

  private static Map<String, Object> alert(Map<String, Object> root, String name) {
    for (Object group : list(root.get("groups"))) {
      for (Object rule : list(map(group).get("rules"))) {
        if (name.equals(map(rule).get("alert"))) {
          return map(rule);
        }
      }
    }
    throw new AssertionError("no alert " + name);
  }

  private static Duration parseDuration(String text) {
    Matcher m = Pattern.compile("(\\d+)([smh])").matcher(text);
    assertTrue(m.matches(), "unsupported duration " + text);
    long n = Long.parseLong(m.group(1));
    return switch (m.group(2)) {
      case "s" -> Duration.ofSeconds(n);
      case "m" -> Duration.ofMinutes(n);
      default -> Duration.ofHours(n);
    };
  }

  private static void copyTree(Path from, Path to) throws IOException {
    Set<Path> files = new LinkedHashSet<>();
    try (Stream<Path> walk = Files.walk(from)) {
      walk.forEach(files::add);
    }
    for (Path source : files) {
      Path target = to.resolve(from.relativize(source).toString());
      if (Files.isDirectory(source)) {
        Files.createDirectories(target);
      } else {
        Files.copy(source, target);
      }
    }
  }

  private static Map<String, Object> load(Path file) {
    try {
      return map(new Load(LoadSettings.builder().build()).loadFromString(Files.readString(file)));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> map(Object value) {
    return value == null ? new LinkedHashMap<>() : (Map<String, Object>) value;
  }

  @SuppressWarnings("unchecked")
  private static List<Object> list(Object value) {
    return value == null ? List.of() : (List<Object>) value;
  }
}
