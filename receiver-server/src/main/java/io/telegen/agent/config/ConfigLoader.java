package io.telegen.agent.config;

import io.telegen.agent.naming.MetricNaming;
import io.telegen.agent.receiver.OtlpReceiver;
import io.telegen.frameworks.serving.ServingFrameworks;
import io.telegen.frameworks.training.TrainingFrameworks;
import io.telegen.frameworks.training.TrainingTagMapping;
import io.telegen.gpu.GpuOptions;
import io.telegen.gpu.infiniband.InfinibandSource;
import io.telegen.gpu.nccl.NcclCounterSource;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import org.snakeyaml.engine.v2.api.Load;
import org.snakeyaml.engine.v2.api.LoadSettings;
import org.snakeyaml.engine.v2.exceptions.YamlEngineException;

/**
 * Reads the agent's YAML and the standard OpenTelemetry environment variables into an
 * {@link AgentConfig}. A key exists by being read here, and nowhere else: each read declares its
 * key, and its default is either the literal beside it or, for a module's options (the GPU
 * source's), that module's builder, which the read leaves alone when the key is absent.
 *
 * <p>Environment variables override the file: operators set them per node or per pod, while the
 * file is shared by the fleet. Unknown keys are errors, because a misspelt key that silently does
 * nothing is the most expensive kind of configuration bug; so are keys of features not built yet,
 * and environment values the OpenTelemetry specification does not allow.
 */
public final class ConfigLoader {

  /** The classpath resource the agent runs on when no {@code --config} is given. */
  public static final String EMBEDDED_DEFAULT = "/io/telegen/agent/default-config.yaml";

  public static final String DEFAULT_SERVICE_NAME = "telegen-agent";
  static final int DEFAULT_COLLECTOR_PORT = 4317;

  private final Map<String, String> environment;

  private ConfigLoader(Map<String, String> environment) {
    this.environment = environment;
  }

  /** A loader that reads the process environment. */
  public static ConfigLoader fromEnvironment() {
    return new ConfigLoader(System.getenv());
  }

  /** A loader that reads {@code environment} instead of the process environment. */
  public static ConfigLoader withEnvironment(Map<String, String> environment) {
    return new ConfigLoader(Map.copyOf(environment));
  }

  /** Loads {@code file}, or the embedded default when {@code file} is null. */
  public AgentConfig load(Path file) throws ConfigException {
    if (file == null) {
      try (InputStream in = ConfigLoader.class.getResourceAsStream(EMBEDDED_DEFAULT)) {
        return parse(new String(in.readAllBytes(), StandardCharsets.UTF_8), "embedded default");
      } catch (IOException e) {
        throw new UncheckedIOException("the agent jar is missing " + EMBEDDED_DEFAULT, e);
      }
    }
    String text;
    try {
      text = Files.readString(file);
    } catch (NoSuchFileException e) {
      throw new ConfigException(
          file.toString(),
          List.of(
              "file not found; pass --config with "
                  + "the path of the agent's YAML, or leave it out to run on the embedded default"));
    } catch (IOException e) {
      throw new ConfigException(file.toString(), List.of("cannot read it: " + e.getMessage()));
    }
    return parse(text, file.toString());
  }

