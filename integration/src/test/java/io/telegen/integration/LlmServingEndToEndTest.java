package io.telegen.integration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpServer;
import io.telegen.testsupport.RealPayloads;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;

/**
 * LLM serving end to end: a vLLM endpoint replaying the real payload (then the same payload with
 * more requests and tokens) is scraped by the agent, normalised to {@code llm_*}, pushed through
 * the stock collector, and the spec's LLM queries answer in Prometheus, tokens per watt included
 * (the GPU from the fake NVML).
 */
final class LlmServingEndToEndTest {

  private static final Duration TIMEOUT = Duration.ofSeconds(60);
  private static final String MODEL = "facebook/opt-125m";

  private final Cleanup cleanup = new Cleanup();
  private HttpServer vllm;

  @AfterEach
  void stopEverything() {
    if (vllm != null) {
      vllm.stop(0);
    }
    cleanup.close();
  }

  @Test
  void specLlmQueriesAnswerInPrometheus(TestInfo testInfo) throws IOException {
    Path dir = TestLogDir.of(testInfo);
    byte[] first = RealPayloads.bytes("vllm-datadog-fixture-v0-plus-v1.txt");
    byte[] second =
        Files.readAllBytes(
            TelegenTools.repoRoot().resolve("frameworks/src/test/resources/llm/vllm-second.txt"));
    AtomicInteger scrapes = new AtomicInteger();
    vllm = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    vllm.createContext(
        "/metrics",
        exchange -> {
          // The first scrapes (about 6 s at one a second) see the capture, every later one the
          // busier
          // second payload: long enough for Prometheus, behind the collector, to see both values.
          byte[] body = scrapes.incrementAndGet() <= 6 ? first : second;
          exchange.getResponseHeaders().add("Content-Type", "text/plain; version=0.0.4");
          exchange.sendResponseHeaders(200, body.length);
          try (OutputStream out = exchange.getResponseBody()) {
            out.write(body);
          }
        });
    vllm.start();

    StockCollector collector = cleanup.register(StockCollector.start(dir));
    PrometheusServer prometheus =
        cleanup.register(PrometheusServer.start(dir, collector.prometheusExporterTarget()));
    Map<String, Object> aiml =
        Map.of(
            "scrape_interval",
            "1s",
            "frameworks",
            Map.of(
                "vllm",
                Map.of(
                    "metrics_endpoint",
                    "http://127.0.0.1:" + vllm.getAddress().getPort() + "/metrics")));
    cleanup.register(
        AgentProcess.start(
            dir,
            collector.otlpGrpcEndpoint(),
            Map.of("gpu", FakeGpuNode.gpuSection(), "aiml", aiml),
            FakeGpuNode.environment("pcie-rtx6000ada-fan")));

    List<PrometheusServer.Sample> queue =
        prometheus.awaitQuery(
            "llm_queue_depth{model=\"" + MODEL + "\"}",
            r -> r.size() == 1 && r.get(0).value() == 2,
            TIMEOUT);
    assertEquals("vllm", queue.get(0).labels().get("framework"));
    assertEquals("127.0.0.1:" + vllm.getAddress().getPort(), queue.get(0).labels().get("instance"));

    List<PrometheusServer.Sample> tokens =
        prometheus.awaitQuery(
            "sum(rate(llm_tokens_generated_total[5m])) by (model)",
            r -> r.size() == 1 && r.get(0).value() > 0,
            TIMEOUT);
    assertEquals(MODEL, tokens.get(0).labels().get("model"));
    prometheus.awaitQuery(
        "sum(rate(llm_request_total[5m])) by (model)",
        r -> r.size() == 1 && r.get(0).value() > 0,
        TIMEOUT);
    List<PrometheusServer.Sample> ttft =
        prometheus.awaitQuery(
            "histogram_quantile(0.95, sum(rate(llm_time_to_first_token_seconds_bucket[5m])) "
                + "by (le, model))",
            r -> r.size() == 1 && r.get(0).value() > 0,
            TIMEOUT);
    assertTrue(ttft.get(0).value() < 10, "p95 TTFT within the fixture's buckets: " + ttft);
    // Tokens per watt: the serving rate against the fake GPU's 187.43 W.
    List<PrometheusServer.Sample> perWatt =
        prometheus.awaitQuery(
            "sum(rate(llm_tokens_generated_total[5m])) / sum(gpu_power_usage_watts)",
            r -> r.size() == 1 && r.get(0).value() > 0,
            TIMEOUT);
    assertTrue(perWatt.get(0).value() > 0);
    assertEquals(187.43, prometheus.query("sum(gpu_power_usage_watts)").get(0).value(), 1e-9);
  }
}
