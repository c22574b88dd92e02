package io.telegen.frameworks.prometheus;

/**
 * Receives what {@link PrometheusTextParser} finds, in payload order, on the parsing thread.
 *
 * <p>Strings and {@link LabelSet}s passed in are immutable and may be kept. Names are shared between
 * calls of one parse (they come from a per-parse cache), so identity comparison is not meaningful
 * across parses but {@code equals} always is.
 */
public interface SampleHandler {

  /**
   * A family's metadata: called once per {@code # HELP}/{@code # TYPE} group, before the family's
   * first sample, including families that have no samples at all (TorchServe prints those).
   *
   * <p>The default ignores it, so a handler that wants only samples can be a lambda.
   *
   * @param name the family name as written on the TYPE/HELP line
   * @param kind the declared type; {@link MetricKind#UNTYPED} when only HELP was given
   * @param help the unescaped help text, or {@code null} when there was no HELP line
   */
  default void family(String name, MetricKind kind, String help) {}

  /**
   * One accepted sample line. Timestamps and exemplars are dropped.
   *
   * @param name the sample's metric name, e.g. {@code vllm:e2e_request_latency_seconds_bucket}
   * @param familyName the family it belongs to, e.g. {@code vllm:e2e_request_latency_seconds};
   *     the name itself when no declared family claims it
   * @param labels the sample's labels in payload order, values unescaped
   * @param value the value; may be NaN or infinite
   */
  void sample(String name, String familyName, LabelSet labels, double value);

  /**
   * Whether {@link #sample} is to be called for samples called {@code name}. The parser still
   * reads a sample it is not asked for (a line it cannot understand is rejected and counted, an
   * accepted one counted as a sample, as before) but builds neither its labels nor its family.
   * Called with the names of the parse, which repeat: a cheap lookup.
   *
   * <p>The default wants every sample.
   */
  default boolean wants(String name) {
    return true;
  }

  /**
   * Whether {@link #family} is to be called. When not, the parser does not decode HELP text. The
   * default is true.
   */
  default boolean wantsFamilies() {
    return true;
  }
}
