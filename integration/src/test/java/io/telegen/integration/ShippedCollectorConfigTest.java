package io.telegen.integration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import org.snakeyaml.engine.v2.api.Load;
import org.snakeyaml.engine.v2.api.LoadSettings;

/**
 * The collector configs we ship (collector-config/otelcol/) are accepted by the stock collector,
 * {@code otelcol validate}, with the environment a user sets; broken ones are rejected.
 */
final class ShippedCollectorConfigTest {

  private static final Path AGENT = TelegenTools.shippedCollectorConfig("agent.yaml");
  private static final Path AGENT_TO_GATEWAY =
      TelegenTools.shippedCollectorConfig("agent-to-gateway.yaml");
  private static final Path GATEWAY = TelegenTools.shippedCollectorConfig("gateway.yaml");
  private static final Path PERSISTENT_QUEUE =
      TelegenTools.shippedCollectorConfig("agent-persistent-queue.yaml");
  private static final Path REMOTE_WRITE =
      TelegenTools.shippedCollectorConfig("gateway-remote-write.yaml");

  private Path dir;
  private int validations;

  @BeforeEach
  void setUp(TestInfo testInfo) {
    dir = TestLogDir.of(testInfo);
  }

  @Test
  void agentConfigIsValidWithItsDefaults() {
    assertValid(List.of(AGENT), Map.of());
  }

  @Test
  void agentConfigIsValidWithEveryEnvironmentOverride() {
    assertValid(
        List.of(AGENT),
        Map.of(
            "TELEGEN_OTLP_GRPC_ENDPOINT", "127.0.0.1:14317",
            "TELEGEN_OTLP_HTTP_ENDPOINT", "127.0.0.1:14318",
            "TELEGEN_PROMETHEUS_EXPORTER_ENDPOINT", "127.0.0.1:18889",
            "TELEGEN_PROMETHEUS_METRIC_EXPIRATION", "10m",
            "TELEGEN_COLLECTOR_METRICS_HOST", "127.0.0.1",
            "TELEGEN_COLLECTOR_METRICS_PORT", "18888",
            "TELEGEN_COLLECTOR_MEMORY_LIMIT_MIB", "256",
            "TELEGEN_COLLECTOR_MEMORY_SPIKE_LIMIT_MIB", "64",
            "TELEGEN_COLLECTOR_LOG_LEVEL", "debug"));
  }

  @Test
  void agentWithGatewayOverlayIsValid() {
    assertValid(
        List.of(AGENT, AGENT_TO_GATEWAY),
        Map.of("TELEGEN_GATEWAY_ENDPOINT", "gateway.example.com:4317"));
    assertValid(
        List.of(AGENT, AGENT_TO_GATEWAY),
        Map.of(
            "TELEGEN_GATEWAY_ENDPOINT", "127.0.0.1:24317",
            "TELEGEN_GATEWAY_INSECURE", "true",
            "TELEGEN_GATEWAY_QUEUE_SIZE", "100"));
  }

  @Test
  void gatewayOverlayWithoutItsEndpointIsRejected() {
    ExternalProcess.Result result = validate(List.of(AGENT, AGENT_TO_GATEWAY), Map.of());
    assertNotEquals(
        0, result.exitCode(), "validate accepted an empty gateway endpoint:\n" + result.output());
    assertTrue(result.output().contains("otlp_grpc/gateway"), result.output());
  }

  @Test
  void gatewayOverlayRejectsAnInsecureFlagThatIsNotABoolean() {
    ExternalProcess.Result result =
        validate(
            List.of(AGENT, AGENT_TO_GATEWAY),
            Map.of(
                "TELEGEN_GATEWAY_ENDPOINT",
                "gateway.example.com:4317",
                "TELEGEN_GATEWAY_INSECURE",
                "maybe"));
    assertNotEquals(0, result.exitCode(), result.output());
    assertTrue(result.output().contains("tls.insecure"), result.output());
  }

  @Test
  void persistentQueueOverlayIsValid() {
    assertValid(
        List.of(AGENT, AGENT_TO_GATEWAY, PERSISTENT_QUEUE),
        Map.of(
            "TELEGEN_GATEWAY_ENDPOINT",
            "dns:///gateway.example.com:4317",
            "TELEGEN_QUEUE_DIR",
            dir.resolve("queue").toString()));
  }

  @Test
  void persistentQueueOverlayWithoutTheGatewayOverlayIsRejected() {
    // it changes the gateway exporter's queue: alone on agent.yaml that exporter has no endpoint
    ExternalProcess.Result result = validate(List.of(AGENT, PERSISTENT_QUEUE), Map.of());
    assertNotEquals(0, result.exitCode(), result.output());
    assertTrue(result.output().contains("otlp_grpc/gateway"), result.output());
  }

