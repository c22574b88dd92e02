package io.telegen.agent.cli;

import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.metrics.v1.HistogramDataPoint;
import io.opentelemetry.proto.metrics.v1.Metric;
import io.opentelemetry.proto.metrics.v1.NumberDataPoint;
import java.util.List;

/**
 * Renders OTLP metrics in the Prometheus text exposition format, with the names and labels
 * Prometheus shows behind the shipped collector config: that config keeps names as they are
 * (no unit or {@code _total} suffixes added) and only escapes characters, so this does the same.
 */
public final class PrometheusText {

  private PrometheusText() {}

  /** Appends {@code metrics} to {@code out}, one family per metric. */
  public static void write(List<Metric> metrics, StringBuilder out) {
    for (Metric metric : metrics) {
      String name = sanitize(metric.getName());
      String type =
          switch (metric.getDataCase()) {
            case GAUGE -> "gauge";
            case SUM -> metric.getSum().getIsMonotonic() ? "counter" : "gauge";
            case HISTOGRAM -> "histogram";
            default -> null;
          };
      if (type == null) {
        continue;
      }
      if (!metric.getDescription().isEmpty()) {
        out.append("# HELP ")
            .append(name)
            .append(' ')
            .append(metric.getDescription().replace("\\", "\\\\").replace("\n", "\\n"))
            .append('\n');
      }
      out.append("# TYPE ").append(name).append(' ').append(type).append('\n');
      switch (metric.getDataCase()) {
        case GAUGE ->
            metric
                .getGauge()
                .getDataPointsList()
                .forEach(p -> sample(out, name, p.getAttributesList(), null, value(p)));
        case SUM ->
            metric
                .getSum()
                .getDataPointsList()
                .forEach(p -> sample(out, name, p.getAttributesList(), null, value(p)));
        case HISTOGRAM ->
            metric.getHistogram().getDataPointsList().forEach(p -> histogram(out, name, p));
        default -> {}
      }
    }
  }

  private static void histogram(StringBuilder out, String name, HistogramDataPoint p) {
    long cumulative = 0;
    for (int i = 0; i < p.getBucketCountsCount(); i++) {
      cumulative += p.getBucketCounts(i);
      String le = i < p.getExplicitBoundsCount() ? number(p.getExplicitBounds(i)) : "+Inf";
      sample(out, name + "_bucket", p.getAttributesList(), le, cumulative);
    }
    sample(out, name + "_sum", p.getAttributesList(), null, p.getSum());
    sample(out, name + "_count", p.getAttributesList(), null, p.getCount());
  }

  private static double value(NumberDataPoint p) {
    return p.hasAsInt() ? p.getAsInt() : p.getAsDouble();
  }

  private static void sample(
      StringBuilder out, String name, List<KeyValue> labels, String le, double value) {
    out.append(name);
    if (!labels.isEmpty() || le != null) {
      out.append('{');
      boolean first = true;
      for (KeyValue kv : labels) {
        if (!first) {
          out.append(',');
        }
        first = false;
        out.append(sanitize(kv.getKey()))
            .append("=\"")
            .append(escape(kv.getValue().getStringValue()))
            .append('"');
      }
      if (le != null) {
        out.append(first ? "" : ",").append("le=\"").append(le).append('"');
      }
      out.append('}');
    }
    out.append(' ').append(number(value)).append('\n');
  }

  static String number(double v) {
    if (Double.isNaN(v)) {
      return "NaN";
    }
    if (Double.isInfinite(v)) {
      return v > 0 ? "+Inf" : "-Inf";
    }
    if (v == Math.rint(v) && Math.abs(v) < 1e15) {
      return Long.toString((long) v);
    }
    return Double.toString(v);
  }

  /** The collector's escaping: anything outside {@code [a-zA-Z0-9_:]} becomes {@code _}. */
  static String sanitize(String name) {
    StringBuilder sb = new StringBuilder(name.length() + 4);
    for (int i = 0; i < name.length(); i++) {
      char c = name.charAt(i);
      boolean ok =
          (c >= 'a' && c <= 'z')
              || (c >= 'A' && c <= 'Z')
              || c == '_'
              || c == ':'
              || (c >= '0' && c <= '9' && i > 0);
      sb.append(ok ? c : (c >= '0' && c <= '9') ? "key_" + c : "_");
    }
    return sb.toString();
  }

  private static String escape(String value) {
    return value.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n");
  }
}
