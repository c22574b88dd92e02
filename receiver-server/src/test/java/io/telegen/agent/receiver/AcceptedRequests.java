package io.telegen.agent.receiver;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.InvalidProtocolBufferException;
import io.opentelemetry.proto.collector.logs.v1.ExportLogsServiceRequest;
import io.opentelemetry.proto.collector.metrics.v1.ExportMetricsServiceRequest;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.logs.v1.ResourceLogs;
import io.opentelemetry.proto.logs.v1.ScopeLogs;
import io.opentelemetry.proto.metrics.v1.Metric;
import io.opentelemetry.proto.metrics.v1.ResourceMetrics;
import io.opentelemetry.proto.metrics.v1.ScopeMetrics;
import io.opentelemetry.proto.resource.v1.Resource;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.telegen.agent.export.ExportItem;
import io.telegen.agent.export.Signal;
import java.util.List;

/**
 * What the receiver promises about a request it accepted, checked by its fuzz tests: the queued
 * item is the request decoded, each resource carries {@code host.name}, {@code service.name} and
 * this agent's {@code telegen.agent.version} (and no other version), and the item counts the
 * request's points, spans or log records.
 */
final class AcceptedRequests {

  static final String HOST = "fuzz-node";
  static final String SERVICE = "fuzz-agent";
  static final String VERSION = "0.0.0-fuzz";

  private AcceptedRequests() {}

  /** Whether protobuf-java's parse of {@code signal}'s request accepts {@code body}. */
  static boolean decodes(Signal signal, byte[] body) {
    try {
      switch (signal) {
        case METRICS -> ExportMetricsServiceRequest.parseFrom(body);
        case TRACES -> ExportTraceServiceRequest.parseFrom(body);
        case LOGS -> ExportLogsServiceRequest.parseFrom(body);
      }
      return true;
    } catch (InvalidProtocolBufferException e) {
      return false;
    }
  }

  /** Checks {@code item}, queued for {@code body} of {@code signal}, which the receiver accepted. */
  static void check(Signal signal, byte[] body, ExportItem item)
      throws InvalidProtocolBufferException {
    assertNotNull(item, "accepted but nothing queued");
    assertEquals(signal, item.signal());
    switch (signal) {
      case METRICS -> {
        ExportMetricsServiceRequest sent = ExportMetricsServiceRequest.parseFrom(body);
        ExportMetricsServiceRequest queued = (ExportMetricsServiceRequest) item.request();
        assertEquals(sent.getResourceMetricsCount(), queued.getResourceMetricsCount());
        long points = 0;
        for (ResourceMetrics rm : sent.getResourceMetricsList()) {
          for (ScopeMetrics sm : rm.getScopeMetricsList()) {
            for (Metric m : sm.getMetricsList()) {
              points += OtlpReceiver.pointCount(m);
            }
          }
        }
        assertEquals(points, item.items(), "points counted");
        queued.getResourceMetricsList().forEach(rm -> enriched(rm.getResource()));
      }
      case TRACES -> {
        ExportTraceServiceRequest sent = ExportTraceServiceRequest.parseFrom(body);
        ExportTraceServiceRequest queued = (ExportTraceServiceRequest) item.request();
        assertEquals(sent.getResourceSpansCount(), queued.getResourceSpansCount());
        long spans = 0;
        for (ResourceSpans rs : sent.getResourceSpansList()) {
          for (ScopeSpans ss : rs.getScopeSpansList()) {
            spans += ss.getSpansCount();
          }
        }
        assertEquals(spans, item.items(), "spans counted");
        queued.getResourceSpansList().forEach(rs -> enriched(rs.getResource()));
      }
      case LOGS -> {
        ExportLogsServiceRequest sent = ExportLogsServiceRequest.parseFrom(body);
        ExportLogsServiceRequest queued = (ExportLogsServiceRequest) item.request();
        assertEquals(sent.getResourceLogsCount(), queued.getResourceLogsCount());
        long records = 0;
        for (ResourceLogs rl : sent.getResourceLogsList()) {
          for (ScopeLogs sl : rl.getScopeLogsList()) {
            records += sl.getLogRecordsCount();
          }
        }
        assertEquals(records, item.items(), "log records counted");
        queued.getResourceLogsList().forEach(rl -> enriched(rl.getResource()));
      }
    }
  }

  private static void enriched(Resource resource) {
    List<KeyValue> attributes = resource.getAttributesList();
    assertTrue(has(attributes, ResourceEnricher.HOST_NAME), "no host.name");
    assertTrue(has(attributes, ResourceEnricher.SERVICE_NAME), "no service.name");
    assertTrue(has(attributes, ResourceEnricher.AGENT_VERSION), "no telegen.agent.version");
    for (KeyValue kv : attributes) {
      if (kv.getKey().equals(ResourceEnricher.AGENT_VERSION)) {
        assertEquals(VERSION, kv.getValue().getStringValue(), "a version this agent did not set");
      }
    }
  }

  private static boolean has(List<KeyValue> attributes, String key) {
    return attributes.stream().anyMatch(kv -> kv.getKey().equals(key));
  }
}
