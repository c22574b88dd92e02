package io.telegen.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.sun.net.httpserver.HttpServer;
import io.telegen.testsupport.RealPayloads;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * LLM serving through the agent's commands: a configured {@code metrics_endpoint} and a server
 * found in a fake {@code /proc}, both pointing at a local HTTP server that answers a real vLLM
 * capture.
 */
class FrameworkSourcesTest {

  @TempDir Path dir;

  private HttpServer server;
  private int port;

  @BeforeEach
  void start() throws IOException {
    byte[] body = Files.readAllBytes(fixtures().resolve("vllm-datadog-fixture-v0-plus-v1.txt"));
    server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    server.createContext(
        "/metrics",
        exchange -> {
          exchange.getResponseHeaders().set("Content-Type", "text/plain; version=0.0.4");
          exchange.sendResponseHeaders(200, body.length);
          try (OutputStream out = exchange.getResponseBody()) {
            out.write(body);
          }
        });
    server.start();
    port = server.getAddress().getPort();
  }

  @AfterEach
  void stop() {
    server.stop(0);
  }

  @Test
  void collectPrintsLlmSeriesOfAConfiguredEndpoint() throws Exception {
    Path config =
        config(
            """
          aiml:
            frameworks:
              vllm:
                metrics_endpoint: http://127.0.0.1:%d/metrics
        """
                .formatted(port));
    String out = run("collect", config);
    String instance = "127.0.0.1:" + port;
    assertEquals("7", value(out, "llm_tokens_generated_total", instance), out);
    assertEquals("5", value(out, "llm_prompt_tokens_total", instance), out);
    assertEquals("0", value(out, "llm_queue_depth", instance), out);
    assertTrue(out.contains("llm_time_to_first_token_seconds_bucket{"), out);

    String check = run("check", config);
    assertTrue(
        check.contains(
            "LLM serving: vllm at "
                + instance
                + " (configured, http://"
                + instance
                + "/metrics), every 10s"),
        check);
  }

  @Test
  void collectPrintsLlmSeriesOfADiscoveredServer() throws Exception {
    Path proc = dir.resolve("proc");
    Path pid = Files.createDirectories(proc.resolve("4242/fd"));
    Files.write(
        pid.resolve("../cmdline").normalize(),
        ("/usr/bin/python3\0/usr/local/bin/vllm\0"
                + "serve\0facebook/opt-125m\0--port\0"
                + port
                + "\0")
            .getBytes(StandardCharsets.UTF_8));
    Files.writeString(
        pid.resolve("../stat").normalize(),
        "4242 (python3) S 1 4242 4242 0 -1 4194560 0 0 0 0 0 0 0 0 20 0 1 0 100 0 0\n");
    Files.createSymbolicLink(pid.resolve("7"), Path.of("socket:[777001]"));
    Files.createDirectories(proc.resolve("net"));
    Files.writeString(
        proc.resolve("net/tcp"),
        String.format(
            "  sl  local_address rem_address"
                + "   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n"
                + "   0: 00000000:%04X 00000000:0000 0A 00000000:00000000 00:00000000 00000000  1000"
                + "        0 777001 1 0000000000000000 100 0 0 10 0%n",
            port));
    Path config =
        Files.writeString(
            dir.resolve("discover.yaml"),
            """
        agent:
          proc_root: %s
          self_telemetry:
            enabled: false
          gpu:
            enabled: false
        """
                .formatted(proc));

    String out = run("collect", config);
    assertEquals("7", value(out, "llm_tokens_generated_total", "127.0.0.1:" + port), out);

    String check = run("check", config);
    assertTrue(
        check.contains(
            "LLM serving: vllm at 127.0.0.1:"
                + port
                + " (pid 4242, model facebook/opt-125m), scraping http://127.0.0.1:"
                + port
                + "/metrics every 10s"),
        check);
  }

