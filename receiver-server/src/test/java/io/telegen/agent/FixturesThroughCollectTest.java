package io.telegen.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.sun.net.httpserver.HttpServer;
import io.telegen.testsupport.Repository;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Each real payload served over HTTP on loopback, then the same payload with counters moved on,
 * scraped by {@code telegen-agent collect} (two cycles): the printed second cycle carries the
 * normalised values. The mapping itself is tested value by value in the frameworks module; this
 * checks the whole path, HTTP and the printed names and labels included. {@code label} is one
 * or more ({@code &}-separated) label pairs the series must carry.
 */
class FixturesThroughCollectTest {

  private static final Path SECOND = Repository.dir("frameworks/src/test/resources/llm");

  @TempDir Path dir;

  private HttpServer server;

  @AfterEach
  void stop() {
    if (server != null) {
      server.stop(0);
    }
  }

  @ParameterizedTest(name = "{0}: {3}")
  @CsvSource({
    "vllm, vllm-datadog-fixture-v0-plus-v1.txt, vllm-second.txt, llm_request_total, status=\"success\", 7",
    "vllm, vllm-datadog-fixture-v0-plus-v1.txt, vllm-second.txt, llm_tokens_generated_total, model=\"facebook/opt-125m\", 107",
    "vllm, vllm-datadog-fixture-v0-plus-v1.txt, vllm-second.txt, llm_queue_depth, model=\"facebook/opt-125m\", 2",
    "tgi, tgi-datadog-fixture-PREFIX.txt, tgi-second.txt, llm_request_total, status=\"success\", 119",
    "tgi, tgi-datadog-fixture-PREFIX.txt, tgi-second.txt, llm_queue_depth, model=\"unknown\", 3",
    "triton, triton-datadog-fixture-PREFIX.txt, triton-second.txt, llm_request_total, model=\"densenet_onnx\"&status=\"failure\", 2",
    "triton, triton-datadog-fixture-PREFIX.txt, triton-second.txt, llm_queue_depth, model=\"densenet_onnx\", 5",
    "torchserve, torchserve-datadog-fixture.txt, torchserve-second.txt, llm_request_total, model=\"linear_regression_1_1\", 20",
    "sglang, sglang-datadog-fixture.txt, sglang-second.txt, llm_tokens_generated_total, engine=\"0\", 96",
    "sglang, sglang-datadog-fixture.txt, sglang-second.txt, llm_queue_depth, engine=\"0\", 1"
  })
  void collectPrintsTheSecondScrapesNormalisedValue(
      String framework, String fixture, String second, String metric, String label, double expected)
      throws Exception {
    byte[] first = Files.readAllBytes(FrameworkSourcesTest.fixtures().resolve(fixture));
    byte[] later = Files.readAllBytes(SECOND.resolve(second));
    String text = collectTwice(framework, first, later);
    Matcher m = Pattern.compile("(?m)^" + metric + "\\{([^}]*)\\} (\\S+)$").matcher(text);
    while (m.find()) {
      String labels = m.group(1);
      boolean all = labels.contains("framework=\"" + framework + "\"");
      for (String part : label.split("&")) {
        all &= labels.contains(part);
      }
      if (all) {
        assertEquals(expected, Double.parseDouble(m.group(2)), 1e-9, labels);
        return;
      }
    }
    fail("no " + metric + " with " + label + " in:\n" + text);
  }

  @Test
  void aCounterResetBetweenScrapesPrintsTheNewValueAndNoRate() throws Exception {
    byte[] busy = Files.readAllBytes(SECOND.resolve("vllm-second.txt"));
    byte[] restarted =
        Files.readAllBytes(
            FrameworkSourcesTest.fixtures().resolve("vllm-datadog-fixture-v0-plus-v1.txt"));

    String text = collectTwice("vllm", busy, restarted);

    assertTrue(
        Pattern.compile("(?m)^llm_tokens_generated_total\\{[^}]*\\} 7$").matcher(text).find(),
        text);
    assertFalse(text.contains("llm_tokens_per_second{"), "no rate across a restart:\n" + text);
  }

  /** Serves {@code first} to the first scrape and {@code later} after, runs two cycles. */
  private String collectTwice(String framework, byte[] first, byte[] later) throws Exception {
    AtomicInteger scrapes = new AtomicInteger();
    server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    server.createContext(
        "/metrics",
        exchange -> {
          byte[] body = scrapes.incrementAndGet() == 1 ? first : later;
          exchange.getResponseHeaders().set("Content-Type", "text/plain; version=0.0.4");
          exchange.sendResponseHeaders(200, body.length);
          try (OutputStream out = exchange.getResponseBody()) {
            out.write(body);
          }
        });
    server.start();
    String instance = "127.0.0.1:" + server.getAddress().getPort();
    Path config =
        Files.writeString(
            dir.resolve("agent.yaml"),
            """
        agent:
          proc_root: %s
          self_telemetry:
            enabled: false
          gpu:
            enabled: false
          aiml:
            frameworks:
              %s:
                metrics_endpoint: http://%s/metrics
        """
                .formatted(Files.createDirectories(dir.resolve("proc")), framework, instance));

    String text = FrameworkSourcesTest.run("collect", config);
    assertEquals(2, scrapes.get(), "two cycles, two scrapes");
    assertTrue(text.contains("instance=\"" + instance + "\""), text);
    return text;
  }
}
