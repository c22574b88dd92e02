package io.telegen.catalog;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MetricCatalogMarkdownTest {

  // Surefire runs with the module directory (proto/) as the working directory.
  private static final Path DOCS = Path.of("..", "docs", "metrics.md");

  @Test
  void checkedInDocsMatchTheCatalog() throws IOException {
    String expected = MetricCatalogMarkdown.render(MetricCatalog.load());
    if (!Files.isRegularFile(DOCS)) {
      fail(
          DOCS.toAbsolutePath().normalize()
              + " is missing; generate it from the repository root with:\n  "
              + MetricCatalogMarkdown.REGENERATE);
    }
    String actual = Files.readString(DOCS, StandardCharsets.UTF_8);
    assertEquals(
        expected,
        actual,
        DOCS.toAbsolutePath().normalize()
            + " is out of date with the metric catalog; regenerate it from the repository root with:\n  "
            + MetricCatalogMarkdown.REGENERATE
            + "\n");
  }

  @Test
  void everyMetricAppearsUnderItsArea() {
    String markdown = MetricCatalogMarkdown.render(MetricCatalog.load());
    for (MetricDefinition metric : MetricCatalog.load().metrics()) {
      assertTrue(
          markdown.contains("| `" + metric.name() + "` |"), metric.name() + " is not in a table");
    }
    int previous = -1;
    for (String heading :
        new String[] {
          "## GPU",
          "## Per-process",
          "## MIG",
          "## NVLink, NCCL and network",
          "## LLM serving",
          "## Training",
          "## Agent self-telemetry",
          "## Labels"
        }) {
      int at = markdown.indexOf("\n" + heading + "\n");
      assertTrue(at > previous, heading + " missing or out of order");
      previous = at;
    }
  }

  @Test
  void areasFollowNamesAndSources() {
    MetricCatalog catalog = MetricCatalog.load();
    assertEquals(MetricCatalogMarkdown.Area.GPU, area(catalog, "gpu_utilization_percent"));
    assertEquals(MetricCatalogMarkdown.Area.GPU, area(catalog, "gpu_sm_activity_percent"));
    assertEquals(MetricCatalogMarkdown.Area.PER_PROCESS, area(catalog, "gpu_process_memory_bytes"));
    assertEquals(
        MetricCatalogMarkdown.Area.NVLINK_NCCL, area(catalog, "gpu_nccl_send_bytes_total"));
    assertEquals(
        MetricCatalogMarkdown.Area.NVLINK_NCCL, area(catalog, "gpu_nvlink_rx_bytes_total"));
    assertEquals(MetricCatalogMarkdown.Area.LLM, area(catalog, "llm_kv_cache_usage_bytes"));
    assertEquals(
        MetricCatalogMarkdown.Area.TRAINING, area(catalog, "training_gpu_utilization_percent"));
    assertEquals(MetricCatalogMarkdown.Area.SELF, area(catalog, "telegen_agent_queue_length"));
  }

  @Test
  void theShippedCatalogShowsEverySourceAndLabelAsBuilt() {
    String markdown = MetricCatalogMarkdown.render(MetricCatalog.load());
    String row = row(markdown, "gpu_utilization_percent");
    // AMD GPUs (issue 12) and the pods and jobs of devices and processes (issue 11) are built.
    assertTrue(row.contains("| nvml, gpm, rocm_smi, amd_smi |"), row);
    assertTrue(row.contains("`k8s_pod`, `k8s_namespace`, `k8s_container`, `job`, `node`"), row);
    assertTrue(row(markdown, "gpu_process_memory_bytes").contains("`k8s_pod`"));
    assertFalse(markdown.contains("\n## Planned\n"), "nothing waits");
    assertFalse(markdown.contains("planned: "), "no row names a planned source or label");
  }

  @Test
  void aMetricNothingEmitsYetIsMarkedPlannedWithWhatItWaitsFor() {
    String markdown = MetricCatalogMarkdown.render(TestCatalogs.parse("planned.yaml"));
    String row = row(markdown, "gpu_fan_speed_percent");
    assertTrue(
        row.contains("| planned: rocm_smi | **Planned** (issue 12: AMD GPUs). Fan speed. |"), row);
    assertTrue(
        row(markdown, "gpu_utilization_percent").contains("| `device`; planned: `k8s_pod` |"));
    assertTrue(
        markdown.contains("| issue 11: Kubernetes pods | none | `k8s_pod` (1 metric) |"), markdown);
  }

  @Test
  void aCatalogWithoutPlansHasNoPlannedSection() {
    String markdown = MetricCatalogMarkdown.render(TestCatalogs.parse("valid-minimal.yaml"));
    assertFalse(markdown.contains("## Planned"), markdown);
    assertFalse(markdown.contains("planned"), markdown);
  }

  private static String row(String markdown, String metric) {
    int at = markdown.indexOf("| `" + metric + "` |");
    assertTrue(at >= 0, metric + " has no row");
    return markdown.substring(at, markdown.indexOf('\n', at));
  }

  @Test
  void mainWritesTheRendering(@TempDir Path dir) throws IOException {
    Path out = dir.resolve("docs").resolve("metrics.md");
    MetricCatalogMarkdown.main(new String[] {out.toString()});
    assertEquals(
        MetricCatalogMarkdown.render(MetricCatalog.load()),
        Files.readString(out, StandardCharsets.UTF_8));
  }

  private static MetricCatalogMarkdown.Area area(MetricCatalog catalog, String name) {
    return MetricCatalogMarkdown.areaOf(catalog.get(name));
  }
}
