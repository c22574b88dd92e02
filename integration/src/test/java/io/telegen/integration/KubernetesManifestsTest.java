package io.telegen.integration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import org.snakeyaml.engine.v2.api.Load;
import org.snakeyaml.engine.v2.api.LoadSettings;

/**
 * The Kubernetes deployment we ship, collector-config/kubernetes/ and the Helm chart in
 * collector-config/helm/telegen-agent/: every manifest, and the chart's output with its default and
 * a non-default values file, validate strictly against the API schemas of two supported
 * Kubernetes versions ({@code kubernetes-validate}); {@code helm lint} passes; the chart renders the
 * plain manifests' pod; the collector's ConfigMap is the shipped agent-tier config.
 */
final class KubernetesManifestsTest {

  /** The oldest and the newest Kubernetes minor this deployment supports and is checked against. */
  private static final List<String> KUBERNETES_VERSIONS = List.of("1.34.0", "1.37.0");

  private static final Path KUBERNETES =
      TelegenTools.repoRoot().resolve("collector-config/kubernetes");
  private static final Path CHART =
      TelegenTools.repoRoot().resolve("collector-config/helm/telegen-agent");
  private static final Path NON_DEFAULT_VALUES = KUBERNETES.resolve("test/values-gateway.yaml");
  private static final Duration TIMEOUT = Duration.ofSeconds(120);

  private Path dir;
  private int runs;

  @BeforeEach
  void setUp(TestInfo testInfo) {
    dir = TestLogDir.of(testInfo);
  }

  @Test
  void theKustomizationListsEveryManifestAndEachValidates() throws IOException {
    Map<String, Object> kustomization = single(KUBERNETES.resolve("kustomization.yaml"));
    @SuppressWarnings("unchecked")
    List<String> resources = (List<String>) kustomization.get("resources");
    List<String> present;
    try (Stream<Path> files = Files.list(KUBERNETES)) {
      present =
          files
              .map(p -> p.getFileName().toString())
              .filter(n -> n.endsWith(".yaml") && !n.equals("kustomization.yaml"))
              .sorted()
              .toList();
    }
    assertEquals(present, resources.stream().sorted().toList(), "kustomization.yaml resources");
    assertValid(resources.stream().map(KUBERNETES::resolve).toList());
  }

  @Test
  void aManifestWithAMisspelledFieldIsRejected() throws IOException {
    String daemonSet = Files.readString(KUBERNETES.resolve("daemonset.yaml"));
    Path broken = dir.resolve("broken-daemonset.yaml");
    Files.writeString(broken, daemonSet.replace("readinessProbe:", "readinesProbe:"));
    ExternalProcess.Result result = validate(List.of(broken), KUBERNETES_VERSIONS.get(0));
    assertNotEquals(0, result.exitCode(), "a misspelled field passed:\n" + result.output());
    assertTrue(result.output().contains("readinesProbe"), result.output());
  }

  @Test
  void theCollectorConfigMapsAreTheShippedAgentTierConfig() throws IOException {
    String shipped = Files.readString(TelegenTools.shippedCollectorConfig("agent.yaml"));
    Map<String, Object> configMap = single(KUBERNETES.resolve("collector-config.yaml"));
    assertEquals(shipped, data(configMap).get("agent.yaml"), "collector-config.yaml");
    assertEquals(shipped, Files.readString(CHART.resolve("files/otelcol-agent.yaml")));
    assertEquals(
        Files.readString(TelegenTools.shippedCollectorConfig("agent-to-gateway.yaml")),
        Files.readString(CHART.resolve("files/otelcol-agent-to-gateway.yaml")));
  }

  @Test
  void theChartLintsAndRendersValidManifestsWithDefaultAndNonDefaultValues() throws IOException {
    assertSucceeds(helm(List.of("lint", "--strict", CHART.toString())));
    assertSucceeds(
        helm(List.of("lint", "--strict", CHART.toString(), "-f", NON_DEFAULT_VALUES.toString())));

    Path defaults = template("defaults.yaml", List.of());
    Path nonDefault = template("non-default.yaml", List.of("-f", NON_DEFAULT_VALUES.toString()));
    assertValid(List.of(defaults, nonDefault));

    // The non-default values reach the pod.
    Map<String, Object> pod = podSpec(nonDefault);
    Map<String, Object> agent = container(pod, "telegen");
    assertEquals("registry.example.com/telegen/telegen-agent:0.1.0-test", agent.get("image"));
    assertEquals("nvidia", pod.get("runtimeClassName"));
    assertEquals(Map.of("nvidia.com/gpu.present", "true"), pod.get("nodeSelector"));
    assertEquals(
        Map.of("drop", List.of("ALL")), map(map(agent.get("securityContext")).get("capabilities")));
    Map<String, Object> collector = container(pod, "otelcol");
    assertEquals(
        List.of("--config=/etc/otelcol/agent.yaml", "--config=/etc/otelcol/agent-to-gateway.yaml"),
        collector.get("args"));
    assertTrue(
        collector.get("env").toString().contains("otel-gateway.observability.svc:4317"),
        collector.get("env").toString());
    Map<String, Object> agentConfig = agentConfigOf(nonDefault);
    assertEquals("telegen-agent-gpu", agentConfig.get("service_name"));
    assertEquals("5s", map(agentConfig.get("gpu")).get("poll_interval"));
    assertEquals("/host/sys", map(agentConfig.get("gpu")).get("sys_root"));
  }

