package io.telegen.testsupport;

import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.metrics.v1.Metric;
import io.opentelemetry.proto.metrics.v1.NumberDataPoint;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/** Gauge points keyed the way Prometheus prints a series, for comparing whole collections. */
public final class GaugePoints {

  private GaugePoints() {}

  /**
   * Every gauge point of {@code metrics} as {@code name{label=value, ...}} → value, labels sorted,
   * e.g. {@code gpu_utilization_percent{device=0, uuid=GPU-1}} → 47.0.
   */
  public static Map<String, Double> of(List<Metric> metrics) {
    Map<String, Double> out = new TreeMap<>();
    for (Metric metric : metrics) {
      if (!metric.hasGauge()) {
        continue;
      }
      for (NumberDataPoint point : metric.getGauge().getDataPointsList()) {
        Map<String, String> labels = new TreeMap<>();
        for (KeyValue kv : point.getAttributesList()) {
          labels.put(kv.getKey(), kv.getValue().getStringValue());
        }
        out.put(
            metric.getName() + labels,
            point.hasAsDouble() ? point.getAsDouble() : point.getAsInt());
      }
    }
    return out;
  }
}
