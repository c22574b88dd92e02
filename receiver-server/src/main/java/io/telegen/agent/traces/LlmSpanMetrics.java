package io.telegen.agent.traces;

import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.Span;
import io.telegen.agent.config.Durations;
import io.telegen.frameworks.serving.ServingFrameworks;
import io.telegen.source.Exemplar;
import io.telegen.source.Labels;
import io.telegen.source.MetricBatch;
import io.telegen.source.MetricSource;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;

/**
 * LLM latency and token metrics derived from the request spans serving frameworks send to the
 * agent's receiver ({@code agent.aiml.trace_correlation: true}), each histogram bucket keeping
 * the trace of its latest request as an exemplar, so a slow bucket leads to a trace.
 *
 * <p>vLLM ({@code --otlp-traces-endpoint}) ends every request with an {@code llm_request} span
 * carrying {@code gen_ai.latency.time_to_first_token}, {@code gen_ai.latency.e2e} (seconds) and
 * {@code gen_ai.usage.prompt_tokens} / {@code completion_tokens}; the newer GenAI names
 * ({@code gen_ai.usage.input_tokens} / {@code output_tokens}) are read too. TGI
 * ({@code --otlp-endpoint}) records {@code total_time} on its request spans as Rust's duration
 * text ({@code "1.234567ms"}), and in newer versions {@code prompt_tokens} and
 * {@code generated_tokens}; it has no time to first token and names no model in its spans.
 */
public final class LlmSpanMetrics implements MetricSource, Consumer<ExportTraceServiceRequest> {

  public static final String SOURCE_NAME = "llm_traces";

  /** vLLM V1's own TTFT buckets, so the derived histogram lines up with the scraped one. */
  static final double[] TTFT_BOUNDS = {
    0.001, 0.005, 0.01, 0.02, 0.04, 0.06, 0.08, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10, 20, 40,
    80, 160, 640, 2560
  };

  /** vLLM V1's end-to-end latency buckets. */
  static final double[] E2E_BOUNDS = {
    0.3, 0.5, 0.8, 1, 1.5, 2, 2.5, 5, 10, 15, 20, 30, 40, 50, 60, 120, 240, 480, 960, 1920, 7680
  };

  private final long startUnixNanos;
  private final Map<Labels, Series> series = new ConcurrentHashMap<>();

  public LlmSpanMetrics(long startUnixNanos) {
    this.startUnixNanos = startUnixNanos;
  }

  /** Called by the receiver with every trace request it accepts. */
  @Override
  public void accept(ExportTraceServiceRequest request) {
    for (ResourceSpans resourceSpans : request.getResourceSpansList()) {
      List<KeyValue> resource = resourceSpans.getResource().getAttributesList();
      String serviceName = string(resource, "service.name");
      String instance =
          firstNonEmpty(
              string(resource, "service.instance.id"), string(resource, "host.name"), "unknown");
      for (ScopeSpans scopeSpans : resourceSpans.getScopeSpansList()) {
        for (Span span : scopeSpans.getSpansList()) {
          observe(span, serviceName, instance);
        }
      }
    }
  }

  private void observe(Span span, String serviceName, String instance) {
    List<KeyValue> attributes = span.getAttributesList();
    double ttft = number(attributes, "gen_ai.latency.time_to_first_token");
    double e2e = number(attributes, "gen_ai.latency.e2e");
    if (Double.isNaN(e2e)) {
      e2e = rustDuration(string(attributes, "total_time"));
    }
    if (Double.isNaN(ttft) && Double.isNaN(e2e)) {
      return;
    }
    String model =
        firstNonEmpty(
            string(attributes, "gen_ai.response.model"),
            string(attributes, "gen_ai.request.model"),
            "unknown");
    Labels labels =
        Labels.of(
            "model",
            model,
            "instance",
            instance,
            "framework",
            ServingFrameworks.ofSpan(span.getName(), serviceName));
    Exemplar exemplar =
        new Exemplar(
            0,
            span.getEndTimeUnixNano(),
            span.getTraceId().toByteArray(),
            span.getSpanId().toByteArray());
    double prompt =
        firstNumber(attributes, "gen_ai.usage.prompt_tokens", "gen_ai.usage.input_tokens");
    double generated =
        firstNumber(attributes, "gen_ai.usage.completion_tokens", "gen_ai.usage.output_tokens");
    if (Double.isNaN(prompt)) {
      prompt = integerText(string(attributes, "prompt_tokens"));
    }
    if (Double.isNaN(generated)) {
      generated = integerText(string(attributes, "generated_tokens"));
    }
    series.computeIfAbsent(labels, k -> new Series()).add(ttft, e2e, prompt, generated, exemplar);
  }

