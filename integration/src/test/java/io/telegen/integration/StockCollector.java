package io.telegen.integration;

import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.snakeyaml.engine.v2.api.Dump;
import org.snakeyaml.engine.v2.api.DumpSettings;
import org.snakeyaml.engine.v2.api.Load;
import org.snakeyaml.engine.v2.api.LoadSettings;
import org.snakeyaml.engine.v2.common.FlowStyle;

/**
 * The stock collector (built by setup.sh) running the configuration we ship, by default
 * {@code collector-config/otelcol/agent.yaml}, unchanged, plus a generated test overlay that adds
 * one {@code file} exporter per signal to the shipped pipelines (OTLP-JSON lines, read back with
 * {@link CollectorFileOutput}). All ports are free loopback ports, set through the environment
 * variables the shipped configs read.
 */
final class StockCollector implements AutoCloseable {

  static final Duration START_TIMEOUT = Duration.ofSeconds(30);
  static final String AGENT_CONFIG = "agent.yaml";
  private static final String HOST = "127.0.0.1";

  private final ExternalProcess process;
  private final int otlpGrpcPort;
  private final int otlpHttpPort;
  private final int prometheusExporterPort;
  private final int selfMetricsPort;
  private final CollectorFileOutput output;

  private StockCollector(
      ExternalProcess process,
      int otlpGrpcPort,
      int otlpHttpPort,
      int prometheusExporterPort,
      int selfMetricsPort,
      CollectorFileOutput output) {
    this.process = process;
    this.otlpGrpcPort = otlpGrpcPort;
    this.otlpHttpPort = otlpHttpPort;
    this.prometheusExporterPort = prometheusExporterPort;
    this.selfMetricsPort = selfMetricsPort;
    this.output = output;
  }

  /** Starts on free ports; {@code dir} receives the overlay, the output files and the log. */
  static StockCollector start(Path dir) {
    return start(dir, FreePorts.next());
  }

  /** Starts with its OTLP/gRPC receiver on {@code otlpGrpcPort} (e.g. one the agent already uses). */
  static StockCollector start(Path dir, int otlpGrpcPort) {
    return start(dir, "otelcol", List.of(AGENT_CONFIG), Map.of(), otlpGrpcPort);
  }

  /**
   * Starts the collector with the shipped {@code configs} (file names in collector-config/otelcol/,
   * merged in order) plus the file-exporter overlay. {@code name} prefixes the files in {@code dir}.
   * {@code env} comes on top of the port variables (e.g. a gateway endpoint).
   */
  static StockCollector start(
      Path dir, String name, List<String> configs, Map<String, String> env, int otlpGrpcPort) {
    return start(dir, name, configs, env, otlpGrpcPort, Set.of("metrics", "traces", "logs"));
  }

  /**
   * As above, with file exporters on the pipelines of {@code fileSignals} only (a test that
   * floods one signal leaves it out, so that the collector does not write it all as JSON).
   */
  static StockCollector start(
      Path dir,
      String name,
      List<String> configs,
      Map<String, String> env,
      int otlpGrpcPort,
      Set<String> fileSignals) {
    Path otelcol = TelegenTools.otelcol();
    List<Path> shipped = configs.stream().map(TelegenTools::shippedCollectorConfig).toList();
    int httpPort = FreePorts.next();
    int prometheusPort = FreePorts.next();
    int selfMetricsPort = FreePorts.next();
    Path metrics = dir.resolve(name + "-metrics.jsonl");
    Path traces = dir.resolve(name + "-traces.jsonl");
    Path logs = dir.resolve(name + "-logs.jsonl");
    Path overlay =
        writeFileExporterOverlay(
            shipped,
            dir.resolve(name + "-test-overlay.yaml"),
            Map.of("metrics", metrics, "traces", traces, "logs", logs).entrySet().stream()
                .filter(e -> fileSignals.contains(e.getKey()))
                .collect(
                    java.util.stream.Collectors.toMap(Map.Entry::getKey, Map.Entry::getValue)));

    Map<String, String> environment = new LinkedHashMap<>();
    environment.put("TELEGEN_OTLP_GRPC_ENDPOINT", HOST + ":" + otlpGrpcPort);
    environment.put("TELEGEN_OTLP_HTTP_ENDPOINT", HOST + ":" + httpPort);
    environment.put("TELEGEN_PROMETHEUS_EXPORTER_ENDPOINT", HOST + ":" + prometheusPort);
    environment.put("TELEGEN_COLLECTOR_METRICS_HOST", HOST);
    environment.put("TELEGEN_COLLECTOR_METRICS_PORT", Integer.toString(selfMetricsPort));
    environment.putAll(env);

    List<String> command = new ArrayList<>(List.of(otelcol.toString()));
    shipped.forEach(config -> command.addAll(List.of("--config", config.toString())));
    command.addAll(List.of("--config", overlay.toString()));
    ExternalProcess process =
        ExternalProcess.start(name, command, environment, dir.resolve(name + ".log"));
    try {
      process.waitForTcpPort(HOST, otlpGrpcPort, START_TIMEOUT);
      process.waitForTcpPort(HOST, httpPort, START_TIMEOUT);
      process.waitForTcpPort(HOST, prometheusPort, START_TIMEOUT);
      process.waitForTcpPort(HOST, selfMetricsPort, START_TIMEOUT);
    } catch (AssertionError | RuntimeException e) {
      process.stop();
      throw e;
    }
    return new StockCollector(
        process,
        otlpGrpcPort,
        httpPort,
        prometheusPort,
        selfMetricsPort,
        new CollectorFileOutput(metrics, traces, logs, process::describe));
  }

