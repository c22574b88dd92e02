package io.telegen.frameworks.prometheus;

/**
 * The type of a metric family, as declared by a {@code # TYPE} line.
 *
 * <p>{@link #UNTYPED} is the text format 0.0.4 type (also used when a family has a {@code # HELP}
 * line but no {@code # TYPE}); {@link #UNKNOWN} is OpenMetrics' {@code unknown}.
 */
public enum MetricKind {
  COUNTER,
  GAUGE,
  HISTOGRAM,
  SUMMARY,
  UNTYPED,
  INFO,
  STATESET,
  GAUGE_HISTOGRAM,
  UNKNOWN
}
