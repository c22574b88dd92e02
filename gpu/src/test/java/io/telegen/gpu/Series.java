package io.telegen.gpu;

import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.metrics.v1.Metric;
import io.opentelemetry.proto.metrics.v1.NumberDataPoint;
import io.telegen.catalog.MetricCatalog;
import io.telegen.source.MetricBatch;
import io.telegen.source.MetricSource;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;

/** The number series of a batch, looked up by name and labels, for assertions. */
final class Series {

  record Point(String name, Map<String, String> labels, double value) {}

  private final List<Point> points = new ArrayList<>();

  /** One collection of {@code source}, checked against the catalog. */
  static Series collect(MetricSource source) throws Exception {
    MetricBatch batch = new MetricBatch(MetricCatalog.load(), 1);
    source.collect(batch);
    return new Series(batch);
  }

  /** Collects {@code source} until the sampling thread's readings are in, for at most 10 s. */
  static Series collectUntil(MetricSource source, Predicate<Series> ready) throws Exception {
    long deadline = System.nanoTime() + 10_000_000_000L;
    while (true) {
      Series s = collect(source);
      if (ready.test(s)) {
        return s;
      }
      if (System.nanoTime() > deadline) {
        throw new AssertionError("slow readings never arrived: " + s.all());
      }
      Thread.sleep(50);
    }
  }

  Series(MetricBatch batch) {
    for (Metric metric : batch.metrics()) {
      List<NumberDataPoint> numbers =
          metric.hasGauge()
              ? metric.getGauge().getDataPointsList()
              : metric.hasSum() ? metric.getSum().getDataPointsList() : List.of();
      for (NumberDataPoint p : numbers) {
        Map<String, String> labels = new LinkedHashMap<>();
        for (KeyValue kv : p.getAttributesList()) {
          labels.put(kv.getKey(), kv.getValue().getStringValue());
        }
        points.add(new Point(metric.getName(), labels, p.getAsDouble()));
      }
    }
  }

  /** Points of {@code name} whose labels include all of {@code match} (alternating key, value). */
  List<Point> find(String name, String... match) {
    List<Point> found = new ArrayList<>();
    for (Point p : points) {
      if (!p.name().equals(name)) {
        continue;
      }
      boolean all = true;
      for (int i = 0; i < match.length; i += 2) {
        all &= match[i + 1].equals(p.labels().get(match[i]));
      }
      if (all) {
        found.add(p);
      }
    }
    return found;
  }

  /** The single value of {@code name} with {@code match}; fails when absent or ambiguous. */
  double value(String name, String... match) {
    List<Point> found = find(name, match);
    if (found.size() != 1) {
      throw new AssertionError(
          "expected one " + name + " with " + List.of(match) + ", found " + found);
    }
    return found.get(0).value();
  }

  List<Point> all() {
    return points;
  }
}