  @Test
  void aDiscoveredServerThatFailsIsCountedUnderItsOwnSource() throws Exception {
    int deadPort;
    try (java.net.ServerSocket socket = new java.net.ServerSocket(0)) {
      deadPort = socket.getLocalPort(); // closed again: scraping it is refused
    }
    Path proc = dir.resolve("proc");
    fakeProcess(
        proc,
        4242,
        "/usr/bin/python3\0/usr/local/bin/vllm\0serve\0facebook/opt-125m\0"
            + "--port\0"
            + port
            + "\0",
        777001);
    fakeProcess(
        proc,
        4343,
        "tritonserver\0--model-repository=/models\0--metrics-port=" + deadPort + "\0",
        777002);
    Files.createDirectories(proc.resolve("net"));
    Files.writeString(
        proc.resolve("net/tcp"),
        "  sl  local_address rem_address"
            + "   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n"
            + listener(0, port, 777001)
            + listener(1, deadPort, 777002));
    Path config =
        Files.writeString(
            dir.resolve("discover.yaml"),
            """
        agent:
          proc_root: %s
          gpu:
            enabled: false
        """
                .formatted(proc));

    String out = run("collect", config);

    assertEquals("7", value(out, "llm_tokens_generated_total", "127.0.0.1:" + port), out);
    assertTrue(
        out.contains(
            "telegen_agent_collection_errors_total{source=\"triton\"," + "reason=\"error\"} 2"),
        out);
    assertTrue(out.contains("telegen_agent_collection_duration_seconds{source=\"vllm\"}"), out);
    assertTrue(!out.contains("telegen_agent_collection_errors_total{source=\"vllm\""), out);
  }

  private static void fakeProcess(Path proc, int pid, String cmdline, long socketInode)
      throws IOException {
    Path fd = Files.createDirectories(proc.resolve(pid + "/fd"));
    Files.write(fd.resolve("../cmdline").normalize(), cmdline.getBytes(StandardCharsets.UTF_8));
    Files.writeString(
        fd.resolve("../stat").normalize(),
        pid
            + " (proc) S 1 "
            + pid
            + " "
            + pid
            + " 0 -1 4194560 0 0 0 0 0 0 0 0 20 0 1 0 100 0 0\n");
    Files.createSymbolicLink(fd.resolve("7"), Path.of("socket:[" + socketInode + "]"));
  }

  private static String listener(int slot, int port, long inode) {
    return String.format(
        "   %d: 00000000:%04X 00000000:0000 0A 00000000:00000000 00:00000000 "
            + "00000000  1000        0 %d 1 0000000000000000 100 0 0 10 0%n",
        slot, port, inode);
  }

  @Test
  void checkSaysWhenNothingIsFound() throws Exception {
    Path proc = Files.createDirectories(dir.resolve("proc/1"));
    Files.writeString(proc.resolve("cmdline"), "/sbin/init\0");
    Path config =
        Files.writeString(
            dir.resolve("empty.yaml"),
            """
        agent:
          proc_root: %s
          self_telemetry:
            enabled: false
          gpu:
            enabled: false
        """
                .formatted(dir.resolve("proc")));
    String check = run("check", config);
    assertTrue(
        check.contains(
            "LLM serving: no serving process of any of llamacpp, lmdeploy, "
                + "nim, sglang, tensorflow_serving, tgi, torchserve, triton, vllm found under "),
        check);
  }

  /** The value of the one series of {@code name} whose labels hold {@code instance}. */
  private static String value(String out, String name, String instance) {
    Matcher m =
        Pattern.compile("(?m)^" + Pattern.quote(name) + "\\{([^}]*)\\} (\\S+)$").matcher(out);
    String found = null;
    while (m.find()) {
      String labels = m.group(1);
      if (labels.contains("instance=\"" + instance + "\"")) {
        assertTrue(labels.contains("model=\"facebook/opt-125m\""), labels);
        assertTrue(labels.contains("framework=\"vllm\""), labels);
        if (found != null) {
          fail("two series of " + name + " for " + instance);
        }
        found = m.group(2);
      }
    }
    if (found == null) {
      fail(name + " for " + instance + " not printed");
    }
    return found.endsWith(".0") ? found.substring(0, found.length() - 2) : found;
  }

  private Path config(String aiml) throws IOException {
    return Files.writeString(
        dir.resolve("agent.yaml"),
        """
        agent:
          proc_root: %s
          self_telemetry:
            enabled: false
          gpu:
            enabled: false
        %s"""
            .formatted(Files.createDirectories(dir.resolve("empty-proc")), aiml));
  }

  /** Runs {@code collect} (cycles 200 ms apart) or {@code check}, expecting exit code 0. */
  static String run(String command, Path config) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    List<String> args =
        command.equals("collect")
            ? List.of("collect", "--config", config.toString(), "--interval", "200ms")
            : List.of(command, "--config", config.toString());
    int code =
        TelegenAgent.run(
            args.toArray(String[]::new),
            new PrintStream(out, true, StandardCharsets.UTF_8),
            new PrintStream(err, true, StandardCharsets.UTF_8));
    assertEquals(TelegenAgent.OK, code, err.toString(StandardCharsets.UTF_8));
    return out.toString(StandardCharsets.UTF_8);
  }

  /** The real /metrics captures in test-support (see their PROVENANCE.md). */
  static Path fixtures() {
    return RealPayloads.dir();
  }
}
