package io.telegen.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TelegenAgentTest {

  @TempDir Path dir;

  private final ByteArrayOutputStream out = new ByteArrayOutputStream();
  private final ByteArrayOutputStream err = new ByteArrayOutputStream();

  @Test
  void checkReportsWhatItFoundAndWhereItExports() throws Exception {
    int closedPort = closedPort();
    Path config =
        write(
            """
        agent:
          exporter:
            endpoint: 127.0.0.1:%d
          receiver:
            endpoint: 127.0.0.1:14319
          kubernetes:
            enabled: false
          gpu:
            enabled: false
        """
                .formatted(closedPort));

    assertEquals(TelegenAgent.OK, run("check", "--config", config.toString()));

    String text = out();
    assertTrue(
        text.startsWith(
            "config: "
                + config
                + " is valid\nKubernetes: off (agent.kubernetes.enabled: false)\n"
                + "GPUs: off (agent.gpu.enabled: false)\n"),
        text);
    assertTrue(text.contains("OTLP receiver: 127.0.0.1:14319 (gRPC: metrics, traces, logs)"), text);
    assertTrue(
        text.contains(
            "export: OTLP/gRPC to http://127.0.0.1:"
                + closedPort
                + " (gzip), collector not reachable yet (Connection refused)"),
        text);
  }

  @Test
  void checkExitsTwoAndNamesTheKeyOnAConfigError() throws Exception {
    Path config = write("agent:\n  gpu:\n    poll_interval: ten\n");

    assertEquals(TelegenAgent.CONFIG_ERROR, run("check", "--config", config.toString()));

    assertEquals(
        "telegen-agent: invalid configuration in "
            + config
            + ": agent.gpu.poll_interval:"
            + " expected a duration like 10s, 500ms or 1m, got \"ten\"\n",
        err());
  }

  @Test
  void collectPrintsTheLastCycleInPrometheusText() throws Exception {
    Path config =
        write("agent:\n  self_telemetry:\n    interval: 1s\n  gpu:\n    enabled: false\n");

    assertEquals(
        TelegenAgent.OK,
        run("collect", "--config", config.toString(), "--cycles", "2", "--interval", "50ms"));

    String text = out();
    assertTrue(
        text.contains("# TYPE telegen_agent_queue_length gauge\ntelegen_agent_queue_length 0\n"),
        text);
    assertTrue(
        text.contains(
            "# TYPE telegen_agent_points_exported_total counter\n"
                + "telegen_agent_points_exported_total{signal=\"logs\"} 0\n"
                + "telegen_agent_points_exported_total{signal=\"metrics\"} 0\n"
                + "telegen_agent_points_exported_total{signal=\"traces\"} 0\n"),
        text);
    // The first cycle's own duration is visible in the second.
    assertTrue(text.contains("telegen_agent_collection_duration_seconds{source=\"self\"} "), text);
  }

  @Test
  void usageErrorsExitTwo() {
    assertEquals(TelegenAgent.CONFIG_ERROR, run("serve"));
    assertTrue(err().startsWith("telegen-agent: unknown command 'serve'\nUsage:"), err());
    err.reset();
    assertEquals(TelegenAgent.CONFIG_ERROR, run("collect", "--cycles", "0"));
    assertTrue(
        err().startsWith("telegen-agent: --cycles: expected a whole number >= 1, got 0"), err());
    err.reset();
    assertEquals(TelegenAgent.CONFIG_ERROR, run("collect", "--interval", "soon"));
    assertTrue(err().startsWith("telegen-agent: --interval: expected a duration"), err());
    err.reset();
    assertEquals(TelegenAgent.CONFIG_ERROR, run("check", "--config"));
    assertTrue(err().startsWith("telegen-agent: --config needs a value"), err());
  }

  @Test
  void ncclPluginWritesTheSharedLibraryAndSaysHowAJobLoadsIt() throws Exception {
    Path lib = dir.resolve("opt/telegen/lib");
    assertEquals(TelegenAgent.OK, run("nccl-plugin", lib.toString()));
    Path plugin = lib.resolve("libnccl-profiler-telegen.so");
    byte[] head = Files.readAllBytes(plugin);
    assertEquals(0x7f, head[0]);
    assertEquals("ELF", new String(head, 1, 3, StandardCharsets.US_ASCII));
    assertTrue(out().contains("NCCL_PROFILER_PLUGIN=" + plugin.toAbsolutePath()), out());
  }

  @Test
  void ncclPluginIntoAnUnwritablePlaceIsARuntimeFailureNamingIt() throws Exception {
    Path file = Files.writeString(dir.resolve("a-file"), "not a directory");
    assertEquals(TelegenAgent.RUNTIME_FAILURE, run("nccl-plugin", file.resolve("lib").toString()));
    assertTrue(
        err()
            .startsWith(
                "telegen-agent: cannot write the NCCL profiler plugin into " + file.resolve("lib")),
        err());
    err.reset();
    assertEquals(TelegenAgent.CONFIG_ERROR, run("nccl-plugin"));
    assertTrue(err().startsWith("telegen-agent: nccl-plugin needs one directory"), err());
  }

  @Test
  void versionAndHelp() {
    assertEquals(TelegenAgent.OK, run("--version"));
    assertTrue(out().matches("telegen-agent \\d+\\.\\d+\\.\\d+.*\n"), out());
    out.reset();
    assertEquals(TelegenAgent.OK, run("help"));
    assertTrue(
        out().contains("Exit codes: 0 ok, 1 runtime failure, 2 usage or configuration error."));
  }

  private int run(String... args) {
    return TelegenAgent.run(
        args,
        new PrintStream(out, true, StandardCharsets.UTF_8),
        new PrintStream(err, true, StandardCharsets.UTF_8));
  }

  private String out() {
    return out.toString(StandardCharsets.UTF_8);
  }

  private String err() {
    return err.toString(StandardCharsets.UTF_8);
  }

  private Path write(String yaml) throws IOException {
    Path file = dir.resolve("agent.yaml");
    Files.writeString(file, yaml);
    return file;
  }

  private static int closedPort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0)) {
      return socket.getLocalPort();
    }
  }
}
