package io.telegen.agent.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.telegen.frameworks.serving.ServingFrameworks;
import io.telegen.frameworks.training.TrainingFrameworks;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class ConfigLoaderTest {

  private static final ConfigLoader NO_ENV = ConfigLoader.withEnvironment(Map.of());

  @ParameterizedTest(name = "spec example {0}")
  @ValueSource(strings = {"nvidia-gpu", "amd-gpu", "vllm", "triton", "training", "per-process",
      "trace-correlation"})
  void everySpecExampleParsesVerbatim(String example) throws Exception {
    AgentConfig config = NO_ENV.parse(resource("spec/" + example + ".yaml"), example);
    assertEquals(example, config.origin());
  }

  @Test
  void nvidiaExampleSetsEveryGpuKey() throws Exception {
    AgentConfig.Gpu gpu = NO_ENV.parse(resource("spec/nvidia-gpu.yaml"), "spec").gpu();
    assertTrue(gpu.enabled());
    assertTrue(gpu.nvidia());
    assertFalse(gpu.amd());
    assertEquals(Duration.ofSeconds(10), gpu.pollInterval());
    assertEquals(new AgentConfig.GpuMetrics(true, true, true, true, true, true, true),
        gpu.metrics());
    assertTrue(gpu.perProcess());
  }

  @Test
  void amdExampleSwitchesVendors() throws Exception {
    AgentConfig.Gpu gpu = NO_ENV.parse(resource("spec/amd-gpu.yaml"), "spec").gpu();
    assertFalse(gpu.nvidia());
    assertTrue(gpu.amd());
  }

  @Test
  void frameworkExamplesKeepTheirSettings() throws Exception {
    AgentConfig.Framework vllm = NO_ENV.parse(resource("spec/vllm.yaml"), "spec").aiml()
        .frameworks().get("vllm");
    assertEquals(List.of("request_duration", "time_to_first_token", "tokens_per_second",
        "kv_cache_usage", "batch_size"), vllm.metrics());
    assertNull(vllm.metricsEndpoint());

    AgentConfig.Framework triton = NO_ENV.parse(resource("spec/triton.yaml"), "spec").aiml()
        .frameworks().get("triton");
    assertTrue(triton.enabled());
    assertEquals("http://localhost:8002/metrics", triton.metricsEndpoint());
  }

  @Test
  void trainingAndTraceCorrelationExamples() throws Exception {
    AgentConfig.Training training = NO_ENV.parse(resource("spec/training.yaml"), "spec").aiml()
        .training();
    assertTrue(training.enabled());
    assertEquals(List.of("pytorch", "tensorflow", "jax"), training.detectFrameworks());
    assertTrue(training.exportMetrics());
    assertTrue(NO_ENV.parse(resource("spec/trace-correlation.yaml"), "spec").aiml()
        .traceCorrelation());
  }

  @Test
  void trainingTagMappingLogDirsAndExportSwitchAreRead() throws Exception {
    AgentConfig.Training training = NO_ENV.parse(resource("training/tag-mapping.yaml"),
        "agent.yaml").aiml().training();
    assertEquals(List.of("pytorch"), training.detectFrameworks());
    assertFalse(training.exportMetrics());
    assertEquals(List.of(Path.of("/data/tensorboard"), Path.of("/scratch/runs")),
        training.logDirs());
    assertEquals(Map.of("training_loss", List.of("objective/nll", "objective/*"),
        "training_learning_rate", List.of("opt/lr")), training.tagMapping());
  }

  @Test
  void aTagMappingForANonTrainingMetricNamesTheKeyAndTheChoices() {
    ConfigException e = assertThrows(ConfigException.class,
        () -> NO_ENV.parse(resource("bad/unknown-training-metric.yaml"), "agent.yaml"));
    assertEquals(1, e.problems().size(), e.problems().toString());
    String problem = e.problems().get(0);
    assertTrue(problem.startsWith("agent.aiml.training.tag_mapping.training_accuracy: unknown "
        + "key; expected one of: "), problem);
    assertTrue(problem.contains("training_loss") && problem.contains("training_gradient_norm"),
        problem);
  }

  @Test
  void embeddedDefaultWorksWithoutAnyFile() throws Exception {
    AgentConfig config = NO_ENV.load(null);
    assertEquals("embedded default", config.origin());
    assertEquals("127.0.0.1", config.exporter().host());
    assertEquals(4317, config.exporter().port());
    assertFalse(config.exporter().tls());
    assertEquals(4319, config.receiver().port());
    assertEquals(ConfigLoader.DEFAULT_SERVICE_NAME, config.serviceName());
  }

  @Test
  void badDurationNamesTheKeyAndWhatWasExpected() {
    ConfigException e = assertThrows(ConfigException.class,
        () -> NO_ENV.parse(resource("bad/bad-duration.yaml"), "agent.yaml"));
    assertEquals(List.of("agent.gpu.poll_interval: expected a duration like 10s, 500ms or 1m, "
        + "got \"ten\""), e.problems());
    assertTrue(e.getMessage().startsWith("invalid configuration in agent.yaml: "),
        e.getMessage());
  }

  @Test
  void misspeltKeyIsAnErrorListingTheKnownKeys() {
    ConfigException e = assertThrows(ConfigException.class,
        () -> NO_ENV.parse(resource("bad/misspelt-key.yaml"), "agent.yaml"));
    assertEquals(1, e.problems().size());
    assertTrue(e.problems().get(0).startsWith("agent.gpu.enabeld: unknown key; expected one of: "
        + "enabled, nvidia, amd, poll_interval"), e.problems().get(0));
  }

  @Test
  void everyProblemIsReportedAtOnce() {
    ConfigException e = assertThrows(ConfigException.class,
        () -> NO_ENV.parse(resource("bad/several-problems.yaml"), "agent.yaml"));
    assertEquals(List.of(
        "agent.receiver.endpoint: expected a port from 1 to 65535 in \"127.0.0.1:99999\"",
        "agent.gpu.enabled: expected true or false, got \"yes please\"",
        "agent.gpu.metrics.memory: expected true or false, got 1"), e.problems());
  }

  @Test
  void unknownFrameworkAndMetricGroupAreNamed() {
    ConfigException framework = assertThrows(ConfigException.class,
        () -> NO_ENV.parse(resource("bad/unknown-framework.yaml"), "a.yaml"));
    assertTrue(framework.problems().get(0).startsWith(
        "agent.aiml.frameworks.vlm: unknown framework; expected one of: llamacpp, lmdeploy"),
        framework.problems().get(0));

    ConfigException group = assertThrows(ConfigException.class,
        () -> NO_ENV.parse(resource("bad/unknown-metric-group.yaml"), "a.yaml"));
    assertTrue(group.problems().get(0).startsWith(
        "agent.aiml.frameworks.vllm.metrics[1]: unknown value \"tokens_per_sec\"; expected one "
            + "of: "), group.problems().get(0));
  }

  @Test
  void frameworkKeysAreTheServingRegistrysNamesAndTfServingIsNotOne() throws Exception {
    ConfigException e = assertThrows(ConfigException.class, () -> NO_ENV.parse(
        "agent:\n  aiml:\n    frameworks:\n      tf_serving: {enabled: true}\n", "a.yaml"));
    assertEquals(List.of("agent.aiml.frameworks.tf_serving: unknown framework; expected one of: "
        + String.join(", ", ServingFrameworks.names())), e.problems());
    assertTrue(e.problems().get(0).endsWith("sglang, tensorflow_serving, tgi, torchserve, "
        + "triton, vllm"), e.problems().get(0));

    AgentConfig config = NO_ENV.parse("agent:\n  aiml:\n    frameworks:\n"
        + "      tensorflow_serving: {metrics: [request_count, batch_size]}\n", "a.yaml");
    assertEquals(List.of("request_count", "batch_size"),
        config.aiml().frameworks().get("tensorflow_serving").metrics());
  }

  @Test
  void detectFrameworksAcceptsTheTrainingFrameworksOnly() {
    ConfigException e = assertThrows(ConfigException.class, () -> NO_ENV.parse(
        "agent:\n  aiml:\n    training:\n      detect_frameworks: [pytorch, mxnet]\n",
        "a.yaml"));
    assertEquals(1, e.problems().size(), e.problems().toString());
    assertTrue(e.problems().get(0).startsWith("agent.aiml.training.detect_frameworks[1]: unknown "
        + "value \"mxnet\"; expected one of: "), e.problems().get(0));
    for (String name : TrainingFrameworks.NAMES) {
      assertTrue(e.problems().get(0).contains(name), e.problems().get(0));
    }
  }

  @Test
  void invalidYamlAndMissingFileSayWhatToDo() {
    ConfigException yaml = assertThrows(ConfigException.class,
        () -> NO_ENV.parse(resource("bad/not-yaml.yaml"), "broken.yaml"));
    assertTrue(yaml.getMessage().contains("broken.yaml: not valid YAML"), yaml.getMessage());

    ConfigException missing = assertThrows(ConfigException.class,
        () -> NO_ENV.load(Path.of("/nonexistent/agent.yaml")));
    assertTrue(missing.getMessage().contains("/nonexistent/agent.yaml: file not found"),
        missing.getMessage());
  }

  @Test
  void emptyDocumentNeedsAnAgentMapping() {
    ConfigException e = assertThrows(ConfigException.class, () -> NO_ENV.parse("", "empty.yaml"));
    assertEquals(List.of("agent: missing; the file must have a top-level 'agent:' mapping"),
        e.problems());
  }

  @Test
  void otelEnvironmentVariablesOverrideTheFile() throws Exception {
    ConfigLoader loader = ConfigLoader.withEnvironment(Map.of(
        "OTEL_EXPORTER_OTLP_ENDPOINT", "https://collector.example:14317",
        "OTEL_EXPORTER_OTLP_HEADERS", "api-key=s3cr%3Dt, tenant=gpu-team",
        "OTEL_EXPORTER_OTLP_TIMEOUT", "2500",
        "OTEL_EXPORTER_OTLP_COMPRESSION", "none",
        "OTEL_SERVICE_NAME", "gpu-node-agent",
        "OTEL_RESOURCE_ATTRIBUTES", "k8s.node.name=node-7,deployment.environment=prod"));
    AgentConfig config = loader.parse("""
        agent:
          service_name: from-file
          resource_attributes:
            k8s.node.name: from-file
            team: ml-platform
          exporter:
            endpoint: 127.0.0.1:4317
            headers:
              x-file: kept
        """, "agent.yaml");
    AgentConfig.Exporter exporter = config.exporter();
    assertEquals("collector.example", exporter.host());
    assertEquals(14317, exporter.port());
    assertTrue(exporter.tls());
    assertEquals(Map.of("x-file", "kept", "api-key", "s3cr=t", "tenant", "gpu-team"),
        exporter.headers());
    assertEquals(Duration.ofMillis(2500), exporter.timeout());
    assertEquals("none", exporter.compression());
    assertEquals("gpu-node-agent", config.serviceName());
    assertEquals(Map.of("k8s.node.name", "node-7", "team", "ml-platform",
        "deployment.environment", "prod"), config.resourceAttributes());
  }

  @Test
  void badEnvironmentValuesNameTheVariable() {
    ConfigLoader loader = ConfigLoader.withEnvironment(Map.of(
        "OTEL_EXPORTER_OTLP_TIMEOUT", "10s",
        "OTEL_EXPORTER_OTLP_PROTOCOL", "http/protobuf",
        "OTEL_RESOURCE_ATTRIBUTES", "novalue"));
    ConfigException e = assertThrows(ConfigException.class,
        () -> loader.parse("agent: {}\n", "agent.yaml"));
    assertEquals(List.of(
        "OTEL_EXPORTER_OTLP_PROTOCOL: the agent exports OTLP over gRPC only; expected \"grpc\", "
            + "got \"http/protobuf\"",
        "OTEL_EXPORTER_OTLP_TIMEOUT: expected milliseconds like 10000, got \"10s\"",
        "OTEL_RESOURCE_ATTRIBUTES: expected key=value pairs separated by commas, got \"novalue\""),
        e.problems());
  }

  @Test
  void schemeDecidesTlsAndInsecureAppliesWithout() throws Exception {
    assertFalse(NO_ENV.parse("agent: {exporter: {endpoint: 'http://gw:4317', insecure: false}}",
        "a").exporter().tls());
    assertTrue(NO_ENV.parse("agent: {exporter: {endpoint: 'gw:4317', insecure: false}}", "a")
        .exporter().tls());
    ConfigException e = assertThrows(ConfigException.class,
        () -> NO_ENV.parse("agent: {exporter: {endpoint: 'gw:4317/v1/metrics'}}", "a"));
    assertEquals(List.of("agent.exporter.endpoint: expected host:port or http(s)://host:port, "
        + "got \"gw:4317/v1/metrics\""), e.problems());
  }

  @Test
  void tlsFilesMustExistAndCertNeedsKey() {
    ConfigException e = assertThrows(ConfigException.class, () -> NO_ENV.parse("""
        agent:
          exporter:
            tls:
              cert_file: /nonexistent/client.pem
        """, "a"));
    assertEquals(List.of(
        "agent.exporter.tls: cert_file and key_file go together (client certificate and its "
            + "private key); set both or neither",
        "agent.exporter.tls: cannot read /nonexistent/client.pem"), e.problems());
  }

  @Test
  void sizesAndDurationsAcceptTheirUsualSpellings() throws Exception {
    AgentConfig config = NO_ENV.parse("""
        agent:
          receiver: {max_request_size: 16MiB}
          self_telemetry: {interval: 1m30s}
          exporter: {retry: {initial_interval: 250ms, max_interval: 1.5s}}
        """, "a");
    assertEquals(16L * 1024 * 1024, config.receiver().maxRequestBytes());
    assertEquals(Duration.ofSeconds(90), config.selfTelemetry().interval());
    assertEquals(Duration.ofMillis(250), config.exporter().retryInitialInterval());
    assertEquals(Duration.ofMillis(1500), config.exporter().retryMaxInterval());
  }

  @Test
  void bareNumberDurationSuggestsAUnit() {
    ConfigException e = assertThrows(ConfigException.class,
        () -> NO_ENV.parse("agent: {gpu: {poll_interval: 10}}", "a"));
    assertEquals(List.of("agent.gpu.poll_interval: expected a duration like 10s, 500ms or 1m, "
        + "got 10 (add a unit: 10s)"), e.problems());
  }

  private static String resource(String name) throws IOException {
    try (InputStream in = ConfigLoaderTest.class.getResourceAsStream("/config/" + name)) {
      if (in == null) {
        throw new IOException("missing test resource /config/" + name);
      }
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
  }
}
