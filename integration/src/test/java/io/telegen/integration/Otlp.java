package io.telegen.integration;

import io.opentelemetry.proto.collector.metrics.v1.ExportMetricsServiceRequest;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.metrics.v1.Metric;
import io.opentelemetry.proto.metrics.v1.NumberDataPoint;
import io.opentelemetry.proto.resource.v1.Resource;
import io.opentelemetry.proto.trace.v1.Span;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeSet;

/** Small readers for OTLP protobuf messages, for assertions. */
final class Otlp {

  private Otlp() {}

  /** One metric together with the resource it was reported under. */
  record ResourceMetric(Resource resource, Metric metric) {
    String serviceName() {
      return Otlp.serviceName(resource);
    }

    Optional<String> resourceAttribute(String key) {
      return attribute(resource.getAttributesList(), key);
    }

    /** Gauge or sum data points, whichever the metric has. */
    List<NumberDataPoint> numberPoints() {
      return switch (metric.getDataCase()) {
        case GAUGE -> metric.getGauge().getDataPointsList();
        case SUM -> metric.getSum().getDataPointsList();
        default -> List.of();
      };
    }
  }

  /** One span together with the resource it was reported under. */
  record ResourceSpan(Resource resource, Span span) {
    String serviceName() {
      return Otlp.serviceName(resource);
    }

    Optional<String> resourceAttribute(String key) {
      return attribute(resource.getAttributesList(), key);
    }

    String traceIdHex() {
      return HexFormat.of().formatHex(span.getTraceId().toByteArray());
    }

    String spanIdHex() {
      return HexFormat.of().formatHex(span.getSpanId().toByteArray());
    }
  }

  static List<ResourceMetric> metrics(List<ExportMetricsServiceRequest> requests) {
    List<ResourceMetric> result = new ArrayList<>();
    for (ExportMetricsServiceRequest request : requests) {
      request
          .getResourceMetricsList()
          .forEach(
              rm ->
                  rm.getScopeMetricsList()
                      .forEach(
                          sm ->
                              sm.getMetricsList()
                                  .forEach(
                                      m -> result.add(new ResourceMetric(rm.getResource(), m)))));
    }
    return result;
  }

  static List<ResourceSpan> spans(List<ExportTraceServiceRequest> requests) {
    List<ResourceSpan> result = new ArrayList<>();
    for (ExportTraceServiceRequest request : requests) {
      request
          .getResourceSpansList()
          .forEach(
              rs ->
                  rs.getScopeSpansList()
                      .forEach(
                          ss ->
                              ss.getSpansList()
                                  .forEach(
                                      s -> result.add(new ResourceSpan(rs.getResource(), s)))));
    }
    return result;
  }

  static String serviceName(Resource resource) {
    return attribute(resource.getAttributesList(), "service.name").orElse("");
  }

  /** The attribute's value as text (strings as they are, numbers and booleans printed). */
  static Optional<String> attribute(List<KeyValue> attributes, String key) {
    return attributes.stream()
        .filter(kv -> kv.getKey().equals(key))
        .findFirst()
        .map(kv -> text(kv.getValue()));
  }

  static Map<String, String> attributes(List<KeyValue> attributes) {
    Map<String, String> result = new LinkedHashMap<>();
    attributes.forEach(kv -> result.put(kv.getKey(), text(kv.getValue())));
    return result;
  }

  static double value(NumberDataPoint point) {
    return point.hasAsDouble() ? point.getAsDouble() : point.getAsInt();
  }

  /** "service.name: metric names" lines, to say what did arrive when something did not. */
  static String summary(List<ResourceMetric> metrics, List<ResourceSpan> spans) {
    Map<String, TreeSet<String>> byService = new LinkedHashMap<>();
    metrics.forEach(
        m ->
            byService
                .computeIfAbsent("metrics of " + m.serviceName(), k -> new TreeSet<>())
                .add(m.metric().getName()));
    spans.forEach(
        s ->
            byService
                .computeIfAbsent("spans of " + s.serviceName(), k -> new TreeSet<>())
                .add(s.span().getName()));
    if (byService.isEmpty()) {
      return "(nothing)";
    }
    StringBuilder text = new StringBuilder();
    byService.forEach((k, v) -> text.append("  ").append(k).append(": ").append(v).append('\n'));
    return text.toString();
  }

  private static String text(AnyValue value) {
    return switch (value.getValueCase()) {
      case STRING_VALUE -> value.getStringValue();
      case BOOL_VALUE -> Boolean.toString(value.getBoolValue());
      case INT_VALUE -> Long.toString(value.getIntValue());
      case DOUBLE_VALUE -> Double.toString(value.getDoubleValue());
      default -> value.toString().strip();
    };
  }
}