  /** Parses YAML text; {@code origin} names it in errors. */
  public AgentConfig parse(String yaml, String origin) throws ConfigException {
    Object document;
    try {
      document = new Load(LoadSettings.builder().setLabel(origin).build()).loadFromString(yaml);
    } catch (YamlEngineException e) {
      throw new ConfigException(origin, List.of("not valid YAML: " + e.getMessage()));
    }
    List<String> problems = new ArrayList<>();
    ConfigNode root = ConfigNode.root(document, problems);
    if (document == null) {
      problems.add("agent: missing; the file must have a top-level 'agent:' mapping");
    }
    OtelEnvironment env = new OtelEnvironment(environment, problems);
    ConfigNode agent = root.child("agent");

    String serviceName = agent.child("service_name").asString(DEFAULT_SERVICE_NAME);
    Map<String, String> resource =
        new LinkedHashMap<>(agent.child("resource_attributes").asStringMap());
    Path procRoot = agent.child("proc_root").asPath().orElse(Path.of("/proc"));
    AgentConfig.Exporter exporter = exporter(agent.child("exporter"), env, problems);

    serviceName = env.string("OTEL_SERVICE_NAME").orElse(serviceName);
    resource.putAll(env.keyValues("OTEL_RESOURCE_ATTRIBUTES"));

    AgentConfig config =
        new AgentConfig(
            origin,
            procRoot,
            serviceName,
            Map.copyOf(resource),
            exporter,
            receiver(agent.child("receiver")),
            selfTelemetry(agent.child("self_telemetry")),
            gpu(agent.child("gpu"), procRoot),
            aiml(agent.child("aiml")),
            kubernetes(agent.child("kubernetes")),
            naming(agent.child("naming")));
    // Last, once everything is read: a key nothing read is one nothing knows.
    root.reportUnknownKeys();
    if (!problems.isEmpty()) {
      throw new ConfigException(origin, problems);
    }
    return config;
  }

  /** A setting and where it came from: a key path, or an environment variable. */
  private record Sourced<T>(T value, String key) {

    Sourced<T> or(Optional<T> override, String variable) {
      return override.map(v -> new Sourced<>(v, variable)).orElse(this);
    }
  }

