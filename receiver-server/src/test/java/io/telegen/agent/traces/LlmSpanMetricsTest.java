package io.telegen.agent.traces;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.metrics.v1.HistogramDataPoint;
import io.opentelemetry.proto.metrics.v1.Metric;
import io.opentelemetry.proto.resource.v1.Resource;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.Span;
import io.telegen.catalog.MetricCatalog;
import io.telegen.source.MetricBatch;
import java.util.List;
import org.junit.jupiter.api.Test;

class LlmSpanMetricsTest {

  private final LlmSpanMetrics metrics = new LlmSpanMetrics(1);

  @Test
  void vllmRequestSpansBecomeHistogramsWithTheirTracesAsExemplars() {
    metrics.accept(
        request(
            vllmSpan(1, 0.030, 1.2, 100, 20),
            vllmSpan(2, 0.030, 0.9, 50, 10),
            vllmSpan(3, 7.0, 12.0, 2000, 400),
            // Not an LLM request span: ignored.
            Span.newBuilder()
                .setName("GET /health")
                .setTraceId(ByteString.copyFrom(id(16, 9)))
                .setSpanId(ByteString.copyFrom(id(8, 9)))
                .build()));

    List<Metric> out = collect();

    HistogramDataPoint ttft = histogram(out, "llm_time_to_first_token_seconds");
    assertEquals(3, ttft.getCount());
    assertEquals(7.06, ttft.getSum(), 1e-9);
    // 0.03 falls in (0.02, 0.04], 7.0 in (5, 7.5]
    assertEquals(2, ttft.getBucketCounts(4));
    assertEquals(1, ttft.getBucketCounts(14));
    assertEquals(2, ttft.getExemplarsCount(), "one exemplar per bucket that has requests");
    assertArrayEquals(
        id(16, 3),
        ttft.getExemplars(1).getTraceId().toByteArray(),
        "the slow bucket points at the slow request's trace");
    assertEquals(7.0, ttft.getExemplars(1).getAsDouble());
    assertArrayEquals(id(8, 3), ttft.getExemplars(1).getSpanId().toByteArray());
    assertEquals("model", ttft.getAttributes(0).getKey());
    assertEquals(
        "meta-llama/Llama-3.1-8B-Instruct", ttft.getAttributes(0).getValue().getStringValue());

    HistogramDataPoint e2e = histogram(out, "llm_request_duration_seconds");
    assertEquals(3, e2e.getCount());
    assertEquals(14.1, e2e.getSum(), 1e-9);
    assertEquals(3.0, counter(out, "llm_request_total"));
    assertEquals(2150.0, counter(out, "llm_prompt_tokens_total"));
    assertEquals(430.0, counter(out, "llm_tokens_generated_total"));
  }

  @Test
  void tgiRequestSpansGiveDurationAndTokensFromTheirRustDurationText() {
    Span span =
        Span.newBuilder()
            .setName("generate")
            .setTraceId(ByteString.copyFrom(id(16, 7)))
            .setSpanId(ByteString.copyFrom(id(8, 7)))
            .addAttributes(attr("total_time", "1.5s"))
            .addAttributes(attr("queue_time", "850µs"))
            .addAttributes(attr("prompt_tokens", "42"))
            .addAttributes(attr("generated_tokens", "17"))
            .build();
    metrics.accept(
        ExportTraceServiceRequest.newBuilder()
            .addResourceSpans(
                ResourceSpans.newBuilder()
                    .setResource(
                        Resource.newBuilder()
                            .addAttributes(
                                attr("service.name", "text-generation-inference.router")))
                    .addScopeSpans(ScopeSpans.newBuilder().addSpans(span)))
            .build());

    List<Metric> out = collect();

    HistogramDataPoint e2e = histogram(out, "llm_request_duration_seconds");
    assertEquals(1.5, e2e.getSum(), 1e-12);
    assertEquals("tgi", e2e.getAttributes(2).getValue().getStringValue());
    assertEquals(42.0, counter(out, "llm_prompt_tokens_total"));
    assertEquals(17.0, counter(out, "llm_tokens_generated_total"));
    assertTrue(
        out.stream().noneMatch(m -> m.getName().equals("llm_time_to_first_token_seconds")),
        "TGI spans carry no time to first token");
    assertEquals(0.00085, LlmSpanMetrics.rustDuration("850µs"), 1e-12);
    assertEquals(0.001234567, LlmSpanMetrics.rustDuration("1.234567ms"), 1e-12);
  }

