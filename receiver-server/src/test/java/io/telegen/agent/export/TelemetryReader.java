package io.telegen.agent.export;

import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.metrics.v1.Metric;
import io.opentelemetry.proto.metrics.v1.NumberDataPoint;
import io.telegen.agent.telemetry.AgentTelemetry;
import io.telegen.catalog.MetricCatalog;
import io.telegen.source.MetricBatch;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalDouble;

/**
 * Reads {@link AgentTelemetry}'s {@code telegen_agent_*} values the way the agent exports them:
 * through {@link AgentTelemetry#collect} into a catalog-checked {@link MetricBatch}.
 */
public final class TelemetryReader {

  private TelemetryReader() {}

  /** One collection of {@code telemetry}, as the self source would export it. */
  public static List<Metric> collect(AgentTelemetry telemetry) {
    MetricBatch batch = new MetricBatch(MetricCatalog.load(), 0);
    telemetry.collect(batch);
    return batch.metrics();
  }

  /**
   * The value of the point of {@code metric} whose attributes are exactly {@code labels}
   * (alternating keys and values), if there is one.
   */
  public static OptionalDouble find(AgentTelemetry telemetry, String metric, String... labels) {
    for (Metric m : collect(telemetry)) {
      if (!m.getName().equals(metric)) {
        continue;
      }
      for (NumberDataPoint point : points(m)) {
        if (matches(point.getAttributesList(), labels)) {
          return OptionalDouble.of(point.getAsDouble());
        }
      }
    }
    return OptionalDouble.empty();
  }

  /** Like {@link #find}, failing the test with what there is when the point is absent. */
  public static double value(AgentTelemetry telemetry, String metric, String... labels) {
    OptionalDouble found = find(telemetry, metric, labels);
    if (found.isEmpty()) {
      throw new AssertionError(
          "no point of "
              + metric
              + " with labels "
              + List.of(labels)
              + "; the telemetry has "
              + describe(collect(telemetry)));
    }
    return found.getAsDouble();
  }

  /** Like {@link #find}, 0 when the point is absent (a counter never incremented). */
  public static double valueOrZero(AgentTelemetry telemetry, String metric, String... labels) {
    return find(telemetry, metric, labels).orElse(0);
  }

  /** {@code telegen_agent_points_exported_total{signal}}. */
  public static double exported(AgentTelemetry telemetry, Signal signal) {
    return value(telemetry, "telegen_agent_points_exported_total", "signal", signal.label());
  }

  /** {@code telegen_agent_points_failed_total{signal,reason}}, 0 when never counted. */
  public static double failed(AgentTelemetry telemetry, Signal signal, String reason) {
    return valueOrZero(
        telemetry, "telegen_agent_points_failed_total", "signal", signal.label(), "reason", reason);
  }

  /** {@code telegen_agent_receiver_requests_total{signal,outcome}}, 0 when never counted. */
  public static double receiverRequests(AgentTelemetry telemetry, Signal signal, String outcome) {
    return valueOrZero(
        telemetry,
        "telegen_agent_receiver_requests_total",
        "signal",
        signal.label(),
        "outcome",
        outcome);
  }

  private static List<NumberDataPoint> points(Metric metric) {
    return switch (metric.getDataCase()) {
      case SUM -> metric.getSum().getDataPointsList();
      case GAUGE -> metric.getGauge().getDataPointsList();
      default -> List.of();
    };
  }

  private static boolean matches(List<KeyValue> attributes, String[] labels) {
    if (labels.length % 2 != 0) {
      throw new IllegalArgumentException("labels must be key/value pairs");
    }
    if (attributes.size() != labels.length / 2) {
      return false;
    }
    for (int i = 0; i < labels.length; i += 2) {
      boolean found = false;
      for (KeyValue kv : attributes) {
        if (kv.getKey().equals(labels[i]) && kv.getValue().getStringValue().equals(labels[i + 1])) {
          found = true;
          break;
        }
      }
      if (!found) {
        return false;
      }
    }
    return true;
  }

  private static String describe(List<Metric> metrics) {
    List<String> lines = new ArrayList<>();
    for (Metric m : metrics) {
      for (NumberDataPoint p : points(m)) {
        StringBuilder sb = new StringBuilder(m.getName()).append('{');
        for (KeyValue kv : p.getAttributesList()) {
          sb.append(kv.getKey()).append('=').append(kv.getValue().getStringValue()).append(',');
        }
        lines.add(sb.append("} ").append(p.getAsDouble()).toString());
      }
    }
    return lines.toString();
  }
}