  private AgentConfig.Exporter exporter(
      ConfigNode node, OtelEnvironment env, List<String> problems) {
    env.oneOf(
        "OTEL_EXPORTER_OTLP_PROTOCOL",
        Set.of("grpc"),
        "the agent exports OTLP over gRPC only; expected \"grpc\"");
    // The file's values, then the OTLP exporter variables as every OpenTelemetry SDK reads them.
    Sourced<String> endpoint =
        new Sourced<>(
                node.child("endpoint").asString("127.0.0.1:" + DEFAULT_COLLECTOR_PORT),
                node.child("endpoint").path())
            .or(env.string("OTEL_EXPORTER_OTLP_ENDPOINT"), "OTEL_EXPORTER_OTLP_ENDPOINT");
    boolean insecure =
        env.bool("OTEL_EXPORTER_OTLP_INSECURE").orElse(node.child("insecure").asBoolean(true));
    Sourced<String> compression =
        new Sourced<>(node.child("compression").asString("gzip"), node.child("compression").path())
            .or(env.string("OTEL_EXPORTER_OTLP_COMPRESSION"), "OTEL_EXPORTER_OTLP_COMPRESSION");
    Duration timeout =
        env.millis("OTEL_EXPORTER_OTLP_TIMEOUT")
            .orElse(node.child("timeout").asDuration(Duration.ofSeconds(10)));
    Map<String, String> headers = new LinkedHashMap<>(node.child("headers").asStringMap());
    headers.putAll(env.keyValues("OTEL_EXPORTER_OTLP_HEADERS"));
    ConfigNode tlsNode = node.child("tls");
    Sourced<Path> ca = tlsFile(tlsNode.child("ca_file"), env, "OTEL_EXPORTER_OTLP_CERTIFICATE");
    Sourced<Path> cert =
        tlsFile(tlsNode.child("cert_file"), env, "OTEL_EXPORTER_OTLP_CLIENT_CERTIFICATE");
    Sourced<Path> key = tlsFile(tlsNode.child("key_file"), env, "OTEL_EXPORTER_OTLP_CLIENT_KEY");
    ConfigNode retry = node.child("retry");
    Duration retryInitial = retry.child("initial_interval").asDuration(Duration.ofSeconds(1));
    Duration retryMax = retry.child("max_interval").asDuration(Duration.ofSeconds(30));
    int queueMax = node.child("queue").child("max_requests").asInt(1024, 1, 1_000_000);
    Optional<Path> queueDirectory = node.child("queue").child("directory").asPath();
    long queueMaxBytes =
        node.child("queue")
            .child("max_bytes")
            .asBytes(AgentConfig.Exporter.DEFAULT_QUEUE_MAX_BYTES);
    Duration shutdownTimeout =
        node.child("shutdown_timeout").asDuration(AgentConfig.Exporter.DEFAULT_SHUTDOWN_TIMEOUT);

    if (!compression.value().equals("gzip") && !compression.value().equals("none")) {
      problems.add(
          compression.key() + ": expected gzip or none, got \"" + compression.value() + "\"");
    }
    if ((cert.value() == null) != (key.value() == null)) {
      Sourced<Path> lone = cert.value() != null ? cert : key;
      problems.add(
          lone.key().startsWith("OTEL_")
              ? lone.key()
                  + ": the client certificate and its private key go together; set "
                  + "OTEL_EXPORTER_OTLP_CLIENT_CERTIFICATE and OTEL_EXPORTER_OTLP_CLIENT_KEY both "
                  + "or neither"
              : tlsNode.path()
                  + ": cert_file and key_file go together (client certificate and its "
                  + "private key); set both or neither");
    }
    for (Sourced<Path> file : List.of(ca, cert, key)) {
      if (file.value() != null && !Files.isReadable(file.value())) {
        problems.add(
            (file.key().startsWith("OTEL_") ? file.key() : tlsNode.path())
                + ": cannot read "
                + file.value());
      }
    }

    // An explicit scheme decides TLS, as in the OpenTelemetry SDKs; insecure applies otherwise.
    boolean tls = !insecure;
    String hostPort = endpoint.value();
    String endpointKey = endpoint.key();
    if (hostPort.startsWith("http://") || hostPort.startsWith("https://")) {
      tls = hostPort.startsWith("https://");
      try {
        URI uri = URI.create(hostPort);
        if (uri.getHost() == null) {
          throw new IllegalArgumentException("no host");
        }
        hostPort = uri.getHost() + (uri.getPort() < 0 ? "" : ":" + uri.getPort());
      } catch (IllegalArgumentException e) {
        problems.add(
            endpointKey
                + ": expected host:port or http(s)://host:port, got \""
                + endpoint.value()
                + "\"");
        hostPort = "127.0.0.1";
      }
    } else if (hostPort.contains("/")) {
      problems.add(
          endpointKey
              + ": expected host:port or http(s)://host:port, got \""
              + endpoint.value()
              + "\"");
      hostPort = "127.0.0.1";
    }
    HostPort target = hostPort(hostPort, DEFAULT_COLLECTOR_PORT, endpointKey, problems);

    return new AgentConfig.Exporter(
        target.host,
        target.port,
        tls,
        new AgentConfig.Tls(ca.value(), cert.value(), key.value()),
        compression.value(),
        timeout,
        Map.copyOf(headers),
        retryInitial,
        retryMax,
        queueMax,
        queueDirectory,
        queueMaxBytes,
        shutdownTimeout);
  }

  private static Sourced<Path> tlsFile(ConfigNode node, OtelEnvironment env, String variable) {
    return new Sourced<>(node.asPath().orElse(null), node.path())
        .or(env.string(variable).map(Path::of), variable);
  }

  private static AgentConfig.Receiver receiver(ConfigNode node) {
    boolean enabled = node.child("enabled").asBoolean(true);
    String endpoint =
        node.child("endpoint")
            .asString(OtlpReceiver.DEFAULT_HOST + ":" + OtlpReceiver.DEFAULT_PORT);
    HostPort hp =
        hostPort(
            endpoint, OtlpReceiver.DEFAULT_PORT, node.child("endpoint").path(), node.problems());
    return new AgentConfig.Receiver(
        enabled,
        hp.host,
        hp.port,
        node.child("max_request_size").asBytes(OtlpReceiver.DEFAULT_MAX_REQUEST_BYTES),
        receiverTls(node.child("tls")),
        bearerTokenFile(node.child("auth").child("bearer_token_file")));
  }