  @Test
  void theChartsDefaultPodIsThePlainManifestsPod() throws IOException {
    Path defaults = template("defaults.yaml", List.of());
    assertEquals(
        podSpec(KUBERNETES.resolve("daemonset.yaml")),
        podSpec(defaults),
        "helm template (defaults) and collector-config/kubernetes/daemonset.yaml differ");
    assertEquals(agentConfigOf(KUBERNETES.resolve("agent-config.yaml")), agentConfigOf(defaults));
  }

  // --- helpers -------------------------------------------------------------------------------

  private Path template(String name, List<String> extra) {
    List<String> args =
        new ArrayList<>(
            List.of("template", "telegen-agent", CHART.toString(), "--namespace", "telegen"));
    args.addAll(extra);
    ExternalProcess.Result result = helm(args);
    assertSucceeds(result);
    String output = result.output();
    // ExternalProcess logs the command line first: the manifests start at the first document.
    int start = output.indexOf("---");
    assertTrue(start >= 0, output);
    Path out = dir.resolve(name);
    try {
      Files.writeString(out, output.substring(start));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out;
  }

  private ExternalProcess.Result helm(List<String> args) {
    List<String> command = new ArrayList<>(List.of(TelegenTools.helm().toString()));
    command.addAll(args);
    // Helm's cache, config and data stay in this test's directory (no repositories are used).
    Map<String, String> env =
        Map.of(
            "HELM_CACHE_HOME", dir.resolve("helm/cache").toString(),
            "HELM_CONFIG_HOME", dir.resolve("helm/config").toString(),
            "HELM_DATA_HOME", dir.resolve("helm/data").toString());
    return ExternalProcess.run(
        "helm " + args.get(0), command, env, dir.resolve("helm-" + ++runs + ".log"), TIMEOUT);
  }

  private void assertValid(List<Path> files) {
    for (String version : KUBERNETES_VERSIONS) {
      ExternalProcess.Result result = validate(files, version);
      assertEquals(0, result.exitCode(), "Kubernetes " + version + ":\n" + result.output());
      assertTrue(result.output().contains("passed"), result.output());
      assertTrue(!result.output().contains("WARN"), result.output());
    }
  }

  private ExternalProcess.Result validate(List<Path> files, String version) {
    List<String> command =
        new ArrayList<>(
            List.of(TelegenTools.kubernetesValidate().toString(), "--strict", "-k", version));
    files.forEach(f -> command.add(f.toString()));
    return ExternalProcess.run(
        "kubernetes-validate",
        command,
        Map.of(),
        dir.resolve("validate-" + ++runs + ".log"),
        TIMEOUT);
  }

  private static void assertSucceeds(ExternalProcess.Result result) {
    assertEquals(0, result.exitCode(), result.output());
  }

  private static List<Map<String, Object>> documents(Path file) {
    try {
      List<Map<String, Object>> out = new ArrayList<>();
      for (Object doc :
          new Load(LoadSettings.builder().build()).loadAllFromString(Files.readString(file))) {
        if (doc != null) {
          out.add(map(doc));
        }
      }
      return out;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static Map<String, Object> single(Path file) {
    List<Map<String, Object>> docs = documents(file);
    assertEquals(1, docs.size(), file.toString());
    return docs.get(0);
  }

  private static Map<String, Object> ofKind(Path file, String kind, String nameSuffix) {
    return documents(file).stream()
        .filter(d -> kind.equals(d.get("kind")))
        .filter(d -> map(d.get("metadata")).get("name").toString().endsWith(nameSuffix))
        .findFirst()
        .orElseThrow(() -> new AssertionError("no " + kind + " *" + nameSuffix + " in " + file));
  }

  private static Map<String, Object> podSpec(Path file) {
    Map<String, Object> daemonSet = ofKind(file, "DaemonSet", "telegen-agent");
    return map(map(map(daemonSet.get("spec")).get("template")).get("spec"));
  }

  private static Map<String, Object> agentConfigOf(Path file) {
    String yaml = data(ofKind(file, "ConfigMap", "telegen-agent")).get("agent.yaml").toString();
    return map(map(new Load(LoadSettings.builder().build()).loadFromString(yaml)).get("agent"));
  }

  private static Map<String, Object> container(Map<String, Object> pod, String name) {
    @SuppressWarnings("unchecked")
    List<Object> containers = (List<Object>) pod.get("containers");
    return containers.stream()
        .map(KubernetesManifestsTest::map)
        .filter(c -> name.equals(c.get("name")))
        .findFirst()
        .orElseThrow(() -> new AssertionError("no container " + name));
  }

  private static Map<String, Object> data(Map<String, Object> configMap) {
    return map(configMap.get("data"));
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> map(Object value) {
    return (Map<String, Object>) value;
  }
}