  @Test
  void newerGenAiTokenNamesAreReadToo() {
    Span span =
        vllmSpan(4, 0.1, 1.0, 0, 0).toBuilder()
            .clearAttributes()
            .addAttributes(attr("gen_ai.response.model", "m"))
            .addAttributes(attr("gen_ai.latency.e2e", 1.0))
            .addAttributes(
                KeyValue.newBuilder()
                    .setKey("gen_ai.usage.input_tokens")
                    .setValue(AnyValue.newBuilder().setIntValue(12)))
            .addAttributes(
                KeyValue.newBuilder()
                    .setKey("gen_ai.usage.output_tokens")
                    .setValue(AnyValue.newBuilder().setIntValue(34)))
            .build();
    metrics.accept(request(span));

    List<Metric> out = collect();

    assertEquals(12.0, counter(out, "llm_prompt_tokens_total"));
    assertEquals(34.0, counter(out, "llm_tokens_generated_total"));
    assertTrue(
        out.stream().noneMatch(m -> m.getName().equals("llm_time_to_first_token_seconds")),
        "no TTFT attribute, no TTFT histogram");
  }

  private List<Metric> collect() {
    MetricBatch batch = new MetricBatch(MetricCatalog.load(), 2);
    metrics.collect(batch);
    return batch.metrics();
  }

  private static ExportTraceServiceRequest request(Span... spans) {
    return ExportTraceServiceRequest.newBuilder()
        .addResourceSpans(
            ResourceSpans.newBuilder()
                .setResource(
                    Resource.newBuilder()
                        .addAttributes(attr("service.name", "vllm"))
                        .addAttributes(attr("host.name", "gpu-node-7")))
                .addScopeSpans(ScopeSpans.newBuilder().addAllSpans(List.of(spans))))
        .build();
  }

  private static Span vllmSpan(int n, double ttft, double e2e, long prompt, long completion) {
    return Span.newBuilder()
        .setName("llm_request")
        .setTraceId(ByteString.copyFrom(id(16, n)))
        .setSpanId(ByteString.copyFrom(id(8, n)))
        .setEndTimeUnixNano(1_000_000_000L * n)
        .addAttributes(attr("gen_ai.response.model", "meta-llama/Llama-3.1-8B-Instruct"))
        .addAttributes(attr("gen_ai.latency.time_to_first_token", ttft))
        .addAttributes(attr("gen_ai.latency.e2e", e2e))
        .addAttributes(
            KeyValue.newBuilder()
                .setKey("gen_ai.usage.prompt_tokens")
                .setValue(AnyValue.newBuilder().setIntValue(prompt)))
        .addAttributes(
            KeyValue.newBuilder()
                .setKey("gen_ai.usage.completion_tokens")
                .setValue(AnyValue.newBuilder().setIntValue(completion)))
        .build();
  }

  private static KeyValue attr(String key, String value) {
    return KeyValue.newBuilder()
        .setKey(key)
        .setValue(AnyValue.newBuilder().setStringValue(value))
        .build();
  }

  private static KeyValue attr(String key, double value) {
    return KeyValue.newBuilder()
        .setKey(key)
        .setValue(AnyValue.newBuilder().setDoubleValue(value))
        .build();
  }

  private static byte[] id(int length, int n) {
    byte[] id = new byte[length];
    id[length - 1] = (byte) n;
    return id;
  }

  private static HistogramDataPoint histogram(List<Metric> metrics, String name) {
    return metrics.stream()
        .filter(m -> m.getName().equals(name))
        .findFirst()
        .orElseThrow()
        .getHistogram()
        .getDataPoints(0);
  }

  private static double counter(List<Metric> metrics, String name) {
    return metrics.stream()
        .filter(m -> m.getName().equals(name))
        .findFirst()
        .orElseThrow()
        .getSum()
        .getDataPoints(0)
        .getAsDouble();
  }
}