  /** {@code agent.receiver.tls}: the receiver's certificate and key, and the clients' CA. */
  private static Optional<AgentConfig.ReceiverTls> receiverTls(ConfigNode node) {
    Optional<Path> cert = node.child("cert_file").asPath();
    Optional<Path> key = node.child("key_file").asPath();
    Optional<Path> clientCa = node.child("client_ca_file").asPath();
    if (cert.isPresent() != key.isPresent()) {
      node.problems()
          .add(
              node.path()
                  + ": cert_file and key_file go together (the receiver's certificate and its"
                  + " private key); set both or neither");
      return Optional.empty();
    }
    if (cert.isEmpty()) {
      clientCa.ifPresent(
          ca ->
              node.problems()
                  .add(
                      node.child("client_ca_file").path()
                          + ": mutual TLS needs the receiver's own certificate too; set"
                          + " cert_file and key_file"));
      return Optional.empty();
    }
    readable(node.child("cert_file"), cert);
    readable(node.child("key_file"), key);
    readable(node.child("client_ca_file"), clientCa);
    return Optional.of(new AgentConfig.ReceiverTls(cert.get(), key.get(), clientCa));
  }

  /** {@code agent.receiver.auth.bearer_token_file}: a readable file holding a token. */
  private static Optional<Path> bearerTokenFile(ConfigNode node) {
    Optional<Path> file = node.asPath();
    if (file.isPresent() && readable(node, file)) {
      try {
        if (Files.readString(file.get()).isBlank()) {
          node.problems()
              .add(node.path() + ": " + file.get() + " is empty; write the token into it");
        }
      } catch (IOException e) {
        node.problems().add(node.path() + ": cannot read " + file.get() + " (" + e + ")");
      }
    }
    return file;
  }

  private static boolean readable(ConfigNode node, Optional<Path> file) {
    if (file.isPresent() && !Files.isReadable(file.get())) {
      node.problems()
          .add(
              node.path()
                  + ": cannot read "
                  + file.get()
                  + " (no such file, or the agent's user may not read it)");
      return false;
    }
    return true;
  }

  private static AgentConfig.SelfTelemetry selfTelemetry(ConfigNode node) {
    return new AgentConfig.SelfTelemetry(
        node.child("enabled").asBoolean(true),
        node.child("interval").asDuration(Duration.ofSeconds(10)));
  }

  /** {@code agent.gpu}: read into the gpu module's own options, whose builder has the defaults. */
  private static AgentConfig.Gpu gpu(ConfigNode node, Path procRoot) {
    GpuOptions.Builder options = GpuOptions.builder().procRoot(procRoot);
    boolean enabled = node.child("enabled").asBoolean(true);
    boolean nvidia = node.child("nvidia").asBoolean(true);
    boolean amd = node.child("amd").asBoolean(false);
    node.child("poll_interval").duration().ifPresent(options::pollInterval);
    ConfigNode metrics = node.child("metrics");
    for (GpuOptions.MetricGroup group : GpuOptions.MetricGroup.values()) {
      metrics
          .child(group.name().toLowerCase(Locale.ROOT))
          .bool()
          .ifPresent(on -> options.metric(group, on));
    }
    node.child("per_process").bool().ifPresent(options::perProcess);
    node.child("nvml_library").asPath().ifPresent(options::nvmlLibrary);
    node.child("rocm_smi_library").asPath().ifPresent(options::rocmSmiLibrary);
    node.child("amd_smi_library").asPath().ifPresent(options::amdSmiLibrary);
    Path ncclDir = node.child("nccl_dir").asPath().orElse(NcclCounterSource.DEFAULT_DIRECTORY);
    Path sysRoot = node.child("sys_root").asPath().orElse(InfinibandSource.DEFAULT_SYS_ROOT);
    return new AgentConfig.Gpu(enabled, nvidia, amd, options.build(), ncclDir, sysRoot);
  }

  /** {@code agent.naming}: spec (default), semconv or both. */
  private static MetricNaming naming(ConfigNode node) {
    String value = node.asString(MetricNaming.SPEC.configValue());
    return MetricNaming.parse(value)
        .orElseGet(
            () -> {
              node.problem("expected spec, semconv or both, got \"" + value + "\"");
              return MetricNaming.SPEC;
            });
  }

