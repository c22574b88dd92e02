package io.telegen.integration;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.snakeyaml.engine.v2.api.Dump;
import org.snakeyaml.engine.v2.api.DumpSettings;
import org.snakeyaml.engine.v2.common.FlowStyle;

/**
 * The Telegen agent as users run it: {@code java -jar telegen-agent.jar --config FILE} (the jar
 * receiver-server builds), with a generated config that exports to a given collector endpoint, runs the OTLP
 * receiver on a free loopback port, reports its own telemetry every second and has no GPU or
 * framework sources. Stopped with SIGTERM.
 */
final class AgentProcess implements AutoCloseable {

  static final Duration START_TIMEOUT = Duration.ofSeconds(30);
  static final String SERVICE_NAME = "telegen-agent-it";
  private static final String HOST = "127.0.0.1";

  private final ExternalProcess process;
  private final int receiverPort;
  private final Path configFile;

  private AgentProcess(ExternalProcess process, int receiverPort, Path configFile) {
    this.process = process;
    this.receiverPort = receiverPort;
    this.configFile = configFile;
  }

  /**
   * Starts the agent exporting to {@code collectorEndpoint} (host:port; nothing needs to listen
   * there yet) and waits until its receiver accepts connections.
   */
  static AgentProcess start(Path dir, String collectorEndpoint) {
    return start(dir, collectorEndpoint, Map.of(), Map.of());
  }

  /**
   * Starts the agent with {@code sections} replacing its default {@code agent.*} sections (e.g.
   * {@code gpu}, {@code aiml}) and {@code env} added to its environment (the fake NVML reads its
   * scenario from there).
   */
  static AgentProcess start(
      Path dir, String collectorEndpoint, Map<String, Object> sections, Map<String, String> env) {
    return start(dir, collectorEndpoint, sections, env, List.of("-Xmx256m"), List.of());
  }

  /**
   * The JVM options {@code bin/telegen-agent} and the image run the agent with (a 96 MiB heap,
   * {@code -XX:+ExitOnOutOfMemoryError}): for tests that check the agent stays within them.
   */
  static final List<String> PRODUCTION_JVM_OPTIONS =
      List.of(
          "-Xms16m",
          "-Xmx96m",
          "-Xss512k",
          "-XX:+UseSerialGC",
          "-XX:TieredStopAtLevel=1",
          "-XX:CICompilerCount=1",
          "-XX:ReservedCodeCacheSize=32m",
          "-XX:MaxMetaspaceSize=64m",
          "-XX:MaxDirectMemorySize=64m",
          "-XX:+ExitOnOutOfMemoryError",
          "-Dio.netty.allocator.type=unpooled");

  /**
   * As {@link #start(Path, String, Map, Map)}, with {@code jvmOptions} before {@code -jar}, and
   * the java command run by {@code launcher} (e.g. {@code unshare -m sh -c '...; exec "$@"'}),
   * empty for none.
   */
  static AgentProcess start(
      Path dir,
      String collectorEndpoint,
      Map<String, Object> sections,
      Map<String, String> env,
      List<String> jvmOptions,
      List<String> launcher) {
    Path jar = TelegenTools.agentJar();
    int receiverPort = FreePorts.next();
    Path config = dir.resolve("telegen-agent.yaml");
    writeConfig(config, collectorEndpoint, receiverPort, sections);
    List<String> command = new ArrayList<>(launcher);
    command.add(TelegenTools.java().toString());
    command.addAll(jvmOptions);
    command.addAll(List.of("-jar", jar.toString(), "--config", config.toString()));
    ExternalProcess process =
        ExternalProcess.start("telegen-agent", command, env, dir.resolve("telegen-agent.log"));
    try {
      process.waitForTcpPort(HOST, receiverPort, START_TIMEOUT);
    } catch (AssertionError | RuntimeException e) {
      process.stop();
      throw e;
    }
    return new AgentProcess(process, receiverPort, config);
  }

  private static void writeConfig(
      Path file, String collectorEndpoint, int receiverPort, Map<String, Object> sections) {
    Map<String, Object> exporter = new LinkedHashMap<>();
    exporter.put("endpoint", collectorEndpoint);
    exporter.put("insecure", true);
    exporter.put("compression", "gzip");
    exporter.put("timeout", "5s");
    exporter.put("headers", Map.of());
    // short back-off so that a collector that comes up late gets the data within seconds
    exporter.put("retry", Map.of("initial_interval", "1s", "max_interval", "2s"));
    exporter.put("queue", Map.of("max_requests", 1024));

    Map<String, Object> agent = new LinkedHashMap<>();
    agent.put("service_name", SERVICE_NAME);
    agent.put("resource_attributes", Map.of());
    agent.put("exporter", exporter);
    agent.put("receiver", Map.of("enabled", true, "endpoint", HOST + ":" + receiverPort));
    agent.put("self_telemetry", Map.of("enabled", true, "interval", "1s"));
    agent.put("gpu", Map.of("enabled", false));
    agent.put("aiml", Map.of("frameworks", Map.of()));
    agent.putAll(sections);

    String yaml =
        new Dump(DumpSettings.builder().setDefaultFlowStyle(FlowStyle.BLOCK).build())
            .dumpToString(Map.of("agent", agent));
    try {
      Files.writeString(file, "# generated by AgentProcess\n" + yaml);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** host:port of the agent's OTLP/gRPC receiver, where applications send. */
  String receiverEndpoint() {
    return HOST + ":" + receiverPort;
  }

  int receiverPort() {
    return receiverPort;
  }

  Path configFile() {
    return configFile;
  }

  boolean isAlive() {
    return process.isAlive();
  }

  String describe() {
    return process.describe();
  }

  long pid() {
    return process.pid();
  }

  String log() {
    return process.log();
  }

  /**
   * SIGTERM, as systemd and the kubelet stop the agent; waits up to {@code timeout} for it to exit
   * and returns its exit code (the test fails past it).
   */
  int terminate(Duration timeout) {
    return process.terminate(timeout);
  }

  /** {@code kill -9} of the agent. */
  void kill() {
    process.kill();
  }

  @Override
  public void close() {
    process.stop();
  }
}
