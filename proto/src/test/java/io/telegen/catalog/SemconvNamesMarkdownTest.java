package io.telegen.catalog;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class SemconvNamesMarkdownTest {

  // Surefire runs with the module directory (proto/) as the working directory.
  private static final Path DOCS = Path.of("..", "docs", "semconv.md");

  @Test
  void checkedInDocsMatchTheMapping() throws IOException {
    String expected = SemconvNamesMarkdown.render(SemconvNames.load(MetricCatalog.load()));
    assertTrue(
        Files.isRegularFile(DOCS),
        DOCS.toAbsolutePath().normalize()
            + " is missing; generate it from the repository root with:\n  "
            + SemconvNamesMarkdown.REGENERATE);
    assertEquals(
        expected,
        Files.readString(DOCS, StandardCharsets.UTF_8),
        DOCS.toAbsolutePath().normalize()
            + " is out of date with semconv.yaml; regenerate it from the repository root with:\n  "
            + SemconvNamesMarkdown.REGENERATE
            + "\n");
  }

  @Test
  void theDocsSayWhichMetricsHaveNoName() {
    String markdown = SemconvNamesMarkdown.render(SemconvNames.load(MetricCatalog.load()));
    assertTrue(
        markdown.contains("| `gpu_utilization_percent` | `hw.gpu.utilization` | `1` | × 0.01 |"),
        markdown);
    assertTrue(markdown.contains("| `gpu_sm_clock_hz` | no convention for GPU clocks |"), markdown);
  }
}
