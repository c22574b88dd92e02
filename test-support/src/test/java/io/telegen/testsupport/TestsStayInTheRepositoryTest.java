package io.telegen.testsupport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
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
  void eachRuleCatchesThePathsThatUsedToLeaveTheRepository() throws IOException {
    // The samples are data, not reads: lines the tests held before, with how many rules each
    // breaks (0 for lines that stay inside the repository).
    List<String> samples;
    try (InputStream in =
        TestsStayInTheRepositoryTest.class.getResourceAsStream("/path-samples.txt")) {
      samples = new String(in.readAllBytes(), StandardCharsets.UTF_8).lines().toList();
    }
    int checked = 0;
    for (String sample : samples) {
      if (sample.isBlank() || sample.startsWith("#")) {
        continue;
      }
      int tab = sample.indexOf('\t');
      String line = sample.substring(tab + 1);
      assertEquals(Integer.parseInt(sample.substring(0, tab)), violations(line).size(), line);
      checked++;
    }
    assertEquals(10, checked, "samples read");
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
