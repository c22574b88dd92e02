package io.telegen.catalog;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * Renders {@link SemconvNames} as {@code docs/semconv.md}: which catalog metrics the agent sends
 * under which OpenTelemetry semantic-convention name with {@code agent.naming: semconv}, and why
 * the others have none. Generated, never edited: {@code SemconvNamesMarkdownTest} fails when the
 * checked-in file differs. Regenerate with {@value #REGENERATE}.
 */
public final class SemconvNamesMarkdown {

  /** The command that rewrites {@code docs/semconv.md}, run from the repository root. */
  public static final String REGENERATE =
      "mvn -q -pl proto -am install -DskipTests && mvn -q -pl proto exec:java"
          + " -Dexec.mainClass=io.telegen.catalog.SemconvNamesMarkdown";

  private SemconvNamesMarkdown() {}

  /** The document for {@code names}. */
  public static String render(SemconvNames names) {
    StringBuilder md = new StringBuilder();
    md.append("# Semantic-convention names\n\n")
        .append("<!-- generated from proto/src/main/resources/io/telegen/catalog/semconv.yaml by ")
        .append("io.telegen.catalog.SemconvNamesMarkdown; do not edit -->\n\n")
        .append(
            "With `agent.naming: semconv` the agent sends the metrics below under their OpenTelemetry"
                + " semantic-convention names (hardware `hw.*` and GenAI `gen_ai.*`, development"
                + " stability) instead of the spec's names, for OTLP-native backends; with `both` it"
                + " sends each mapped metric twice, under both names. `spec`, the default, sends the"
                + " spec's names only ([metrics.md](metrics.md)). The metrics the conventions have no"
                + " name for are sent under the spec's name in every mode.\n\n")
        .append("Label renames on every mapped metric (other labels are kept as they are):\n\n")
        .append("| label | attribute |\n|---|---|\n");
    names
        .labels()
        .forEach((l, a) -> md.append("| `").append(l).append("` | `").append(a).append("` |\n"));
    md.append("\n## Mapped\n\n| metric | convention name | unit | value | added attributes |\n")
        .append("|---|---|---|---|---|\n");
    for (SemconvName name : names.mapped().values()) {
      md.append("| `")
          .append(name.metric())
          .append("` | `")
          .append(name.name())
          .append("` | `")
          .append(name.unit())
          .append("` | ")
          .append(name.scale() == 1 ? "as is" : "× " + trim(name.scale()))
          .append(" | ")
          .append(attributes(name.attributes()))
          .append(" |\n");
    }
    md.append("\n## No convention name\n\n| metric | why |\n|---|---|\n");
    names
        .none()
        .forEach((m, why) -> md.append("| `").append(m).append("` | ").append(why).append(" |\n"));
    return md.toString();
  }

  private static String attributes(Map<String, String> attributes) {
    if (attributes.isEmpty()) {
      return "";
    }
    return attributes.entrySet().stream()
        .map(e -> "`" + e.getKey() + "=" + e.getValue() + "`")
        .collect(Collectors.joining(", "));
  }

  private static String trim(double value) {
    return value == Math.rint(value) ? Long.toString((long) value) : Double.toString(value);
  }

  /** Writes {@code docs/semconv.md} under the directory given (default: the working directory). */
  public static void main(String[] args) throws IOException {
    Path root = Path.of(args.length > 0 ? args[0] : ".");
    Path out = root.resolve("docs/semconv.md");
    Files.writeString(out, render(SemconvNames.load(MetricCatalog.load())), StandardCharsets.UTF_8);
    System.out.println("wrote " + out);
  }
}
