package io.telegen.catalog;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Renders the {@link MetricCatalog} as {@code docs/metrics.md}.
 *
 * <p>The document is generated, never edited by hand: {@code MetricCatalogMarkdownTest} fails when
 * the checked-in file differs from {@link #render(MetricCatalog)}, so the docs cannot drift from the
 * catalog. Regenerate with {@value #REGENERATE}.
 */
public final class MetricCatalogMarkdown {

  /** The command that rewrites {@code docs/metrics.md}, run from the repository root. */
  public static final String REGENERATE =
      // install first: exec:java resolves proto's test-scope test-support from the local repository
      "mvn -q -pl proto -am install -DskipTests && mvn -q -pl proto exec:java"
          + " -Dexec.mainClass=io.telegen.catalog.MetricCatalogMarkdown";

  private static final String MIG_LABEL = "mig_device";

  /** Areas in document order. MIG is a view over the other areas, so it is filled separately. */
  enum Area {
    GPU(
        "GPU",
        "Device-level metrics of each GPU: from NVML, and GPM on NVIDIA Hopper and newer."
            + " Every GPU vendor reports the same `gpu_*` names."),
    PER_PROCESS("Per-process", "GPU usage of each process."),
    MIG(
        "MIG",
        "Metrics reported per MIG instance. They carry the MIG labels below in addition to the parent"
            + " GPU's labels; physical-GPU metrics (temperature, power, clocks, ...) are reported once for the"
            + " parent."),
    NVLINK_NCCL(
        "NVLink, NCCL and network",
        "NCCL traffic per rank from the Telegen NCCL profiler plugin,"
            + " and the per-device hardware counters used when the plugin is not loaded."),
    LLM(
        "LLM serving",
        "Normalised from each serving framework's `/metrics` (and from LLM traces)."
            + " Histograms appear in Prometheus as `_bucket`, `_sum` and `_count`."),
    TRAINING(
        "Training",
        "From TensorBoard event files, OTLP pushed by training jobs, and detected"
            + " PyTorch/TensorFlow/JAX processes."),
    SELF("Agent self-telemetry", "How the agent itself is doing."),
    OTHER("Other", "");

    final String title;
    final String intro;

    Area(String title, String intro) {
      this.title = title;
      this.intro = intro;
    }
  }

  private MetricCatalogMarkdown() {}

  /**
   * Writes {@code docs/metrics.md}.
   *
   * @param args optionally the output file; by default {@code docs/metrics.md} in the repository
   *     root, found by walking up from the working directory to the directory holding {@code proto/}
   */
  public static void main(String[] args) throws IOException {
    Path target = args.length > 0 ? Path.of(args[0]) : defaultTarget();
    Path parent = target.toAbsolutePath().getParent();
    if (parent != null) {
      Files.createDirectories(parent);
    }
    Files.writeString(target, render(MetricCatalog.load()), StandardCharsets.UTF_8);
    System.out.println("wrote " + target.toAbsolutePath().normalize());
  }

  // exec:java runs in Maven's JVM, whose working directory is wherever mvn was started: the
  // repository root with -pl, or proto/ when run from there.
  private static Path defaultTarget() {
    Path dir = Path.of("").toAbsolutePath();
    while (dir != null) {
      if (Files.isDirectory(dir.resolve("proto")) && Files.isRegularFile(dir.resolve("pom.xml"))) {
        return dir.resolve("docs").resolve("metrics.md");
      }
      dir = dir.getParent();
    }
    throw new IllegalStateException(
        "cannot find the repository root (a directory with pom.xml and proto/)"
            + " above "
            + Path.of("").toAbsolutePath()
            + "; pass the output file as the first argument");
  }

  /** Renders the whole document: one table per area, then the label reference. */
  public static String render(MetricCatalog catalog) {
    StringBuilder md = new StringBuilder();
    md.append("<!-- Generated from proto/src/main/resources")
        .append(MetricCatalog.RESOURCE)
        .append(
            " by io.telegen.catalog.MetricCatalogMarkdown. Do not edit by hand; regenerate with:\n")
        .append("     ")
        .append(REGENERATE)
        .append(" -->\n\n");
    md.append("# Telegen metrics\n\n");
    long specCount = catalog.metrics().stream().filter(MetricDefinition::spec).count();
    md.append("Every metric the agent emits: ")
        .append(catalog.metrics().size())
        .append(" metrics, ")
        .append(specCount)
        .append(
            " of them listed on the Telegen AI/ML page (*spec*), the rest our additions"
                + " (*extra*).\n\n");
    md.append(
        "Names are exactly what Prometheus shows behind the shipped collector config; counters end in"
            + " `_total`. Units are UCUM, as sent in OTLP. Labels in the first list are always present; those"
            + " after \"optional:\" only where they apply (MIG, Kubernetes, training jobs).\n");
    if (!catalog.plans().isEmpty()) {
      md.append(
          "\nSources and labels after \"planned:\" are not built yet: the catalog describes them"
              + " for the work that builds them (see [Planned](#planned)), and no series carries them"
              + " today.\n");
    }

    for (Area area : Area.values()) {
      List<MetricDefinition> metrics =
          area == Area.MIG ? migMetrics(catalog) : inArea(catalog, area);
      if (metrics.isEmpty()) {
        continue;
      }
      md.append("\n## ").append(area.title).append("\n\n");
      if (!area.intro.isEmpty()) {
        md.append(area.intro).append("\n\n");
      }
      if (area == Area.MIG) {
        renderMigLabels(md, catalog);
      }
      renderTable(md, metrics);
    }

    md.append("\n## Sources\n\n");
    md.append(
        "The collectors named in the Sources column. A serving framework's source is also its key"
            + " under `agent.aiml.frameworks` and its `framework` label value.\n\n");
    md.append("| Source | Capability | Description |\n");
    md.append("|---|---|---|\n");
    for (SourceDefinition source : catalog.sources().values()) {
      md.append("| `")
          .append(source.id())
          .append("` | ")
          .append(source.capability())
          .append(" | ")
          .append(cell(source.description()))
          .append(" |\n");
    }
    renderPlans(md, catalog);

    md.append("\n## Labels\n\n");
    md.append("| Label | Description |\n");
    md.append("|---|---|\n");
    for (Map.Entry<String, String> label : catalog.labels().entrySet()) {
      md.append("| `")
          .append(label.getKey())
          .append("` | ")
          .append(cell(label.getValue()))
          .append(" |\n");
    }
    return md.toString();
  }

  /** Which section a metric belongs to. MIG is never returned: it is a view, see {@link #migMetrics}. */
  static Area areaOf(MetricDefinition metric) {
    String name = metric.name();
    if (metric.sources().contains("self")) {
      return Area.SELF;
    }
    if (name.startsWith("training_")) {
      return Area.TRAINING;
    }
    if (name.startsWith("llm_")) {
      return Area.LLM;
    }
    if (name.startsWith("gpu_process_")) {
      return Area.PER_PROCESS;
    }
    if (name.startsWith("gpu_nvlink_")
        || name.startsWith("gpu_nccl_")
        || name.startsWith("infiniband_")) {
      return Area.NVLINK_NCCL;
    }
    if (name.startsWith("gpu_")) {
      return Area.GPU;
    }
    return Area.OTHER;
  }

  private static List<MetricDefinition> inArea(MetricCatalog catalog, Area area) {
    List<MetricDefinition> metrics = new ArrayList<>();
    for (MetricDefinition metric : catalog.metrics()) {
      if (areaOf(metric) == area) {
        metrics.add(metric);
      }
    }
    return metrics;
  }

  private static List<MetricDefinition> migMetrics(MetricCatalog catalog) {
    List<MetricDefinition> metrics = new ArrayList<>();
    for (MetricDefinition metric : catalog.metrics()) {
      if (metric.allLabels().contains(MIG_LABEL)) {
        metrics.add(metric);
      }
    }
    return metrics;
  }

  private static void renderMigLabels(StringBuilder md, MetricCatalog catalog) {
    md.append("| MIG label | Description |\n");
    md.append("|---|---|\n");
    for (String label :
        List.of(
            "mig_device", "mig_profile", "gpu_instance_id", "compute_instance_id", "mig_uuid")) {
      String description = catalog.labels().get(label);
      if (description != null) {
        md.append("| `").append(label).append("` | ").append(cell(description)).append(" |\n");
      }
    }
    md.append('\n');
  }

  /** One row per plan: what it waits for, and which sources and labels of how many metrics. */
  private static void renderPlans(StringBuilder md, MetricCatalog catalog) {
    if (catalog.plans().isEmpty()) {
      return;
    }
    md.append("\n## Planned\n\n");
    md.append(
        "Promised by the catalog, not built yet. Each row names the issue that builds it;"
            + " a test fails when a source emits any of it, so the marker goes when the work lands.\n\n");
    md.append("| Waits for | Planned sources | Planned labels |\n");
    md.append("|---|---|---|\n");
    for (String waitsFor : catalog.plans().values()) {
      Map<String, Integer> sources = new LinkedHashMap<>();
      Map<String, Integer> labels = new LinkedHashMap<>();
      for (MetricDefinition metric : catalog.metrics()) {
        metric
            .plannedSources()
            .forEach(
                (source, plan) -> {
                  if (plan.equals(waitsFor)) {
                    sources.merge(source, 1, Integer::sum);
                  }
                });
        metric
            .plannedLabels()
            .forEach(
                (label, plan) -> {
                  if (plan.equals(waitsFor)) {
                    labels.merge(label, 1, Integer::sum);
                  }
                });
      }
      md.append("| ")
          .append(cell(waitsFor))
          .append(" | ")
          .append(counted(sources, false))
          .append(" | ")
          .append(counted(labels, true))
          .append(" |\n");
    }
  }

  private static String counted(Map<String, Integer> names, boolean code) {
    if (names.isEmpty()) {
      return "none";
    }
    List<String> parts = new ArrayList<>(names.size());
    names.forEach(
        (name, count) ->
            parts.add(
                (code ? "`" + name + "`" : name)
                    + " ("
                    + count
                    + (count == 1 ? " metric)" : " metrics)")));
    return String.join(", ", parts);
  }

  private static void renderTable(StringBuilder md, List<MetricDefinition> metrics) {
    md.append("| Metric | Type | Unit | Labels | Sources | Description | Spec |\n");
    md.append("|---|---|---|---|---|---|---|\n");
    for (MetricDefinition metric : metrics) {
      md.append("| `")
          .append(metric.name())
          .append("` | ")
          .append(metric.type().yamlName())
          .append(" | `")
          .append(metric.unit())
          .append("` | ")
          .append(labelsCell(metric))
          .append(" | ")
          .append(sourcesCell(metric))
          .append(" | ")
          .append(
              metric.planned()
                  ? "**Planned** (" + cell(metric.waitsFor().orElseThrow()) + "). "
                  : "")
          .append(cell(metric.description()))
          .append(" | ")
          .append(metric.spec() ? "spec" : "extra")
          .append(" |\n");
    }
  }

  private static String labelsCell(MetricDefinition metric) {
    List<String> parts = new ArrayList<>();
    if (!metric.labels().isEmpty()) {
      parts.add(codeList(metric.labels()));
    }
    if (!metric.builtOptionalLabels().isEmpty()) {
      parts.add("optional: " + codeList(metric.builtOptionalLabels()));
    }
    if (!metric.plannedLabels().isEmpty()) {
      parts.add("planned: " + codeList(List.copyOf(metric.plannedLabels().keySet())));
    }
    return parts.isEmpty() ? "none" : String.join("; ", parts);
  }

  private static String sourcesCell(MetricDefinition metric) {
    List<String> parts = new ArrayList<>();
    if (!metric.builtSources().isEmpty()) {
      parts.add(String.join(", ", metric.builtSources()));
    }
    if (!metric.plannedSources().isEmpty()) {
      parts.add("planned: " + String.join(", ", metric.plannedSources().keySet()));
    }
    return String.join("; ", parts);
  }

  private static String codeList(List<String> names) {
    List<String> quoted = new ArrayList<>(names.size());
    for (String name : names) {
      quoted.add("`" + name + "`");
    }
    return String.join(", ", quoted);
  }

  // A table cell ends at '|' or a newline; Markdown would swallow "<uuid>" as HTML and "*" as
  // emphasis.
  private static String cell(String text) {
    return text.replace("&", "&amp;")
        .replace("<", "&lt;")
        .replace(">", "&gt;")
        .replace("*", "\\*")
        .replace("|", "\\|")
        .replace("\r", " ")
        .replace("\n", " ");
  }
}
