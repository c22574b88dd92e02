package io.telegen.integration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.proto.metrics.v1.Exemplar;
import io.opentelemetry.proto.metrics.v1.HistogramDataPoint;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;

/**
 * Trace correlation: a real OpenTelemetry SDK client sends spans named and attributed as vLLM's
 * {@code --otlp-traces-endpoint} does to the agent, which forwards them and derives the LLM
 * latency histograms whose exemplars carry each bucket's trace and span ids.
 */
final class TraceCorrelationTest {

  private static final Duration TIMEOUT = Duration.ofSeconds(45);
  private static final String MODEL = "meta-llama/Llama-3.1-8B-Instruct";

  private final Cleanup cleanup = new Cleanup();

  @AfterEach
  void stopEverything() {
    cleanup.close();
  }

  @Test
  void vllmRequestSpansBecomeHistogramsWhoseExemplarsLeadToTheTraces(TestInfo testInfo) {
    Path dir = TestLogDir.of(testInfo);
    StockCollector collector = cleanup.register(StockCollector.start(dir));
    PrometheusServer prometheus =
        cleanup.register(PrometheusServer.start(dir, collector.prometheusExporterTarget()));
    AgentProcess agent =
        cleanup.register(
            AgentProcess.start(
                dir,
                collector.otlpGrpcEndpoint(),
                Map.of("aiml", Map.of("trace_correlation", true, "frameworks", Map.of())),
                Map.of()));

    String slowTrace;
    try (JavaSdkClient vllm = new JavaSdkClient(agent.receiverEndpoint(), "vllm")) {
      request(vllm, 0.030, 1.2, 100, 20);
      request(vllm, 0.045, 0.9, 50, 10);
      slowTrace = request(vllm, 7.0, 12.0, 2000, 400);
      assertTrue(vllm.flush(), "the agent refused the spans\n" + agent.describe());
    }
    CollectorFileOutput output = collector.output();

    // The spans themselves are forwarded.
    Otlp.ResourceSpan forwarded =
        output.awaitSpan("llm_request", s -> s.traceIdHex().equals(slowTrace), TIMEOUT);
    assertEquals("vllm", forwarded.serviceName());

    // The derived TTFT histogram: the slow request's bucket points at its trace.
    Otlp.ResourceMetric ttft =
        output.awaitMetric(
            "llm_time_to_first_token_seconds",
            m ->
                m.metric().getHistogram().getDataPointsCount() > 0
                    && m.metric().getHistogram().getDataPoints(0).getCount() == 3,
            TIMEOUT);
    HistogramDataPoint point = ttft.metric().getHistogram().getDataPoints(0);
    assertEquals(7.075, point.getSum(), 1e-9);
    List<Exemplar> exemplars = point.getExemplarsList();
    assertTrue(
        exemplars.stream()
            .anyMatch(
                e ->
                    e.getAsDouble() == 7.0
                        && HexFormat.of()
                            .formatHex(e.getTraceId().toByteArray())
                            .equals(slowTrace)),
        "no exemplar for the 7 s request's trace " + slowTrace + " in " + exemplars);

    // And the spec's TTFT query answers in Prometheus.
    List<PrometheusServer.Sample> p95 =
        prometheus.awaitQuery(
            "histogram_quantile(0.95, sum(llm_time_to_first_token_seconds_bucket) by (le, model))",
            r -> r.size() == 1 && r.get(0).value() > 5,
            TIMEOUT);
    assertEquals(MODEL, p95.get(0).labels().get("model"));
    assertEquals(
        2150.0,
        prometheus
            .awaitQuery(
                "sum(llm_prompt_tokens_total)", r -> r.size() == 1 && r.get(0).value() > 0, TIMEOUT)
            .get(0)
            .value());
  }

  /** One vLLM-shaped request span; returns its trace id. */
  private static String request(
      JavaSdkClient vllm, double ttft, double e2e, long prompt, long completion) {
    Span span =
        vllm.tracer()
            .spanBuilder("llm_request")
            .setSpanKind(SpanKind.SERVER)
            .setAttribute("gen_ai.response.model", MODEL)
            .setAttribute("gen_ai.request.id", "cmpl-" + prompt)
            .setAttribute("gen_ai.latency.time_to_first_token", ttft)
            .setAttribute("gen_ai.latency.e2e", e2e)
            .setAttribute("gen_ai.usage.prompt_tokens", prompt)
            .setAttribute("gen_ai.usage.completion_tokens", completion)
            .startSpan();
    span.end();
    return span.getSpanContext().getTraceId();
  }
}
