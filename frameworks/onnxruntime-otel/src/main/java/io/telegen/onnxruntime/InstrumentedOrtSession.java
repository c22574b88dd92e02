package io.telegen.onnxruntime;

import ai.onnxruntime.OnnxTensorLike;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.metrics.DoubleHistogram;
import io.opentelemetry.api.metrics.LongCounter;
import io.opentelemetry.api.metrics.Meter;
import java.lang.management.ManagementFactory;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * An {@link OrtSession} whose runs are counted and timed as the Telegen agent's normalised
 * serving metrics: {@code llm_request_total{status}} and {@code llm_request_duration_seconds},
 * with {@code model}, {@code instance} and {@code framework="onnxruntime"}.
 *
 * <p>ONNX Runtime is a library without a metrics endpoint, so the application that embeds it is
 * the only place its requests can be seen. Names are the agent's own, so the series join the
 * ones scraped from vLLM, Triton and the others in the same dashboards.
 */
public final class InstrumentedOrtSession implements AutoCloseable {

  static final AttributeKey<String> MODEL = AttributeKey.stringKey("model");
  static final AttributeKey<String> INSTANCE = AttributeKey.stringKey("instance");
  static final AttributeKey<String> FRAMEWORK = AttributeKey.stringKey("framework");
  static final AttributeKey<String> STATUS = AttributeKey.stringKey("status");

  /** From 0.5 ms (a small CPU model) to 60 s (a large model on a busy node). */
  static final List<Double> BUCKETS =
      List.of(
          0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
          30.0, 60.0);

  private final OrtSession session;
  private final LongCounter requests;
  private final DoubleHistogram duration;
  private final Attributes ok;
  private final Attributes error;
  private final Attributes timed;

  private InstrumentedOrtSession(OrtSession session, String model, String instance, Meter meter) {
    this.session = session;
    this.requests =
        meter
            .counterBuilder("llm_request_total")
            .setDescription("Inference requests, by outcome.")
            .setUnit("{request}")
            .build();
    this.duration =
        meter
            .histogramBuilder("llm_request_duration_seconds")
            .setDescription("End-to-end duration of one OrtSession.run.")
            .setUnit("s")
            .setExplicitBucketBoundariesAdvice(BUCKETS)
            .build();
    this.timed = Attributes.of(MODEL, model, INSTANCE, instance, FRAMEWORK, "onnxruntime");
    this.ok = timed.toBuilder().put(STATUS, "ok").build();
    this.error = timed.toBuilder().put(STATUS, "error").build();
  }

  /**
   * Wraps {@code session}.
   *
   * @param model the {@code model} label, e.g. the model file's name and version
   * @param meter where the metrics go; {@link OrtTelemetry#meter()} sends them to the agent
   */
  public static InstrumentedOrtSession wrap(OrtSession session, String model, Meter meter) {
    return new InstrumentedOrtSession(
        Objects.requireNonNull(session, "session"),
        Objects.requireNonNull(model, "model"),
        defaultInstance(),
        meter);
  }

  /** Runs the model, recording the run as a request; failures are counted and rethrown. */
  public OrtSession.Result run(Map<String, ? extends OnnxTensorLike> inputs) throws OrtException {
    long started = System.nanoTime();
    try {
      OrtSession.Result result = session.run(inputs);
      record(started, ok);
      return result;
    } catch (OrtException | RuntimeException e) {
      record(started, error);
      throw e;
    }
  }

  private void record(long startedNanos, Attributes outcome) {
    requests.add(1, outcome);
    duration.record((System.nanoTime() - startedNanos) / 1e9, timed);
  }

  /** The wrapped session, for its input and output metadata. */
  public OrtSession session() {
    return session;
  }

  @Override
  public void close() throws OrtException {
    session.close();
  }

  /** {@code host:pid}: one process can serve several models, and hosts run several processes. */
  static String defaultInstance() {
    String name = ManagementFactory.getRuntimeMXBean().getName();
    int at = name.indexOf('@');
    return at < 0 ? name : name.substring(at + 1) + ":" + name.substring(0, at);
  }
}
