package io.telegen.testsupport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** The copied fixtures carry their provenance: each file has its row and each row its file. */
class RealPayloadsTest {

  /** A table row's first cell: {@code | `name.txt` | ...}. */
  private static final Pattern ROW = Pattern.compile("(?m)^\\| `([^`]+)` \\|");

  @Test
  void everyFixtureHasAProvenanceRowAndEveryRowAFile() throws IOException {
    Set<String> rows = new TreeSet<>();
    Matcher m = ROW.matcher(RealPayloads.read("PROVENANCE.md"));
    while (m.find()) {
      rows.add(m.group(1));
    }
    Set<String> files;
    try (Stream<Path> s = Files.list(RealPayloads.dir())) {
      files =
          s.map(p -> p.getFileName().toString())
              .filter(n -> !n.equals("PROVENANCE.md"))
              .collect(Collectors.toCollection(TreeSet::new));
    }
    assertEquals(8, files.size(), files.toString());
    assertEquals(files, rows, "fixtures and their PROVENANCE.md rows");
  }

  @Test
  void aFixtureIsReadAsItsBytes() {
    String vllm = RealPayloads.read("vllm-datadog-fixture-v0-plus-v1.txt");
    assertTrue(vllm.contains("vllm:time_to_first_token_seconds_bucket"), "vLLM capture");
    assertEquals(21464, RealPayloads.bytes("vllm-datadog-fixture-v0-plus-v1.txt").length);
  }
}