  @Override
  public String name() {
    return SOURCE_NAME;
  }

  @Override
  public void collect(MetricBatch batch) {
    series.forEach((labels, s) -> s.write(batch, labels, startUnixNanos));
  }

  /** One label set's histograms and counters; spans arrive on receiver threads. */
  private static final class Series {
    private final Histogram ttft = new Histogram(TTFT_BOUNDS);
    private final Histogram e2e = new Histogram(E2E_BOUNDS);
    private long requests;
    private double promptTokens;
    private double generatedTokens;
    private boolean tokens;

    synchronized void add(
        double ttftSeconds, double e2eSeconds, double prompt, double generated, Exemplar exemplar) {
      requests++;
      if (!Double.isNaN(ttftSeconds)) {
        ttft.add(ttftSeconds, exemplar);
      }
      if (!Double.isNaN(e2eSeconds)) {
        e2e.add(e2eSeconds, exemplar);
      }
      if (!Double.isNaN(prompt) || !Double.isNaN(generated)) {
        tokens = true;
        promptTokens += Double.isNaN(prompt) ? 0 : prompt;
        generatedTokens += Double.isNaN(generated) ? 0 : generated;
      }
    }

    synchronized void write(MetricBatch batch, Labels labels, long start) {
      batch.counter("llm_request_total", requests, start, labels);
      ttft.write(batch, "llm_time_to_first_token_seconds", labels, start);
      e2e.write(batch, "llm_request_duration_seconds", labels, start);
      if (tokens) {
        batch.counter("llm_prompt_tokens_total", promptTokens, start, labels);
        batch.counter("llm_tokens_generated_total", generatedTokens, start, labels);
      }
    }
  }

  /** Cumulative explicit-bucket histogram keeping the latest exemplar per bucket. */
  private static final class Histogram {
    private final double[] bounds;
    private final long[] counts;
    private final Exemplar[] exemplars;
    private double sum;
    private long count;

    Histogram(double[] bounds) {
      this.bounds = bounds;
      this.counts = new long[bounds.length + 1];
      this.exemplars = new Exemplar[bounds.length + 1];
    }

    void add(double value, Exemplar exemplar) {
      int bucket = Arrays.binarySearch(bounds, value);
      // A value equal to a bound belongs to that bucket (le); otherwise to the next bound up.
      bucket = bucket >= 0 ? bucket : -bucket - 1;
      counts[bucket]++;
      exemplars[bucket] =
          new Exemplar(value, exemplar.timeUnixNanos(), exemplar.traceId(), exemplar.spanId());
      sum += value;
      count++;
    }

    void write(MetricBatch batch, String name, Labels labels, long start) {
      if (count == 0) {
        return;
      }
      List<Exemplar> kept = Arrays.stream(exemplars).filter(e -> e != null).toList();
      batch.histogram(name, bounds, counts.clone(), sum, count, start, labels, kept);
    }
  }

  private static String string(List<KeyValue> attributes, String key) {
    for (KeyValue kv : attributes) {
      if (kv.getKey().equals(key) && kv.getValue().hasStringValue()) {
        return kv.getValue().getStringValue();
      }
    }
    return null;
  }

  private static double number(List<KeyValue> attributes, String key) {
    for (KeyValue kv : attributes) {
      if (kv.getKey().equals(key)) {
        AnyValue v = kv.getValue();
        if (v.hasDoubleValue()) {
          return v.getDoubleValue();
        }
        if (v.hasIntValue()) {
          return v.getIntValue();
        }
      }
    }
    return Double.NaN;
  }

  /** Seconds in a Rust {@code Duration}'s debug text such as {@code 1.5s} or {@code 850µs}. */
  static double rustDuration(String text) {
    if (text == null) {
      return Double.NaN;
    }
    Duration d = Durations.parse(text.trim());
    return d == null ? Double.NaN : d.toNanos() / 1e9;
  }

  private static double integerText(String text) {
    if (text == null) {
      return Double.NaN;
    }
    try {
      return Long.parseLong(text.trim());
    } catch (NumberFormatException e) {
      return Double.NaN;
    }
  }

  private static double firstNumber(List<KeyValue> attributes, String key, String fallback) {
    double value = number(attributes, key);
    return Double.isNaN(value) ? number(attributes, fallback) : value;
  }

  private static String firstNonEmpty(String... values) {
    for (String value : values) {
      if (value != null && !value.isEmpty()) {
        return value;
      }
    }
    return null;
  }
}
