package io.telegen.frameworks.llm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.fail;

import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.metrics.v1.HistogramDataPoint;
import io.opentelemetry.proto.metrics.v1.Metric;
import io.opentelemetry.proto.metrics.v1.NumberDataPoint;
import io.telegen.catalog.MetricCatalog;
import io.telegen.frameworks.prometheus.ParseReport;
import io.telegen.frameworks.prometheus.PrometheusTextParser;
import io.telegen.source.MetricBatch;
import io.telegen.testsupport.RealPayloads;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;

/** Runs payload files through a normalizer and indexes the output by name and sorted labels. */
final class Scrapes {

  static final MetricCatalog CATALOG = MetricCatalog.load();
  static final long T1 = 1_700_000_000_000_000_000L;
  static final long T2 = T1 + 10_000_000_000L; // 10 s later
  static final long T3 = T2 + 5_000_000_000L;

  /** One output point: gauge/counter value or histogram fields, and its start time. */
  record Point(double value, long start, double[] bounds, long[] counts, double sum, long count) {}

  private Scrapes() {}

  /** A real server capture from test-support's fixtures (see their PROVENANCE.md). */
  static Path sharedFixture(String name) {
    return RealPayloads.file(name);
  }

  static Path resource(String name) {
    try {
      return Path.of(Scrapes.class.getResource("/llm/" + name).toURI());
    } catch (Exception e) {
      return fail("test resource llm/" + name + " missing: " + e);
    }
  }

  static String read(Path file) {
    try {
      return Files.readString(file, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** One scrape of {@code payload} at {@code time}; returns "name{k=v,...}" -> point. */
  static Map<String, Point> scrape(LlmNormalizer normalizer, String payload, long time) {
    normalizer.beginScrape();
    ParseReport report = PrometheusTextParser.parse(payload, normalizer);
    assertNotNull(report);
    MetricBatch batch = new MetricBatch(CATALOG, time);
    normalizer.endScrape(batch);
    Map<String, Point> points = new TreeMap<>();
    for (Metric metric : batch.metrics()) {
      if (metric.hasGauge()) {
        for (NumberDataPoint p : metric.getGauge().getDataPointsList()) {
          put(
              points,
              metric.getName(),
              p.getAttributesList(),
              new Point(p.getAsDouble(), 0, null, null, 0, 0));
        }
      } else if (metric.hasSum()) {
        for (NumberDataPoint p : metric.getSum().getDataPointsList()) {
          put(
              points,
              metric.getName(),
              p.getAttributesList(),
              new Point(p.getAsDouble(), p.getStartTimeUnixNano(), null, null, 0, 0));
        }
      } else {
        for (HistogramDataPoint p : metric.getHistogram().getDataPointsList()) {
          put(
              points,
              metric.getName(),
              p.getAttributesList(),
              new Point(
                  0,
                  p.getStartTimeUnixNano(),
                  p.getExplicitBoundsList().stream().mapToDouble(Double::doubleValue).toArray(),
                  p.getBucketCountsList().stream().mapToLong(Long::longValue).toArray(),
                  p.getSum(),
                  p.getCount()));
        }
      }
    }
    return points;
  }

  private static void put(
      Map<String, Point> points, String name, List<KeyValue> attributes, Point point) {
    TreeMap<String, String> sorted = new TreeMap<>();
    for (KeyValue kv : attributes) {
      sorted.put(kv.getKey(), kv.getValue().getStringValue());
    }
    StringBuilder key = new StringBuilder(name).append('{');
    sorted.forEach(
        (k, v) ->
            key.append(key.charAt(key.length() - 1) == '{' ? "" : ",")
                .append(k)
                .append('=')
                .append(v));
    String k = key.append('}').toString();
    if (points.put(k, point) != null) {
      fail("two points for " + k);
    }
  }

  static Point get(Map<String, Point> points, String key) {
    Point p = points.get(key);
    if (p == null) {
      fail("no point " + key + "; have:\n  " + String.join("\n  ", points.keySet()));
    }
    return p;
  }

  static void assertValue(Map<String, Point> points, String key, double expected) {
    assertEquals(expected, get(points, key).value(), 1e-9, key);
  }

  static void assertHistogram(
      Map<String, Point> points,
      String key,
      double[] bounds,
      long[] counts,
      double sum,
      long count) {
    Point p = get(points, key);
    org.junit.jupiter.api.Assertions.assertArrayEquals(bounds, p.bounds(), 0.0, key + " bounds");
    org.junit.jupiter.api.Assertions.assertArrayEquals(counts, p.counts(), key + " counts");
    assertEquals(sum, p.sum(), 1e-12, key + " sum");
    assertEquals(count, p.count(), key + " count");
  }

  /** Metric names present, e.g. to assert that a framework lacking a metric emits none. */
  static TreeSet<String> names(Map<String, Point> points) {
    TreeSet<String> names = new TreeSet<>();
    for (String key : points.keySet()) {
      names.add(key.substring(0, key.indexOf('{')));
    }
    return names;
  }
}
