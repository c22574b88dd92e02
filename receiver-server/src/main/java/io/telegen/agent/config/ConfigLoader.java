package io.telegen.agent.config;

import io.telegen.frameworks.serving.ServingFrameworks;
import io.telegen.frameworks.training.TrainingFrameworks;
import io.telegen.frameworks.training.TrainingTagMapping;
import io.telegen.gpu.nccl.NcclCounterSource;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.snakeyaml.engine.v2.api.Load;
import org.snakeyaml.engine.v2.api.LoadSettings;
import org.snakeyaml.engine.v2.exceptions.YamlEngineException;

/**
 * Reads the agent's YAML and the standard OpenTelemetry environment variables into an
 * {@link AgentConfig}. Every default is here.
 *
 * <p>Environment variables override the file: operators set them per node or per pod, while the
 * file is shared by the fleet. Unknown keys are errors, because a misspelt key that silently does
 * nothing is the most expensive kind of configuration bug.
 */
public final class ConfigLoader {

  /** The classpath resource the agent runs on when no {@code --config} is given. */
  public static final String EMBEDDED_DEFAULT = "/io/telegen/agent/default-config.yaml";

  public static final String DEFAULT_SERVICE_NAME = "telegen-agent";
  static final int DEFAULT_COLLECTOR_PORT = 4317;
  static final int DEFAULT_RECEIVER_PORT = 4319;

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
      throw new ConfigException(file.toString(), List.of("file not found; pass --config with "
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
    root.allowOnly("agent");
    ConfigNode agent = root.child("agent").allowOnly("service_name", "resource_attributes",
        "proc_root", "exporter", "receiver", "self_telemetry", "gpu", "aiml");

    String serviceName = agent.child("service_name").asString(DEFAULT_SERVICE_NAME);
    Map<String, String> resource = new LinkedHashMap<>(
        agent.child("resource_attributes").asStringMap());
    AgentConfig.Exporter exporter = exporter(agent.child("exporter"), problems);

    String envService = environment.get("OTEL_SERVICE_NAME");
    if (envService != null && !envService.isBlank()) {
      serviceName = envService.trim();
    }
    String envResource = environment.get("OTEL_RESOURCE_ATTRIBUTES");
    if (envResource != null && !envResource.isBlank()) {
      resource.putAll(keyValueList(envResource, "OTEL_RESOURCE_ATTRIBUTES", problems));
    }

    Path procRoot = Path.of(agent.child("proc_root").asString("/proc"));
    AgentConfig config = new AgentConfig(origin, procRoot, serviceName, Map.copyOf(resource),
        exporter, receiver(agent.child("receiver")), selfTelemetry(agent.child("self_telemetry")),
        gpu(agent.child("gpu")), aiml(agent.child("aiml")));
    if (!problems.isEmpty()) {
      throw new ConfigException(origin, problems);
    }
    return config;
  }

  private AgentConfig.Exporter exporter(ConfigNode node, List<String> problems) {
    node.allowOnly("endpoint", "insecure", "compression", "timeout", "headers", "tls", "retry",
        "queue");
    ConfigNode tlsNode = node.child("tls").allowOnly("ca_file", "cert_file", "key_file");
    ConfigNode retry = node.child("retry").allowOnly("initial_interval", "max_interval");
    ConfigNode queue = node.child("queue").allowOnly("max_requests");

    String endpoint = node.child("endpoint").asString("127.0.0.1:" + DEFAULT_COLLECTOR_PORT);
    String endpointKey = node.child("endpoint").path();
    boolean insecure = node.child("insecure").asBoolean(true);
    String compression = node.child("compression").asString("gzip");
    Duration timeout = node.child("timeout").asDuration(Duration.ofSeconds(10));
    Map<String, String> headers = new LinkedHashMap<>(node.child("headers").asStringMap());
    Path ca = path(tlsNode.child("ca_file").asString(null));
    Path cert = path(tlsNode.child("cert_file").asString(null));
    Path key = path(tlsNode.child("key_file").asString(null));

    // The OTLP exporter variables, as every OpenTelemetry SDK reads them.
    String env = environment.get("OTEL_EXPORTER_OTLP_PROTOCOL");
    if (env != null && !env.isBlank() && !env.trim().equals("grpc")) {
      problems.add("OTEL_EXPORTER_OTLP_PROTOCOL: the agent exports OTLP over gRPC only; "
          + "expected \"grpc\", got \"" + env + "\"");
    }
    if ((env = environment.get("OTEL_EXPORTER_OTLP_ENDPOINT")) != null && !env.isBlank()) {
      endpoint = env.trim();
      endpointKey = "OTEL_EXPORTER_OTLP_ENDPOINT";
    }
    if ((env = environment.get("OTEL_EXPORTER_OTLP_INSECURE")) != null && !env.isBlank()) {
      insecure = Boolean.parseBoolean(env.trim());
    }
    if ((env = environment.get("OTEL_EXPORTER_OTLP_COMPRESSION")) != null && !env.isBlank()) {
      compression = env.trim();
    }
    if ((env = environment.get("OTEL_EXPORTER_OTLP_TIMEOUT")) != null && !env.isBlank()) {
      try {
        timeout = Duration.ofMillis(Long.parseLong(env.trim()));
      } catch (NumberFormatException e) {
        problems.add("OTEL_EXPORTER_OTLP_TIMEOUT: expected milliseconds like 10000, got \""
            + env + "\"");
      }
    }
    if ((env = environment.get("OTEL_EXPORTER_OTLP_HEADERS")) != null && !env.isBlank()) {
      headers.putAll(keyValueList(env, "OTEL_EXPORTER_OTLP_HEADERS", problems));
    }
    if ((env = environment.get("OTEL_EXPORTER_OTLP_CERTIFICATE")) != null && !env.isBlank()) {
      ca = Path.of(env.trim());
    }
    if ((env = environment.get("OTEL_EXPORTER_OTLP_CLIENT_CERTIFICATE")) != null
        && !env.isBlank()) {
      cert = Path.of(env.trim());
    }
    if ((env = environment.get("OTEL_EXPORTER_OTLP_CLIENT_KEY")) != null && !env.isBlank()) {
      key = Path.of(env.trim());
    }

    if (!compression.equals("gzip") && !compression.equals("none")) {
      problems.add(node.child("compression").path()
          + ": expected gzip or none, got \"" + compression + "\"");
    }
    if ((cert == null) != (key == null)) {
      problems.add(tlsNode.path() + ": cert_file and key_file go together (client "
          + "certificate and its private key); set both or neither");
    }
    for (Path file : new Path[] {ca, cert, key}) {
      if (file != null && !Files.isReadable(file)) {
        problems.add(tlsNode.path() + ": cannot read " + file);
      }
    }

    // An explicit scheme decides TLS, as in the OpenTelemetry SDKs; insecure applies otherwise.
    boolean tls = !insecure;
    String hostPort = endpoint;
    if (endpoint.startsWith("http://") || endpoint.startsWith("https://")) {
      tls = endpoint.startsWith("https://");
      try {
        URI uri = URI.create(endpoint);
        hostPort = uri.getHost() + (uri.getPort() < 0 ? "" : ":" + uri.getPort());
        if (uri.getHost() == null) {
          throw new IllegalArgumentException("no host");
        }
      } catch (IllegalArgumentException e) {
        problems.add(endpointKey + ": expected host:port or http(s)://host:port, got \""
            + endpoint + "\"");
        hostPort = "127.0.0.1";
      }
    } else if (endpoint.contains("/")) {
      problems.add(endpointKey + ": expected host:port or http(s)://host:port, got \""
          + endpoint + "\"");
      hostPort = "127.0.0.1";
    }
    HostPort target = hostPort(hostPort, DEFAULT_COLLECTOR_PORT, endpointKey, problems);

    return new AgentConfig.Exporter(target.host, target.port, tls,
        new AgentConfig.Tls(ca, cert, key), compression, timeout, Map.copyOf(headers),
        retry.child("initial_interval").asDuration(Duration.ofSeconds(1)),
        retry.child("max_interval").asDuration(Duration.ofSeconds(30)),
        queue.child("max_requests").asInt(1024, 1, 1_000_000));
  }

  private static AgentConfig.Receiver receiver(ConfigNode node) {
    node.allowOnly("enabled", "endpoint", "max_request_size");
    String endpoint = node.child("endpoint").asString("127.0.0.1:" + DEFAULT_RECEIVER_PORT);
    HostPort hp = hostPort(endpoint, DEFAULT_RECEIVER_PORT, node.child("endpoint").path(),
        node.problems());
    return new AgentConfig.Receiver(node.child("enabled").asBoolean(true), hp.host, hp.port,
        node.child("max_request_size").asBytes(4L * 1024 * 1024));
  }

  private static AgentConfig.SelfTelemetry selfTelemetry(ConfigNode node) {
    node.allowOnly("enabled", "interval");
    return new AgentConfig.SelfTelemetry(node.child("enabled").asBoolean(true),
        node.child("interval").asDuration(Duration.ofSeconds(10)));
  }

  private static AgentConfig.Gpu gpu(ConfigNode node) {
    node.allowOnly("enabled", "nvidia", "amd", "poll_interval", "metrics", "per_process",
        "nvml_library", "rocm_smi_library", "amd_smi_library", "nccl_dir", "sys_root");
    ConfigNode metrics = node.child("metrics").allowOnly("utilization", "memory", "temperature",
        "power", "clock", "pcie_throughput", "encoder_decoder");
    return new AgentConfig.Gpu(
        node.child("enabled").asBoolean(true),
        node.child("nvidia").asBoolean(true),
        node.child("amd").asBoolean(false),
        node.child("poll_interval").asDuration(Duration.ofSeconds(10)),
        new AgentConfig.GpuMetrics(
            metrics.child("utilization").asBoolean(true),
            metrics.child("memory").asBoolean(true),
            metrics.child("temperature").asBoolean(true),
            metrics.child("power").asBoolean(true),
            metrics.child("clock").asBoolean(true),
            metrics.child("pcie_throughput").asBoolean(true),
            metrics.child("encoder_decoder").asBoolean(true)),
        node.child("per_process").asBoolean(true),
        path(node.child("nvml_library").asString(null)),
        path(node.child("rocm_smi_library").asString(null)),
        path(node.child("amd_smi_library").asString(null)),
        Path.of(node.child("nccl_dir").asString(NcclCounterSource.DEFAULT_DIRECTORY.toString())),
        Path.of(node.child("sys_root").asString("/sys")));
  }

  private static AgentConfig.Aiml aiml(ConfigNode node) {
    node.allowOnly("frameworks", "trace_correlation", "scrape_interval", "training");
    ConfigNode frameworksNode = node.child("frameworks");
    Map<String, AgentConfig.Framework> frameworks = new TreeMap<>();
    for (String name : frameworksNode.keys()) {
      ConfigNode fw = frameworksNode.child(name);
      if (ServingFrameworks.get(name) == null) {
        fw.problem("unknown framework; expected one of: " + String.join(", ",
            ServingFrameworks.names()));
        continue;
      }
      fw.allowOnly("enabled", "metrics", "metrics_endpoint");
      String endpoint = fw.child("metrics_endpoint").asString(null);
      if (endpoint != null && !endpoint.startsWith("http://") && !endpoint.startsWith("https://")) {
        fw.child("metrics_endpoint").problem(
            "expected a URL like http://localhost:8002/metrics, got \"" + endpoint + "\"");
      }
      frameworks.put(name, new AgentConfig.Framework(fw.child("enabled").asBoolean(true),
          fw.child("metrics").asStringList(List.of(), ServingFrameworks.METRIC_GROUPS), endpoint));
    }
    ConfigNode training = node.child("training").allowOnly("enabled", "detect_frameworks",
        "export_metrics", "log_dirs", "tag_mapping");
    List<Path> logDirs = new ArrayList<>();
    for (String dir : training.child("log_dirs").asStringList(List.of(), Set.of())) {
      logDirs.add(Path.of(dir));
    }
    ConfigNode tagNode = training.child("tag_mapping")
        .allowOnly(TrainingTagMapping.METRICS.toArray(String[]::new));
    Map<String, List<String>> tagMapping = new TreeMap<>();
    for (String metric : tagNode.keys()) {
      if (!TrainingTagMapping.METRICS.contains(metric)) {
        continue; // reported by allowOnly
      }
      tagMapping.put(metric, tagNode.child(metric).asStringList(List.of(), Set.of()));
    }
    return new AgentConfig.Aiml(Map.copyOf(frameworks),
        node.child("trace_correlation").asBoolean(false),
        node.child("scrape_interval").asDuration(Duration.ofSeconds(10)),
        new AgentConfig.Training(
            training.child("enabled").asBoolean(false),
            training.child("detect_frameworks").asStringList(TrainingFrameworks.NAMES,
                Set.copyOf(TrainingFrameworks.NAMES)),
            training.child("export_metrics").asBoolean(true),
            List.copyOf(logDirs),
            Map.copyOf(tagMapping)));
  }

  private record HostPort(String host, int port) {}

  private static HostPort hostPort(String text, int defaultPort, String key,
      List<String> problems) {
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

  /** The W3C-baggage-like {@code k=v,k2=v2} lists of the OpenTelemetry variables. */
  private static Map<String, String> keyValueList(String text, String variable,
      List<String> problems) {
    Map<String, String> out = new LinkedHashMap<>();
    for (String item : text.split(",")) {
      if (item.isBlank()) {
        continue;
      }
      int eq = item.indexOf('=');
      if (eq <= 0) {
        problems.add(variable + ": expected key=value pairs separated by commas, got \""
            + item.trim() + "\"");
        continue;
      }
      out.put(URLDecoder.decode(item.substring(0, eq).trim(), StandardCharsets.UTF_8),
          URLDecoder.decode(item.substring(eq + 1).trim(), StandardCharsets.UTF_8));
    }
    return out;
  }

  private static Path path(String text) {
    return text == null || text.isBlank() ? null : Path.of(text);
  }
}
