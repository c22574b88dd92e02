package io.telegen.agent.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.telegen.catalog.MetricCatalog;
import io.telegen.source.Labels;
import io.telegen.source.MetricBatch;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class PrometheusTextTest {

  @Test
  void rendersGaugesCountersAndHistogramsAsPrometheusShowsThem() throws IOException {
    MetricBatch batch = new MetricBatch(MetricCatalog.load(), 0);
    batch.gauge("telegen_agent_queue_length", 3, Labels.empty());
    batch.counter(
        "telegen_agent_receiver_requests_total",
        12,
        0,
        Labels.of("signal", "metrics", "outcome", "accepted"));
    batch.histogram(
        "llm_time_to_first_token_seconds",
        new double[] {0.01, 0.1, 1},
        new long[] {2, 5, 1, 0},
        1.75,
        8,
        0,
        Labels.of("model", "llama-3-70b", "instance", "10.0.0.7:8000", "framework", "vllm"));
    batch.gauge(
        "telegen_agent_collection_duration_seconds",
        0.0125,
        Labels.of("source", "say \"hi\"\\now"));

    StringBuilder text = new StringBuilder();
    PrometheusText.write(batch.metrics(), text);

    assertEquals(expected("prometheus-text/mixed.txt"), text.toString());
  }

  @Test
  void namesAreEscapedAsTheCollectorDoes() {
    assertEquals(
        "http_server_request_duration", PrometheusText.sanitize("http.server.request.duration"));
    assertEquals("key_2xx_count", PrometheusText.sanitize("2xx_count"));
    assertEquals("a:b_c", PrometheusText.sanitize("a:b-c"));
  }

  @Test
  void numbersUsePrometheusSpelling() {
    assertEquals("+Inf", PrometheusText.number(Double.POSITIVE_INFINITY));
    assertEquals("NaN", PrometheusText.number(Double.NaN));
    assertEquals("42", PrometheusText.number(42.0));
    assertEquals("0.5", PrometheusText.number(0.5));
    assertEquals("1.0E20", PrometheusText.number(1e20));
  }

  private static String expected(String name) throws IOException {
    try (InputStream in = PrometheusTextTest.class.getResourceAsStream("/" + name)) {
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
  }
}
