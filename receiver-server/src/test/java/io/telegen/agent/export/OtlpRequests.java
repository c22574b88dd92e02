package io.telegen.agent.export;

import com.google.protobuf.ByteString;
import io.opentelemetry.proto.collector.logs.v1.ExportLogsServiceRequest;
import io.opentelemetry.proto.collector.metrics.v1.ExportMetricsServiceRequest;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.logs.v1.LogRecord;
import io.opentelemetry.proto.logs.v1.ResourceLogs;
import io.opentelemetry.proto.logs.v1.ScopeLogs;
import io.opentelemetry.proto.metrics.v1.Gauge;
import io.opentelemetry.proto.metrics.v1.Metric;
import io.opentelemetry.proto.metrics.v1.NumberDataPoint;
import io.opentelemetry.proto.metrics.v1.ResourceMetrics;
import io.opentelemetry.proto.metrics.v1.ScopeMetrics;
import io.opentelemetry.proto.resource.v1.Resource;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.Span;

/** Small OTLP requests with distinct, checkable values, for the export and receiver tests. */
public final class OtlpRequests {

  private OtlpRequests() {}

  public static KeyValue attr(String key, String value) {
    return KeyValue.newBuilder()
        .setKey(key)
        .setValue(AnyValue.newBuilder().setStringValue(value))
        .build();
  }

  /** One gauge {@code name} with {@code points} points valued {@code base}, {@code base+1}, ... */
  public static Metric gauge(String name, int points, double base) {
    Gauge.Builder gauge = Gauge.newBuilder();
    for (int i = 0; i < points; i++) {
      gauge.addDataPoints(
          NumberDataPoint.newBuilder()
              .addAttributes(attr("device", Integer.toString(i)))
              .setTimeUnixNano(1_700_000_000_000_000_000L + i)
              .setAsDouble(base + i));
    }
    return Metric.newBuilder().setName(name).setUnit("%").setGauge(gauge).build();
  }

  /** A metrics request of one resource, one scope and one gauge of {@code points} points. */
  public static ExportMetricsServiceRequest metrics(
      String name, int points, double base, KeyValue... resource) {
    return ExportMetricsServiceRequest.newBuilder()
        .addResourceMetrics(
            ResourceMetrics.newBuilder()
                .setResource(Resource.newBuilder().addAllAttributes(java.util.List.of(resource)))
                .addScopeMetrics(ScopeMetrics.newBuilder().addMetrics(gauge(name, points, base))))
        .build();
  }

  public static ExportItem metricsItem(String name, int points, double base) {
    return new ExportItem(Signal.METRICS, metrics(name, points, base), points);
  }

  /** A trace request of {@code spans} spans named {@code name-0}, {@code name-1}, ... */
  public static ExportTraceServiceRequest traces(String name, int spans, KeyValue... resource) {
    ScopeSpans.Builder scope = ScopeSpans.newBuilder();
    for (int i = 0; i < spans; i++) {
      byte[] traceId = new byte[16];
      traceId[15] = (byte) (i + 1);
      byte[] spanId = new byte[8];
      spanId[7] = (byte) (i + 1);
      scope.addSpans(
          Span.newBuilder()
              .setTraceId(ByteString.copyFrom(traceId))
              .setSpanId(ByteString.copyFrom(spanId))
              .setName(name + "-" + i)
              .setKind(Span.SpanKind.SPAN_KIND_SERVER)
              .setStartTimeUnixNano(1_000 + i)
              .setEndTimeUnixNano(2_000 + i));
    }
    return ExportTraceServiceRequest.newBuilder()
        .addResourceSpans(
            ResourceSpans.newBuilder()
                .setResource(Resource.newBuilder().addAllAttributes(java.util.List.of(resource)))
                .addScopeSpans(scope))
        .build();
  }

  public static ExportItem tracesItem(String name, int spans) {
    return new ExportItem(Signal.TRACES, traces(name, spans), spans);
  }

  /** A logs request of {@code records} records with bodies {@code body-0}, {@code body-1}, ... */
  public static ExportLogsServiceRequest logs(String body, int records, KeyValue... resource) {
    ScopeLogs.Builder scope = ScopeLogs.newBuilder();
    for (int i = 0; i < records; i++) {
      scope.addLogRecords(
          LogRecord.newBuilder()
              .setTimeUnixNano(3_000 + i)
              .setSeverityText("INFO")
              .setBody(AnyValue.newBuilder().setStringValue(body + "-" + i)));
    }
    return ExportLogsServiceRequest.newBuilder()
        .addResourceLogs(
            ResourceLogs.newBuilder()
                .setResource(Resource.newBuilder().addAllAttributes(java.util.List.of(resource)))
                .addScopeLogs(scope))
        .build();
  }

  public static ExportItem logsItem(String body, int records) {
    return new ExportItem(Signal.LOGS, logs(body, records), records);
  }
}
