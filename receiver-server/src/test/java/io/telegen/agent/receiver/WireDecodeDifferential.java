package io.telegen.agent.receiver;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

import com.google.protobuf.InvalidProtocolBufferException;
import io.opentelemetry.proto.collector.metrics.v1.ExportMetricsServiceRequest;
import io.opentelemetry.proto.metrics.v1.Metric;
import io.opentelemetry.proto.metrics.v1.ResourceMetrics;
import io.opentelemetry.proto.metrics.v1.ScopeMetrics;
import java.util.HexFormat;

/**
 * The differential between {@link MetricsWireEnricher} and protobuf-java: a body is refused by the
 * one exactly when {@code ExportMetricsServiceRequest.parseFrom} refuses it, and when accepted it
 * counts the decoded request's points and decodes to the decoded request enriched by {@link
 * ResourceEnricher}. Any other exception is thrown through.
 */
final class WireDecodeDifferential {

  private final MetricsWireEnricher wire;
  private final ResourceEnricher decoded;

  WireDecodeDifferential(String host, String service, String version) {
    this.wire = new MetricsWireEnricher(host, service, version);
    this.decoded = new ResourceEnricher(host, service, version);
  }

  /** Checks {@code body}; whether it was accepted. */
  boolean check(byte[] body) throws InvalidProtocolBufferException {
    ExportMetricsServiceRequest parsed = null;
    String parseError = null;
    try {
      parsed = ExportMetricsServiceRequest.parseFrom(body);
    } catch (InvalidProtocolBufferException e) {
      parseError = e.getMessage();
    }
    MetricsWireEnricher.Enriched enriched;
    try {
      enriched = wire.enrich(body);
    } catch (InvalidProtocolBufferException e) {
      if (parsed != null) {
        fail("refused (" + e.getMessage() + ") what a parse accepts: " + hex(body));
      }
      return false;
    }
    if (parsed == null) {
      fail("accepted what a parse refuses (" + parseError + "): " + hex(body));
    }
    assertEquals(points(parsed), enriched.points(), () -> "points of " + hex(body));
    assertEquals(
        viaDecode(parsed),
        ExportMetricsServiceRequest.parseFrom(enriched.request()),
        () -> "enriched " + hex(body));
    return true;
  }

  /** The request decoded and enriched, as the receiver did before the wire-level enrichment. */
  ExportMetricsServiceRequest viaDecode(ExportMetricsServiceRequest request) {
    ExportMetricsServiceRequest.Builder b = request.toBuilder();
    for (int i = 0; i < b.getResourceMetricsCount(); i++) {
      ResourceMetrics.Builder rm = b.getResourceMetricsBuilder(i);
      rm.setResource(decoded.enrich(rm.getResource()));
    }
    return b.build();
  }

  static int points(ExportMetricsServiceRequest request) {
    int points = 0;
    for (ResourceMetrics rm : request.getResourceMetricsList()) {
      for (ScopeMetrics sm : rm.getScopeMetricsList()) {
        for (Metric m : sm.getMetricsList()) {
          points += OtlpReceiver.pointCount(m);
        }
      }
    }
    return points;
  }

  private static String hex(byte[] body) {
    return HexFormat.of().formatHex(body, 0, Math.min(body.length, 4096));
  }
}
