package io.telegen.catalog;

import java.util.Locale;

/** The OTLP instrument kind of a catalog metric, as written in the catalog's {@code type} field. */
public enum MetricType {
  /** A value sampled at collection time (OTLP Gauge). */
  GAUGE,
  /** A monotonic cumulative sum (OTLP Sum, monotonic); its name ends in {@code _total}. */
  COUNTER,
  /** A cumulative explicit-bucket histogram; Prometheus shows it as {@code _bucket}, {@code _sum}, {@code _count}. */
  HISTOGRAM;

  /** The spelling used in the catalog file: {@code gauge}, {@code counter} or {@code histogram}. */
  public String yamlName() {
    return name().toLowerCase(Locale.ROOT);
  }
}
