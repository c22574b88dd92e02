package io.telegen.testsupport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * No test of any module reads a file outside the repository, spells out where another module's
 * build writes its outputs, or reaches into another module by a path relative to its working
 * directory: every test source in the checkout is scanned for the paths that used to do so.
 * Fixtures live in the repository (see {@link RealPayloads}); built artifacts are found through
 * {@link BuildOutputs}, other modules' files through {@link Repository}.
 */
class TestsStayInTheRepositoryTest {

  /** What a test may not say, and why; each is matched against every line of every test file. */
  private static final List<Rule> RULES =
      List.of(
          new Rule(
              Pattern.compile("shared/(fixtures|spec|research)"),
              "reads the project's shared/ folder beside the checkout; copy the file into the"
                  + " repository with its provenance (test-support/src/main/resources/fixtures)"),
          new Rule(
              Pattern.compile("\\.\\./shared\\b"), "reads the shared/ folder beside the checkout"),
          new Rule(
              Pattern.compile("\"(\\.\\./){2,}"),
              "climbs two directories up from a module, which leaves the repository"),
          new Rule(
              Pattern.compile("target/(fake-nvml|nccl-driver|classes|telegen-agent)"),
              "spells out another module's build output; use io.telegen.testsupport.BuildOutputs"),
          new Rule(
              Pattern.compile("\"\\.\\./(proto|gpu|frameworks|receiver-server|integration)/"),
              "reads another module's files relative to the working directory; use"
                  + " io.telegen.testsupport.Repository.dir(\"<module>/...\")"));

  /** Files allowed to name what the rules forbid: the one place build outputs are found. */
  private static final Set<String> EXEMPT =
      Set.of(
          "test-support/src/main/java/io/telegen/testsupport/BuildOutputs.java",
          "test-support/src/test/java/io/telegen/testsupport/TestsStayInTheRepositoryTest.java");

  private static final Pattern MODULE = Pattern.compile("<module>([^<]+)</module>");

  @Test
  void noTestSourceReadsOutsideTheRepositoryOrIntoAnotherModulesBuild() throws IOException {
    Path root = Repository.root();
    List<String> violations = new ArrayList<>();
    for (Path file : testSources(root)) {
      String relative = root.relativize(file).toString();
      if (EXEMPT.contains(relative)) {
        continue;
      }
      List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
      for (int i = 0; i < lines.size(); i++) {
        for (String why : violations(lines.get(i))) {
          violations.add(relative + ":" + (i + 1) + ": " + why + "\n    " + lines.get(i).strip());
        }
      }
    }
    assertEquals("", String.join("\n", violations), "test sources that leave the repository");
  }

  @Test
  void theScanSeesEveryModulesTests() throws IOException {
    Path root = Repository.root();
    Set<String> scanned =
        testSources(root).stream()
            .map(f -> root.relativize(f).toString())
            .map(p -> p.substring(0, p.indexOf("/src/test/")))
            .collect(Collectors.toCollection(TreeSet::new));
    Matcher modules = MODULE.matcher(Files.readString(root.resolve("pom.xml")));
    Set<String> declared = new TreeSet<>();
    while (modules.find()) {
      declared.add(modules.group(1).strip());
    }
    assertTrue(declared.contains("gpu") && declared.contains("integration"), declared.toString());
    assertEquals(declared, scanned, "modules whose test sources were scanned");
  }

  @Test
  void eachRuleCatchesThePathsThatUsedToLeaveTheRepository() {
    assertEquals(
        3,
        violations(
                "Path.of(\"../../shared/fixtures/frameworks/vllm-datadog-fixture-v0-plus-v1.txt\")")
            .size());
    assertEquals(1, violations("p.resolve(\"shared/fixtures/frameworks\")").size());
    assertEquals(1, violations("repoRoot().getParent().resolve(\"shared/spec/x.md\")").size());
    assertEquals(1, violations("gpu.resolve(\"target/nccl-driver/nccl-driver\")").size());
    assertEquals(
        1, violations("MODULE.resolve(\"target/fake-nvml/full/libnvidia-ml.so.1\")").size());
    assertEquals(1, violations("resolve(\"receiver-server/target/telegen-agent.jar\")").size());
    assertEquals(1, violations("Path.of(\"../frameworks/src/test/resources/llm\")").size());
    assertEquals(List.of(), violations("Repository.dir(\"frameworks/src/test/resources/llm\")"));
    assertEquals(List.of(), violations("pid.resolve(\"../cmdline\").normalize()"));
    assertEquals(List.of(), violations("root.resolve(\"integration/target/it-logs\")"));
  }

  private static List<String> violations(String line) {
    List<String> found = new ArrayList<>();
    for (Rule rule : RULES) {
      if (rule.pattern().matcher(line).find()) {
        found.add(rule.why());
      }
    }
    return found;
  }

  /** Every Java, Python and shell file under a {@code src/test} directory, outside build output. */
  private static List<Path> testSources(Path root) throws IOException {
    try (Stream<Path> files = Files.walk(root)) {
      return files
          .filter(Files::isRegularFile)
          .filter(
              f -> {
                String p = root.relativize(f).toString();
                return p.contains("/src/test/")
                    && !p.startsWith(".")
                    && !p.contains("/target/")
                    && (p.endsWith(".java") || p.endsWith(".py") || p.endsWith(".sh"));
              })
          .sorted()
          .toList();
    }
  }

  private record Rule(Pattern pattern, String why) {}
}
