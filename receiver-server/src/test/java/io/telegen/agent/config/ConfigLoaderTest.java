package io.telegen.agent.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.telegen.agent.naming.MetricNaming;
import io.telegen.frameworks.serving.ServingFrameworks;
import io.telegen.frameworks.training.TrainingFrameworks;
import io.telegen.gpu.GpuOptions;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class ConfigLoaderTest {

  private static final ConfigLoader NO_ENV = ConfigLoader.withEnvironment(Map.of());

  /** The keys under {@code agent.gpu}, in the order the README's table lists them. */
  private static final List<String> GPU_KEYS =
      List.of(
          "enabled",
          "nvidia",
          "amd",
          "poll_interval",
          "metrics",
          "per_process",
          "nvml_library",
          "rocm_smi_library",
          "amd_smi_library",
          "nccl_dir",
          "sys_root");

  @ParameterizedTest(name = "spec example {0}")
  @ValueSource(
      strings = {
        "nvidia-gpu",
        "amd-gpu",
        "vllm",
        "triton",
        "training",
        "per-process",
        "trace-correlation"
      })
  void everySpecExampleParsesVerbatim(String example) throws Exception {
    AgentConfig config = NO_ENV.parse(resource("spec/" + example + ".yaml"), example);
    assertEquals(example, config.origin());
  }

  @Test
  void nvidiaExampleSetsEveryGpuKey() throws Exception {
    AgentConfig.Gpu gpu = NO_ENV.parse(resource("spec/nvidia-gpu.yaml"), "spec").gpu();
    assertTrue(gpu.enabled());
    assertTrue(gpu.nvidia());
    assertEquals(Duration.ofSeconds(10), gpu.pollInterval());
    assertEquals(EnumSet.allOf(GpuOptions.MetricGroup.class), gpu.options().metrics());
    assertTrue(gpu.options().perProcess());
  }

  @Test
  void gpuSettingsReachTheGpuModulesOptions() throws Exception {
    AgentConfig config =
        NO_ENV.parse(
            """
        agent:
          proc_root: /host/proc
          gpu:
            poll_interval: 2s
            metrics: {power: false, pcie_throughput: false}
            per_process: false
            nvml_library: /opt/nvidia/libnvidia-ml.so.1
            nccl_dir: /run/nccl
            sys_root: /host/sys
        """,
            "a");
    GpuOptions expected =
        GpuOptions.builder()
            .pollInterval(Duration.ofSeconds(2))
            .metric(GpuOptions.MetricGroup.POWER, false)
            .metric(GpuOptions.MetricGroup.PCIE_THROUGHPUT, false)
            .perProcess(false)
            .nvmlLibrary(Path.of("/opt/nvidia/libnvidia-ml.so.1"))
            .procRoot(Path.of("/host/proc"))
            .build();
    assertEquals(expected, config.gpu().options());
    assertEquals(Path.of("/run/nccl"), config.gpu().ncclDir());
    assertEquals(Path.of("/host/sys"), config.gpu().sysRoot());
  }

  @Test
  void amdExampleParsesVerbatimAndSwitchesNvidiaOffAndAmdOn() throws Exception {
    AgentConfig.Gpu gpu = NO_ENV.parse(resource("spec/amd-gpu.yaml"), "amd.yaml").gpu();
    assertTrue(gpu.enabled());
    assertFalse(gpu.nvidia());
    assertTrue(gpu.amd());
    assertEquals(Duration.ofSeconds(10), gpu.pollInterval());
    assertNull(gpu.options().amdSmiLibrary());
  }

  @Test
  void amdLibraryKeysAreRead() throws Exception {
    AgentConfig.Gpu gpu =
        NO_ENV
            .parse(
                """
        agent:
          gpu:
            amd: true
            amd_smi_library: /opt/rocm-7.0.2/lib/libamd_smi.so
            rocm_smi_library: /opt/rocm-6.1.0/lib/librocm_smi64.so
        """,
                "a")
            .gpu();
    assertTrue(gpu.amd());
    assertTrue(gpu.nvidia());
    assertEquals(Path.of("/opt/rocm-7.0.2/lib/libamd_smi.so"), gpu.options().amdSmiLibrary());
    assertEquals(Path.of("/opt/rocm-6.1.0/lib/librocm_smi64.so"), gpu.options().rocmSmiLibrary());
    assertFalse(NO_ENV.parse("agent: {gpu: {}}", "a").gpu().amd());
  }

  @Test
  void receiverTlsAndTokenKeysAreReadAndCheckedAllAtOnce(@TempDir Path dir) throws Exception {
    Path cert = Files.writeString(dir.resolve("cert.pem"), "pem");
    Path key = Files.writeString(dir.resolve("key.pem"), "pem");
    Path ca = Files.writeString(dir.resolve("ca.pem"), "pem");
    Path token = Files.writeString(dir.resolve("token"), "s3cret\n");
    AgentConfig.Receiver receiver =
        NO_ENV
            .parse(
                """
        agent:
          receiver:
            endpoint: 0.0.0.0:4319
            tls: {cert_file: %s, key_file: %s, client_ca_file: %s}
            auth: {bearer_token_file: %s}
        """
                    .formatted(cert, key, ca, token),
                "a")
            .receiver();
    assertEquals(
        Optional.of(new AgentConfig.ReceiverTls(cert, key, Optional.of(ca))), receiver.tls());
    assertEquals(Optional.of(token), receiver.bearerTokenFile());

    Path empty = Files.writeString(dir.resolve("empty"), " \n");
    ConfigException e =
        assertThrows(
            ConfigException.class,
            () ->
                NO_ENV.parse(
                    """
        agent:
          receiver:
            tls: {cert_file: %s}
            auth: {bearer_token_file: %s}
        """
                        .formatted(cert, empty),
                    "a"));
    assertEquals(
        List.of(
            "agent.receiver.tls: cert_file and key_file go together (the receiver's certificate"
                + " and its private key); set both or neither",
            "agent.receiver.auth.bearer_token_file: "
                + empty
                + " is empty; write the token into it"),
        e.problems());
    e =
        assertThrows(
            ConfigException.class,
            () ->
                NO_ENV.parse(
                    """
        agent:
          receiver:
            tls: {client_ca_file: %s}
            auth: {bearer_token_file: %s}
        """
                        .formatted(ca, dir.resolve("absent")),
                    "a"));
    assertEquals(
        List.of(
            "agent.receiver.tls.client_ca_file: mutual TLS needs the receiver's own certificate"
                + " too; set cert_file and key_file",
            "agent.receiver.auth.bearer_token_file: cannot read "
                + dir.resolve("absent")
                + " (no such file, or the agent's user may not read it)"),
        e.problems());
  }

  @Test
  void frameworkExamplesKeepTheirSettings() throws Exception {
    AgentConfig.Framework vllm =
        NO_ENV.parse(resource("spec/vllm.yaml"), "spec").aiml().frameworks().get("vllm");
    assertEquals(
        List.of(
            "request_duration",
            "time_to_first_token",
            "tokens_per_second",
            "kv_cache_usage",
            "batch_size"),
        vllm.metrics());
    assertNull(vllm.metricsEndpoint());

    AgentConfig.Framework triton =
        NO_ENV.parse(resource("spec/triton.yaml"), "spec").aiml().frameworks().get("triton");
    assertTrue(triton.enabled());
    assertEquals("http://localhost:8002/metrics", triton.metricsEndpoint());
  }

  @Test
  void trainingAndTraceCorrelationExamples() throws Exception {
    AgentConfig.Training training =
        NO_ENV.parse(resource("spec/training.yaml"), "spec").aiml().training();
    assertTrue(training.enabled());
    assertEquals(List.of("pytorch", "tensorflow", "jax"), training.detectFrameworks());
    assertTrue(training.exportMetrics());
    assertTrue(
        NO_ENV.parse(resource("spec/trace-correlation.yaml"), "spec").aiml().traceCorrelation());
  }

  @Test
  void trainingTagMappingLogDirsAndExportSwitchAreRead() throws Exception {
    AgentConfig.Training training =
        NO_ENV.parse(resource("training/tag-mapping.yaml"), "agent.yaml").aiml().training();
    assertEquals(List.of("pytorch"), training.detectFrameworks());
    assertFalse(training.exportMetrics());
    assertEquals(
        List.of(Path.of("/data/tensorboard"), Path.of("/scratch/runs")), training.logDirs());
    assertEquals(
        Map.of(
            "training_loss",
            List.of("objective/nll", "objective/*"),
            "training_learning_rate",
            List.of("opt/lr")),
        training.tagMapping());
  }

  @Test
  void aTagMappingForANonTrainingMetricNamesTheKeyAndTheChoices() {
    ConfigException e =
        assertThrows(
            ConfigException.class,
            () -> NO_ENV.parse(resource("bad/unknown-training-metric.yaml"), "agent.yaml"));
    assertEquals(1, e.problems().size(), e.problems().toString());
    String problem = e.problems().get(0);
    assertTrue(
        problem.startsWith(
            "agent.aiml.training.tag_mapping.training_accuracy: unknown "
                + "key; expected one of: "),
        problem);
    assertTrue(
        problem.contains("training_loss") && problem.contains("training_gradient_norm"), problem);
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

  /** The README's configuration table, key by key: what an empty {@code agent:} runs with. */
  @Test
  void defaultsAreTheDocumentedDefaults() throws Exception {
    AgentConfig config = NO_ENV.parse("agent: {}", "embedded default");
    assertEquals(NO_ENV.load(null), config);

    assertEquals("telegen-agent", config.serviceName());
    assertEquals(Map.of(), config.resourceAttributes());
    assertEquals(Path.of("/proc"), config.procRoot());
    AgentConfig.Exporter exporter = config.exporter();
    assertEquals("http://127.0.0.1:4317", exporter.target());
    assertEquals("gzip", exporter.compression());
    assertEquals(Duration.ofSeconds(10), exporter.timeout());
    assertEquals(Map.of(), exporter.headers());
    assertEquals(new AgentConfig.Tls(null, null, null), exporter.tlsFiles());
    assertEquals(Duration.ofSeconds(1), exporter.retryInitialInterval());
    assertEquals(Duration.ofSeconds(30), exporter.retryMaxInterval());
    assertEquals(1024, exporter.queueMaxRequests());
    assertEquals(
        new AgentConfig.Receiver(true, "127.0.0.1", 4319, 4L * 1024 * 1024), config.receiver());
    assertEquals(
        new AgentConfig.SelfTelemetry(true, Duration.ofSeconds(10)), config.selfTelemetry());
    AgentConfig.Gpu gpu = config.gpu();
    assertTrue(gpu.enabled());
    assertTrue(gpu.nvidia());
    assertFalse(gpu.amd());
    assertEquals(Duration.ofSeconds(10), gpu.pollInterval());
    assertEquals(EnumSet.allOf(GpuOptions.MetricGroup.class), gpu.options().metrics());
    assertTrue(gpu.options().perProcess());
    assertNull(gpu.options().nvmlLibrary());
    assertNull(gpu.options().amdSmiLibrary());
    assertNull(gpu.options().rocmSmiLibrary());
    assertEquals(Path.of("/proc"), gpu.options().procRoot());
    assertEquals(Path.of("/dev/shm/telegen-nccl"), gpu.ncclDir());
    assertEquals(Path.of("/sys"), gpu.sysRoot());
    AgentConfig.Aiml aiml = config.aiml();
    assertEquals(Map.of(), aiml.frameworks());
    assertEquals(Duration.ofSeconds(10), aiml.scrapeInterval());
    assertFalse(aiml.traceCorrelation());
    AgentConfig.Training training = aiml.training();
    assertFalse(training.enabled());
    assertEquals(List.of("pytorch", "tensorflow", "jax"), training.detectFrameworks());
    assertTrue(training.exportMetrics());
    assertEquals(List.of(), training.logDirs());
    assertEquals(Map.of(), training.tagMapping());
    assertEquals(
        new AgentConfig.Kubernetes(
            Optional.empty(),
            Path.of("/var/lib/kubelet/pod-resources/kubelet.sock"),
            Optional.empty()),
        config.kubernetes());
  }

  @Test
  void namingKey() throws Exception {
    assertEquals(MetricNaming.SPEC, NO_ENV.parse("agent: {}", "a").naming());
    assertEquals(MetricNaming.SEMCONV, NO_ENV.parse("agent: {naming: semconv}", "a").naming());
    assertEquals(MetricNaming.BOTH, NO_ENV.parse("agent: {naming: both}", "a").naming());
    ConfigException e =
        assertThrows(ConfigException.class, () -> NO_ENV.parse("agent: {naming: otel}", "a"));
    assertTrue(
        e.getMessage().contains("agent.naming: expected spec, semconv or both, got \"otel\""),
        e.getMessage());
  }

  @Test
  void kubernetesKeys() throws Exception {
    AgentConfig config =
        NO_ENV.parse(
            "agent: {kubernetes: {enabled: true, pod_resources_socket: /host/kubelet.sock,"
                + " cri_socket: /host/containerd.sock}}",
            "a");
    assertEquals(
        new AgentConfig.Kubernetes(
            Optional.of(true),
            Path.of("/host/kubelet.sock"),
            Optional.of(Path.of("/host/containerd.sock"))),
        config.kubernetes());
  }

  /**
   * Every default the README's configuration table spells as a value is the one the agent runs
   * with: a changed default fails here until the table says it too.
   */
  @Test
  void theReadmeTableStatesTheDefaults() throws Exception {
    AgentConfig config = NO_ENV.parse("agent: {}", "a");
    AgentConfig.Exporter exporter = config.exporter();
    AgentConfig.Receiver receiver = config.receiver();
    AgentConfig.Training training = config.aiml().training();
    Map<String, String> running =
        new TreeMap<>(
            Map.ofEntries(
                Map.entry("agent.service_name", config.serviceName()),
                Map.entry("agent.resource_attributes", config.resourceAttributes().toString()),
                Map.entry("agent.proc_root", config.procRoot().toString()),
                Map.entry("agent.exporter.endpoint", exporter.host() + ":" + exporter.port()),
                Map.entry("agent.exporter.insecure", String.valueOf(!exporter.tls())),
                Map.entry("agent.exporter.compression", exporter.compression()),
                Map.entry("agent.exporter.timeout", Durations.show(exporter.timeout())),
                Map.entry("agent.exporter.headers", exporter.headers().toString()),
                Map.entry(
                    "agent.exporter.retry.initial_interval",
                    Durations.show(exporter.retryInitialInterval())),
                Map.entry(
                    "agent.exporter.retry.max_interval",
                    Durations.show(exporter.retryMaxInterval())),
                Map.entry(
                    "agent.exporter.queue.max_requests",
                    String.valueOf(exporter.queueMaxRequests())),
                Map.entry("agent.receiver.enabled", String.valueOf(receiver.enabled())),
                Map.entry("agent.receiver.endpoint", receiver.host() + ":" + receiver.port()),
                Map.entry(
                    "agent.receiver.max_request_size",
                    receiver.maxRequestBytes() / (1024 * 1024) + "MiB"),
                Map.entry(
                    "agent.self_telemetry.enabled",
                    String.valueOf(config.selfTelemetry().enabled())),
                Map.entry(
                    "agent.self_telemetry.interval",
                    Durations.show(config.selfTelemetry().interval())),
                Map.entry("agent.gpu.enabled", String.valueOf(config.gpu().enabled())),
                Map.entry("agent.gpu.nvidia", String.valueOf(config.gpu().nvidia())),
                Map.entry("agent.gpu.poll_interval", Durations.show(config.gpu().pollInterval())),
                Map.entry(
                    "agent.gpu.per_process", String.valueOf(config.gpu().options().perProcess())),
                Map.entry("agent.gpu.nccl_dir", config.gpu().ncclDir().toString()),
                Map.entry("agent.gpu.sys_root", config.gpu().sysRoot().toString()),
                Map.entry(
                    "agent.kubernetes.pod_resources_socket",
                    config.kubernetes().podResourcesSocket().toString()),
                Map.entry(
                    "agent.aiml.scrape_interval", Durations.show(config.aiml().scrapeInterval())),
                Map.entry(
                    "agent.aiml.trace_correlation",
                    String.valueOf(config.aiml().traceCorrelation())),
                Map.entry("agent.aiml.training.enabled", String.valueOf(training.enabled())),
                Map.entry(
                    "agent.aiml.training.export_metrics", String.valueOf(training.exportMetrics())),
                Map.entry("agent.aiml.training.log_dirs", training.logDirs().toString()),
                Map.entry("agent.naming", config.naming().configValue())));

    Map<String, String> documented = new TreeMap<>(readmeDefaults());
    documented.keySet().retainAll(running.keySet());
    assertEquals(running, documented);
  }

  /**
   * The README table's rows as key → default, where the default is written as one value in
   * backticks; a row of several keys ({@code a.b}, {@code c} or {@code a.b} / {@code c}) gives
   * one default per key, in order.
   */
  private static Map<String, String> readmeDefaults() throws IOException {
    Pattern ticked = Pattern.compile("`([^`]*)`");
    Map<String, String> defaults = new TreeMap<>();
    for (String line : Files.readAllLines(Path.of("../README.md"))) {
      if (!line.startsWith("| `agent.")) {
        continue;
      }
      String[] cells = line.split("\\|");
      List<String> keys = new ArrayList<>();
      Matcher m = ticked.matcher(cells[1]);
      while (m.find()) {
        keys.add(
            keys.isEmpty()
                ? m.group(1)
                : keys.get(0).substring(0, keys.get(0).lastIndexOf('.') + 1) + m.group(1));
      }
      String[] values = cells[2].trim().split(" / |, ");
      if (values.length != keys.size()) {
        continue;
      }
      for (int i = 0; i < values.length; i++) {
        Matcher value = ticked.matcher(values[i]);
        if (value.matches()) {
          defaults.put(keys.get(i), value.group(1));
        }
      }
    }
    return defaults;
  }

  @Test
  void badDurationNamesTheKeyAndWhatWasExpected() {
    ConfigException e =
        assertThrows(
            ConfigException.class,
            () -> NO_ENV.parse(resource("bad/bad-duration.yaml"), "agent.yaml"));
    assertEquals(
        List.of(
            "agent.gpu.poll_interval: expected a duration like 10s, 500ms or 1m, " + "got \"ten\""),
        e.problems());
    assertTrue(e.getMessage().startsWith("invalid configuration in agent.yaml: "), e.getMessage());
  }

  @Test
  void misspeltKeyIsAnErrorListingTheKnownKeys() {
    ConfigException e =
        assertThrows(
            ConfigException.class,
            () -> NO_ENV.parse(resource("bad/misspelt-key.yaml"), "agent.yaml"));
    assertEquals(1, e.problems().size());
    String problem = e.problems().get(0);
    assertTrue(
        problem.startsWith(
            "agent.gpu.enabeld: unknown key; expected one of: enabled, "
                + "nvidia, amd, poll_interval, metrics, per_process, nvml_library, "),
        problem);
    assertTrue(problem.endsWith(", sys_root; did you mean enabled?"), problem);
  }

  @Test
  void unknownKeysAtEveryDepthNameTheKeysKnownThere() {
    ConfigException e =
        assertThrows(
            ConfigException.class,
            () ->
                NO_ENV.parse(
                    """
        agnet: {}
        agent:
          colour: blue
          gpu:
            pol_interval: 5s
            metrics: {memroy: false}
          exporter:
            tls: {ca: /etc/ca.pem}
          aiml:
            frameworks:
              vllm: {metric_endpoint: "http://localhost:8000/metrics"}
        """,
                    "a.yaml"));
    assertEquals(
        List.of(
            "agnet: unknown key; expected one of: agent; did you mean agent?",
            "agent.colour: unknown key; expected one of: service_name, resource_attributes, "
                + "proc_root, exporter, receiver, self_telemetry, gpu, aiml, kubernetes, naming",
            "agent.gpu.pol_interval: unknown key; expected one of: "
                + String.join(", ", GPU_KEYS)
                + "; did you mean poll_interval?",
            "agent.gpu.metrics.memroy: unknown key; expected one of: utilization, memory, "
                + "temperature, power, clock, pcie_throughput, encoder_decoder; did you mean memory?",
            "agent.exporter.tls.ca: unknown key; expected one of: ca_file, cert_file, key_file",
            "agent.aiml.frameworks.vllm.metric_endpoint: unknown key; expected one of: enabled, "
                + "metrics, metrics_endpoint; did you mean metrics_endpoint?"),
        e.problems());
  }

  @Test
  void unknownKeysAndBadValuesAreReportedTogether() {
    ConfigException e =
        assertThrows(
            ConfigException.class,
            () ->
                NO_ENV.parse(
                    """
        agent:
          self_telemetry: {interval: soon, enable: true}
          receiver: {endpont: "0.0.0.0:4319"}
        """,
                    "a.yaml"));
    assertEquals(
        List.of(
            "agent.self_telemetry.interval: expected a duration like 10s, 500ms or 1m, got \"soon\"",
            "agent.self_telemetry.enable: unknown key; expected one of: enabled, interval; did you "
                + "mean enabled?",
            "agent.receiver.endpont: unknown key; expected one of: enabled, endpoint, "
                + "max_request_size, tls, auth; did you mean endpoint?"),
        e.problems());
  }

  @Test
  void aSectionThatIsNotAMappingIsReportedOnce() {
    ConfigException e =
        assertThrows(ConfigException.class, () -> NO_ENV.parse("agent: {gpu: true}", "a.yaml"));
    assertEquals(List.of("agent.gpu: expected a mapping of keys, got true"), e.problems());
  }

  @Test
  void everyProblemIsReportedAtOnce() {
    ConfigException e =
        assertThrows(
            ConfigException.class,
            () -> NO_ENV.parse(resource("bad/several-problems.yaml"), "agent.yaml"));
    assertEquals(
        List.of(
            "agent.receiver.endpoint: expected a port from 1 to 65535 in \"127.0.0.1:99999\"",
            "agent.gpu.enabled: expected true or false, got \"yes please\"",
            "agent.gpu.metrics.memory: expected true or false, got 1"),
        e.problems());
  }

  @Test
  void unknownFrameworkAndMetricGroupAreNamed() {
    ConfigException framework =
        assertThrows(
            ConfigException.class,
            () -> NO_ENV.parse(resource("bad/unknown-framework.yaml"), "a.yaml"));
    assertTrue(
        framework
            .problems()
            .get(0)
            .startsWith(
                "agent.aiml.frameworks.vlm: unknown framework; expected one of: llamacpp, lmdeploy"),
        framework.problems().get(0));

    ConfigException group =
        assertThrows(
            ConfigException.class,
            () -> NO_ENV.parse(resource("bad/unknown-metric-group.yaml"), "a.yaml"));
    assertTrue(
        group
            .problems()
            .get(0)
            .startsWith(
                "agent.aiml.frameworks.vllm.metrics[1]: unknown value \"tokens_per_sec\"; expected one "
                    + "of: "),
        group.problems().get(0));
  }

  @Test
  void frameworkKeysAreTheServingRegistrysNamesAndTfServingIsNotOne() throws Exception {
    ConfigException e =
        assertThrows(
            ConfigException.class,
            () ->
                NO_ENV.parse(
                    "agent:\n  aiml:\n    frameworks:\n      tf_serving: {enabled: true}\n",
                    "a.yaml"));
    assertEquals(
        List.of(
            "agent.aiml.frameworks.tf_serving: unknown framework; expected one of: "
                + String.join(", ", ServingFrameworks.names())),
        e.problems());
    assertTrue(
        e.problems()
            .get(0)
            .endsWith("sglang, tensorflow_serving, tgi, torchserve, " + "triton, vllm"),
        e.problems().get(0));

    AgentConfig config =
        NO_ENV.parse(
            "agent:\n  aiml:\n    frameworks:\n"
                + "      tensorflow_serving: {metrics: [request_count, batch_size]}\n",
            "a.yaml");
    assertEquals(
        List.of("request_count", "batch_size"),
        config.aiml().frameworks().get("tensorflow_serving").metrics());
  }

  @Test
  void detectFrameworksAcceptsTheTrainingFrameworksOnly() {
    ConfigException e =
        assertThrows(
            ConfigException.class,
            () ->
                NO_ENV.parse(
                    "agent:\n  aiml:\n    training:\n      detect_frameworks: [pytorch, mxnet]\n",
                    "a.yaml"));
    assertEquals(1, e.problems().size(), e.problems().toString());
    assertTrue(
        e.problems()
            .get(0)
            .startsWith(
                "agent.aiml.training.detect_frameworks[1]: unknown "
                    + "value \"mxnet\"; expected one of: "),
        e.problems().get(0));
    for (String name : TrainingFrameworks.NAMES) {
      assertTrue(e.problems().get(0).contains(name), e.problems().get(0));
    }
  }

  @Test
  void invalidYamlAndMissingFileSayWhatToDo() {
    ConfigException yaml =
        assertThrows(
            ConfigException.class,
            () -> NO_ENV.parse(resource("bad/not-yaml.yaml"), "broken.yaml"));
    assertTrue(yaml.getMessage().contains("broken.yaml: not valid YAML"), yaml.getMessage());

    ConfigException missing =
        assertThrows(ConfigException.class, () -> NO_ENV.load(Path.of("/nonexistent/agent.yaml")));
    assertTrue(
        missing.getMessage().contains("/nonexistent/agent.yaml: file not found"),
        missing.getMessage());
  }

  @Test
  void emptyDocumentNeedsAnAgentMapping() {
    ConfigException e = assertThrows(ConfigException.class, () -> NO_ENV.parse("", "empty.yaml"));
    assertEquals(
        List.of("agent: missing; the file must have a top-level 'agent:' mapping"), e.problems());
  }

  @Test
  void otelEnvironmentVariablesOverrideTheFile() throws Exception {
    ConfigLoader loader =
        ConfigLoader.withEnvironment(
            Map.of(
                "OTEL_EXPORTER_OTLP_ENDPOINT", "https://collector.example:14317",
                "OTEL_EXPORTER_OTLP_HEADERS", "api-key=s3cr%3Dt, tenant=gpu-team",
                "OTEL_EXPORTER_OTLP_TIMEOUT", "2500",
                "OTEL_EXPORTER_OTLP_COMPRESSION", "none",
                "OTEL_SERVICE_NAME", "gpu-node-agent",
                "OTEL_RESOURCE_ATTRIBUTES", "k8s.node.name=node-7,deployment.environment=prod"));
    AgentConfig config =
        loader.parse(
            """
        agent:
          service_name: from-file
          resource_attributes:
            k8s.node.name: from-file
            team: ml-platform
          exporter:
            endpoint: 127.0.0.1:4317
            headers:
              x-file: kept
        """,
            "agent.yaml");
    AgentConfig.Exporter exporter = config.exporter();
    assertEquals("collector.example", exporter.host());
    assertEquals(14317, exporter.port());
    assertTrue(exporter.tls());
    assertEquals(
        Map.of("x-file", "kept", "api-key", "s3cr=t", "tenant", "gpu-team"), exporter.headers());
    assertEquals(Duration.ofMillis(2500), exporter.timeout());
    assertEquals("none", exporter.compression());
    assertEquals("gpu-node-agent", config.serviceName());
    assertEquals(
        Map.of("k8s.node.name", "node-7", "team", "ml-platform", "deployment.environment", "prod"),
        config.resourceAttributes());
  }

  @Test
  void badEnvironmentValuesNameTheVariable() {
    ConfigLoader loader =
        ConfigLoader.withEnvironment(
            Map.of(
                "OTEL_EXPORTER_OTLP_TIMEOUT", "10s",
                "OTEL_EXPORTER_OTLP_PROTOCOL", "http/protobuf",
                "OTEL_RESOURCE_ATTRIBUTES", "novalue"));
    ConfigException e =
        assertThrows(ConfigException.class, () -> loader.parse("agent: {}\n", "agent.yaml"));
    assertEquals(
        List.of(
            "OTEL_EXPORTER_OTLP_PROTOCOL: the agent exports OTLP over gRPC only; expected \"grpc\", "
                + "got \"http/protobuf\"",
            "OTEL_EXPORTER_OTLP_TIMEOUT: expected milliseconds like 10000, got \"10s\"",
            "OTEL_RESOURCE_ATTRIBUTES: expected key=value pairs separated by commas, got \"novalue\""),
        e.problems());
  }

  @Test
  void everyExporterVariableIsAsStrictAsTheFileAndNamedInItsError() {
    ConfigLoader loader =
        ConfigLoader.withEnvironment(
            Map.of(
                "OTEL_EXPORTER_OTLP_INSECURE", "yes",
                "OTEL_EXPORTER_OTLP_COMPRESSION", "zstd",
                "OTEL_EXPORTER_OTLP_TIMEOUT", "-5",
                "OTEL_EXPORTER_OTLP_ENDPOINT", "collector:43170",
                "OTEL_EXPORTER_OTLP_HEADERS", "api-key",
                "OTEL_EXPORTER_OTLP_CERTIFICATE", "/nonexistent/ca.pem",
                "OTEL_EXPORTER_OTLP_CLIENT_CERTIFICATE", "/nonexistent/client.pem"));
    ConfigException e =
        assertThrows(
            ConfigException.class,
            () ->
                loader.parse(
                    """
        agent:
          gpu: {poll_interval: ten}
          exporter: {compression: gzip, insecure: true}
          self_telemetry: {intervall: 1s}
        """,
                    "agent.yaml"));
    assertEquals(
        List.of(
            "OTEL_EXPORTER_OTLP_INSECURE: expected true or false, got \"yes\"",
            "OTEL_EXPORTER_OTLP_TIMEOUT: expected milliseconds like 10000, got \"-5\"",
            "OTEL_EXPORTER_OTLP_HEADERS: expected key=value pairs separated by commas, got "
                + "\"api-key\"",
            "OTEL_EXPORTER_OTLP_COMPRESSION: expected gzip or none, got \"zstd\"",
            "OTEL_EXPORTER_OTLP_CLIENT_CERTIFICATE: the client certificate and its private key go "
                + "together; set OTEL_EXPORTER_OTLP_CLIENT_CERTIFICATE and "
                + "OTEL_EXPORTER_OTLP_CLIENT_KEY both or neither",
            "OTEL_EXPORTER_OTLP_CERTIFICATE: cannot read /nonexistent/ca.pem",
            "OTEL_EXPORTER_OTLP_CLIENT_CERTIFICATE: cannot read /nonexistent/client.pem",
            "agent.gpu.poll_interval: expected a duration like 10s, 500ms or 1m, got \"ten\"",
            "agent.self_telemetry.intervall: unknown key; expected one of: enabled, interval; did "
                + "you mean interval?"),
        e.problems());
  }

  @Test
  void badEndpointFromTheEnvironmentNamesTheVariable() {
    ConfigLoader loader =
        ConfigLoader.withEnvironment(Map.of("OTEL_EXPORTER_OTLP_ENDPOINT", "collector:99999"));
    ConfigException e =
        assertThrows(ConfigException.class, () -> loader.parse("agent: {}", "agent.yaml"));
    assertEquals(
        List.of(
            "OTEL_EXPORTER_OTLP_ENDPOINT: expected a port from 1 to 65535 in "
                + "\"collector:99999\""),
        e.problems());
  }

  @Test
  void environmentBooleansIgnoreCaseAndEmptyMeansUnset() throws Exception {
    AgentConfig insecureFalse =
        ConfigLoader.withEnvironment(
                Map.of(
                    "OTEL_EXPORTER_OTLP_INSECURE",
                    "FALSE",
                    "OTEL_SERVICE_NAME",
                    "",
                    "OTEL_EXPORTER_OTLP_TIMEOUT",
                    " ",
                    "OTEL_EXPORTER_OTLP_COMPRESSION",
                    ""))
            .parse("agent: {exporter: {endpoint: 'gw:4317', insecure: true, timeout: 3s}}", "a");
    assertTrue(insecureFalse.exporter().tls());
    assertEquals(ConfigLoader.DEFAULT_SERVICE_NAME, insecureFalse.serviceName());
    assertEquals(Duration.ofSeconds(3), insecureFalse.exporter().timeout());
    assertEquals("gzip", insecureFalse.exporter().compression());

    AgentConfig insecureTrue =
        ConfigLoader.withEnvironment(Map.of("OTEL_EXPORTER_OTLP_INSECURE", "True"))
            .parse("agent: {exporter: {endpoint: 'gw:4317', insecure: false}}", "a");
    assertFalse(insecureTrue.exporter().tls());
  }

  @Test
  void schemeDecidesTlsAndInsecureAppliesWithout() throws Exception {
    assertFalse(
        NO_ENV
            .parse("agent: {exporter: {endpoint: 'http://gw:4317', insecure: false}}", "a")
            .exporter()
            .tls());
    assertTrue(
        NO_ENV
            .parse("agent: {exporter: {endpoint: 'gw:4317', insecure: false}}", "a")
            .exporter()
            .tls());
    ConfigException e =
        assertThrows(
            ConfigException.class,
            () -> NO_ENV.parse("agent: {exporter: {endpoint: 'gw:4317/v1/metrics'}}", "a"));
    assertEquals(
        List.of(
            "agent.exporter.endpoint: expected host:port or http(s)://host:port, "
                + "got \"gw:4317/v1/metrics\""),
        e.problems());
  }

  @Test
  void tlsFilesMustExistAndCertNeedsKey() {
    ConfigException e =
        assertThrows(
            ConfigException.class,
            () ->
                NO_ENV.parse(
                    """
        agent:
          exporter:
            tls:
              cert_file: /nonexistent/client.pem
        """,
                    "a"));
    assertEquals(
        List.of(
            "agent.exporter.tls: cert_file and key_file go together (client certificate and its "
                + "private key); set both or neither",
            "agent.exporter.tls: cannot read /nonexistent/client.pem"),
        e.problems());
  }

  @Test
  void sizesAndDurationsAcceptTheirUsualSpellings() throws Exception {
    AgentConfig config =
        NO_ENV.parse(
            """
        agent:
          receiver: {max_request_size: 16MiB}
          self_telemetry: {interval: 1m30s}
          exporter: {retry: {initial_interval: 250ms, max_interval: 1.5s}}
        """,
            "a");
    assertEquals(16L * 1024 * 1024, config.receiver().maxRequestBytes());
    assertEquals(Duration.ofSeconds(90), config.selfTelemetry().interval());
    assertEquals(Duration.ofMillis(250), config.exporter().retryInitialInterval());
    assertEquals(Duration.ofMillis(1500), config.exporter().retryMaxInterval());
  }

  @Test
  void bareNumberDurationSuggestsAUnit() {
    ConfigException e =
        assertThrows(
            ConfigException.class, () -> NO_ENV.parse("agent: {gpu: {poll_interval: 10}}", "a"));
    assertEquals(
        List.of(
            "agent.gpu.poll_interval: expected a duration like 10s, 500ms or 1m, "
                + "got 10 (add a unit: 10s)"),
        e.problems());
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