  /** Runs {@code otelcol validate} on the given config files. */
  static ExternalProcess.Result validate(
      List<Path> configs, Map<String, String> env, Path logFile) {
    List<String> command = new ArrayList<>(List.of(TelegenTools.otelcol().toString(), "validate"));
    configs.forEach(config -> command.addAll(List.of("--config", config.toString())));
    return ExternalProcess.run("otelcol validate", command, env, logFile, Duration.ofSeconds(60));
  }

  /**
   * Writes an overlay that appends a {@code file} exporter to each pipeline of the shipped configs.
   * The collector merges lists by replacing them, so each pipeline's exporter list is the one the
   * last shipped config sets (read from the files) plus the file exporter.
   */
  @SuppressWarnings("unchecked")
  static Path writeFileExporterOverlay(
      List<Path> shipped, Path overlay, Map<String, Path> fileBySignal) {
    try {
      Map<String, List<Object>> exportersBySignal = new LinkedHashMap<>();
      for (Path config : shipped) {
        Map<String, Object> root =
            (Map<String, Object>)
                new Load(LoadSettings.builder().build()).loadFromString(Files.readString(config));
        Object service = root.get("service");
        Object pipelines =
            service instanceof Map ? ((Map<String, Object>) service).get("pipelines") : null;
        if (pipelines instanceof Map) {
          ((Map<String, Object>) pipelines)
              .forEach(
                  (signal, pipeline) -> {
                    Object exporters = ((Map<String, Object>) pipeline).get("exporters");
                    if (exporters instanceof List) {
                      exportersBySignal.put(signal, (List<Object>) exporters);
                    }
                  });
        }
      }
      Map<String, Object> exporters = new LinkedHashMap<>();
      Map<String, Object> overlayPipelines = new LinkedHashMap<>();
      for (Map.Entry<String, Path> entry : fileBySignal.entrySet()) {
        String signal = entry.getKey();
        if (!exportersBySignal.containsKey(signal)) {
          fail("the shipped " + shipped + " have no " + signal + " pipeline");
        }
        String exporter = "file/it_" + signal;
        Map<String, Object> fileExporter = new LinkedHashMap<>();
        fileExporter.put("path", entry.getValue().toAbsolutePath().toString());
        fileExporter.put("format", "json");
        fileExporter.put("flush_interval", "100ms");
        exporters.put(exporter, fileExporter);
        List<Object> list = new ArrayList<>(exportersBySignal.get(signal));
        list.add(exporter);
        overlayPipelines.put(signal, Map.of("exporters", list));
      }
      Map<String, Object> root = new LinkedHashMap<>();
      root.put("exporters", exporters);
      root.put("service", Map.of("pipelines", overlayPipelines));
      String yaml =
          new Dump(DumpSettings.builder().setDefaultFlowStyle(FlowStyle.BLOCK).build())
              .dumpToString(root);
      Files.writeString(
          overlay,
          "# generated by StockCollector: the pipelines of "
              + shipped
              + " plus file exporters\n"
              + yaml);
      return overlay;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  String otlpGrpcEndpoint() {
    return HOST + ":" + otlpGrpcPort;
  }

  int otlpGrpcPort() {
    return otlpGrpcPort;
  }

  int otlpHttpPort() {
    return otlpHttpPort;
  }

  /** Where the shipped config's prometheus exporter serves /metrics. */
  String prometheusExporterTarget() {
    return HOST + ":" + prometheusExporterPort;
  }

  int selfMetricsPort() {
    return selfMetricsPort;
  }

  CollectorFileOutput output() {
    return output;
  }

  boolean isAlive() {
    return process.isAlive();
  }

  String describe() {
    return process.describe();
  }

  @Override
  public void close() {
    process.stop();
  }
}