  @Test
  void remoteWriteOverlayIsValid() {
    assertValid(
        List.of(GATEWAY, REMOTE_WRITE),
        Map.of(
            "TELEGEN_BACKEND_ENDPOINT", "otlp.example.com:4317",
            "TELEGEN_REMOTE_WRITE_URL", "https://mimir.example.com/api/v1/push"));
  }

  @Test
  void remoteWriteOverlayWithoutItsUrlIsRejected() {
    ExternalProcess.Result result =
        validate(
            List.of(GATEWAY, REMOTE_WRITE),
            Map.of("TELEGEN_BACKEND_ENDPOINT", "otlp.example.com:4317"));
    assertNotEquals(0, result.exitCode(), result.output());
    assertTrue(result.output().contains("prometheus_remote_write/backend"), result.output());
  }

  @Test
  void gatewayConfigIsValid() {
    assertValid(List.of(GATEWAY), Map.of("TELEGEN_BACKEND_ENDPOINT", "otlp.example.com:4317"));
  }

  @Test
  void gatewayConfigWithoutItsBackendIsRejected() {
    ExternalProcess.Result result = validate(List.of(GATEWAY), Map.of());
    assertNotEquals(0, result.exitCode(), result.output());
    assertTrue(result.output().contains("otlp_grpc/backend"), result.output());
  }

  @Test
  void agentConfigWithTheTestFileExportersIsValid() {
    Path overlay =
        StockCollector.writeFileExporterOverlay(
            List.of(AGENT),
            dir.resolve("overlay.yaml"),
            Map.of(
                "metrics",
                dir.resolve("m.jsonl"),
                "traces",
                dir.resolve("t.jsonl"),
                "logs",
                dir.resolve("l.jsonl")));
    assertValid(List.of(AGENT, overlay), Map.of());
  }

  @Test
  void misspelledComponentIsRejected() throws IOException {
    String shipped = Files.readString(AGENT);
    String broken = shipped.replace("exporters: [prometheus]", "exporters: [promethues]");
    assertNotEquals(
        shipped, broken, "agent.yaml no longer has `exporters: [prometheus]`; update this test");
    Path config = Files.writeString(dir.resolve("agent-misspelled.yaml"), broken);

    ExternalProcess.Result result = validate(List.of(config), Map.of());

    assertNotEquals(
        0, result.exitCode(), "validate accepted a misspelled exporter:\n" + result.output());
    assertTrue(result.output().contains("promethues"), result.output());
  }

  @Test
  void prometheusExportersKeepTheSpecNamesAndSkipResourceLabels() {
    for (Path config : List.of(AGENT, GATEWAY)) {
      Map<String, Object> prometheus = map(map(load(config), "exporters"), "prometheus");
      assertEquals(
          "UnderscoreEscapingWithoutSuffixes",
          prometheus.get("translation_strategy"),
          config.toString());
      assertEquals(
          Boolean.FALSE,
          map(prometheus, "resource_to_telemetry_conversion").get("enabled"),
          config.toString());
      assertEquals(Boolean.TRUE, prometheus.get("without_scope_info"), config.toString());
    }
  }

  @Test
  void everyPipelineStartsWithTheMemoryLimiterAndEndsWithBatch() {
    for (Path config : List.of(AGENT, GATEWAY)) {
      Map<String, Object> pipelines = map(map(load(config), "service"), "pipelines");
      assertEquals(
          List.of("logs", "metrics", "traces"),
          pipelines.keySet().stream().sorted().toList(),
          config.toString());
      pipelines.forEach(
          (name, pipeline) ->
              assertEquals(
                  List.of("memory_limiter", "batch"),
                  map(pipelines, name).get("processors"),
                  config + " pipeline " + name));
    }
  }

  private void assertValid(List<Path> configs, Map<String, String> env) {
    ExternalProcess.Result result = validate(configs, env);
    assertEquals(
        0,
        result.exitCode(),
        "otelcol validate rejected " + configs + " with " + env + ":\n" + result.output());
  }

  private ExternalProcess.Result validate(List<Path> configs, Map<String, String> env) {
    return StockCollector.validate(
        configs, env, dir.resolve("otelcol-validate-" + ++validations + ".log"));
  }

  private static Map<String, Object> load(Path config) {
    try {
      return map(
          Map.of(
              "root",
              new Load(LoadSettings.builder().build()).loadFromString(Files.readString(config))),
          "root");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> map(Map<String, Object> parent, String key) {
    Object child = parent.get(key);
    assertTrue(child instanceof Map, key + " is not a mapping: " + child);
    return (Map<String, Object>) child;
  }
}