  /**
   * {@code agent.kubernetes}: the kubelet's PodResources socket, on by default where it is, and
   * the container runtime's CRI socket.
   */
  private static AgentConfig.Kubernetes kubernetes(ConfigNode node) {
    return new AgentConfig.Kubernetes(
        node.child("enabled").bool(),
        node.child("pod_resources_socket")
            .asPath()
            .orElse(AgentConfig.Kubernetes.DEFAULT_POD_RESOURCES_SOCKET),
        node.child("cri_socket").asPath());
  }

  private static AgentConfig.Aiml aiml(ConfigNode node) {
    ConfigNode frameworksNode = node.child("frameworks");
    Map<String, AgentConfig.Framework> frameworks = new TreeMap<>();
    for (String name : frameworksNode.keys()) {
      ConfigNode fw = frameworksNode.child(name);
      if (ServingFrameworks.get(name) == null) {
        fw.problem(
            "unknown framework; expected one of: " + String.join(", ", ServingFrameworks.names()));
        continue;
      }
      boolean enabled = fw.child("enabled").asBoolean(true);
      List<String> metrics =
          fw.child("metrics").asStringList(List.of(), ServingFrameworks.METRIC_GROUPS);
      String endpoint = fw.child("metrics_endpoint").asString(null);
      if (endpoint != null && !endpoint.startsWith("http://") && !endpoint.startsWith("https://")) {
        fw.child("metrics_endpoint")
            .problem("expected a URL like http://localhost:8002/metrics, got \"" + endpoint + "\"");
      }
      frameworks.put(name, new AgentConfig.Framework(enabled, metrics, endpoint));
    }
    boolean traceCorrelation = node.child("trace_correlation").asBoolean(false);
    Duration scrapeInterval = node.child("scrape_interval").asDuration(Duration.ofSeconds(10));
    ConfigNode training = node.child("training");
    boolean trainingEnabled = training.child("enabled").asBoolean(false);
    List<String> detectFrameworks =
        training
            .child("detect_frameworks")
            .asStringList(TrainingFrameworks.NAMES, Set.copyOf(TrainingFrameworks.NAMES));
    boolean exportMetrics = training.child("export_metrics").asBoolean(true);
    List<Path> logDirs = new ArrayList<>();
    ConfigNode logDirsNode = training.child("log_dirs");
    for (String dir : logDirsNode.asStringList(List.of(), Set.of())) {
      logDirsNode.asPath(dir).ifPresent(logDirs::add);
    }
    ConfigNode tagNode = training.child("tag_mapping");
    Map<String, List<String>> tagMapping = new TreeMap<>();
    for (String metric : new TreeSet<>(TrainingTagMapping.METRICS)) {
      ConfigNode patterns = tagNode.child(metric);
      if (patterns.isPresent()) {
        tagMapping.put(metric, patterns.asStringList(List.of(), Set.of()));
      }
    }
    return new AgentConfig.Aiml(
        Map.copyOf(frameworks),
        traceCorrelation,
        scrapeInterval,
        new AgentConfig.Training(
            trainingEnabled,
            detectFrameworks,
            exportMetrics,
            List.copyOf(logDirs),
            Map.copyOf(tagMapping)));
  }

  private record HostPort(String host, int port) {}

  private static HostPort hostPort(
      String text, int defaultPort, String key, List<String> problems) {
    String host = text;
    int port = defaultPort;
    int colon = text.lastIndexOf(':');
    if (colon >= 0 && !text.endsWith("]")) {
      host = text.substring(0, colon);
      try {
        port = Integer.parseInt(text.substring(colon + 1));
        if (port < 1 || port > 65535) {
          throw new NumberFormatException();
        }
      } catch (NumberFormatException e) {
        problems.add(key + ": expected a port from 1 to 65535 in \"" + text + "\"");
      }
    }
    if (host.startsWith("[") && host.endsWith("]")) {
      host = host.substring(1, host.length() - 1);
    }
    if (host.isBlank()) {
      problems.add(key + ": expected host:port, got \"" + text + "\"");
      host = "127.0.0.1";
    }
    return new HostPort(host, port);
  }
}
