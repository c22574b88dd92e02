package io.telegen.agent.receiver;

import static io.telegen.agent.export.OtlpRequests.attr;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.UnknownFieldSet;
import io.opentelemetry.proto.collector.metrics.v1.ExportMetricsServiceRequest;
import io.opentelemetry.proto.common.v1.InstrumentationScope;
import io.opentelemetry.proto.metrics.v1.Histogram;
import io.opentelemetry.proto.metrics.v1.HistogramDataPoint;
import io.opentelemetry.proto.metrics.v1.Metric;
import io.opentelemetry.proto.metrics.v1.ResourceMetrics;
import io.opentelemetry.proto.metrics.v1.ScopeMetrics;
import io.opentelemetry.proto.metrics.v1.Sum;
import io.opentelemetry.proto.resource.v1.Resource;
import io.telegen.agent.export.OtlpRequests;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The wire-level enrichment gives what decoding, enriching with {@link ResourceEnricher} and
 * re-encoding gives, counts the points as the decoded request would, and refuses what a decode
 * refuses.
 */
class MetricsWireEnricherTest {

  private final ResourceEnricher decoded = new ResourceEnricher("node-7", "telegen-agent", "1.2.3");
  private final MetricsWireEnricher wire =
      new MetricsWireEnricher("node-7", "telegen-agent", "1.2.3");

  private ExportMetricsServiceRequest viaDecode(ExportMetricsServiceRequest request) {
    ExportMetricsServiceRequest.Builder b = request.toBuilder();
    for (int i = 0; i < b.getResourceMetricsCount(); i++) {
      ResourceMetrics.Builder rm = b.getResourceMetricsBuilder(i);
      rm.setResource(decoded.enrich(rm.getResource()));
    }
    return b.build();
  }

  private void assertSameAsDecode(ExportMetricsServiceRequest request, int points)
      throws Exception {
    MetricsWireEnricher.Enriched enriched = wire.enrich(request.toByteArray());
    assertEquals(viaDecode(request), ExportMetricsServiceRequest.parseFrom(enriched.request()));
    assertEquals(points, enriched.points());
  }

  @Test
  void addsTheHostServiceAndVersionToABareResource() throws Exception {
    assertSameAsDecode(OtlpRequests.metrics("gpu_power_watts", 3, 100), 3);
  }

  @Test
  void aSenderThatSetsTheAgentVersionTwiceGetsOnlyTheAgentsAsWhenDecoded() throws Exception {
    ExportMetricsServiceRequest request =
        OtlpRequests.metrics(
            "m",
            1,
            0,
            attr("telegen.agent.version", "0.0.1"),
            attr("host.name", "pod-3"),
            attr("telegen.agent.version", "0.0.2"));
    assertSameAsDecode(request, 1);
  }

  @Test
  void keepsTheSendersNamesAndReplacesAnOldAgentVersionInPlace() throws Exception {
    ExportMetricsServiceRequest request =
        OtlpRequests.metrics(
            "m",
            2,
            0,
            attr("service.name", "trainer"),
            attr("telegen.agent.version", "0.0.1"),
            attr("host.name", "pod-3"),
            attr("k8s.pod.name", "trainer-0"));
    assertSameAsDecode(request, 2);
    Resource out =
        ExportMetricsServiceRequest.parseFrom(wire.enrich(request.toByteArray()).request())
            .getResourceMetrics(0)
            .getResource();
    assertEquals(
        List.of(
            attr("service.name", "trainer"),
            attr("telegen.agent.version", "1.2.3"),
            attr("host.name", "pod-3"),
            attr("k8s.pod.name", "trainer-0")),
        out.getAttributesList());
  }

  @Test
  void everyResourceOfARequestAndEveryKindOfPointIsCounted() throws Exception {
    Metric sum =
        Metric.newBuilder()
            .setName("requests")
            .setSum(
                Sum.newBuilder()
                    .setIsMonotonic(true)
                    .addDataPoints(OtlpRequests.gauge("x", 1, 1).getGauge().getDataPoints(0))
                    .addDataPoints(OtlpRequests.gauge("x", 1, 2).getGauge().getDataPoints(0)))
            .build();
    Metric histogram =
        Metric.newBuilder()
            .setName("latency")
            .setHistogram(
                Histogram.newBuilder()
                    .addDataPoints(HistogramDataPoint.newBuilder().setCount(4).addBucketCounts(4))
                    .addDataPoints(HistogramDataPoint.newBuilder().setCount(1))
                    .addDataPoints(HistogramDataPoint.newBuilder().setCount(2)))
            .build();
    ExportMetricsServiceRequest request =
        ExportMetricsServiceRequest.newBuilder()
            .addResourceMetrics(
                ResourceMetrics.newBuilder()
                    .setResource(Resource.newBuilder().addAttributes(attr("host.name", "a")))
                    .addScopeMetrics(
                        ScopeMetrics.newBuilder()
                            .setScope(InstrumentationScope.newBuilder().setName("app"))
                            .addMetrics(sum)
                            .addMetrics(histogram))
                    .setSchemaUrl("https://opentelemetry.io/schemas/1.26.0"))
            .addResourceMetrics(
                ResourceMetrics.newBuilder() // no resource at all
                    .addScopeMetrics(
                        ScopeMetrics.newBuilder().addMetrics(OtlpRequests.gauge("g", 4, 0))))
            .build();
    assertSameAsDecode(request, 9);
  }

  @Test
  void unknownFieldsAreKeptAsADecodeKeepsThem() throws Exception {
    ExportMetricsServiceRequest request =
        OtlpRequests.metrics("m", 1, 0).toBuilder()
            .setUnknownFields(
                UnknownFieldSet.newBuilder()
                    .addField(
                        99,
                        UnknownFieldSet.Field.newBuilder()
                            .addLengthDelimited(ByteString.copyFromUtf8("future"))
                            .addVarint(7)
                            .build())
                    .build())
            .build();
    assertSameAsDecode(request, 1);
  }

  @Test
  void anEmptyRequestStaysEmpty() throws Exception {
    assertArrayEquals(new byte[0], wire.enrich(new byte[0]).request());
  }

  @Test
  void whatADecodeRefusesIsRefused() {
    byte[] valid = OtlpRequests.metrics("m", 2, 0).toByteArray();
    List<byte[]> bodies =
        List.of(
            new byte[] {0x0A, 0x05, 0x01}, // a length past the end
            new byte[] {(byte) 0xFF, (byte) 0xFF, (byte) 0xFF}, // a varint that never ends
            new byte[] {0x0C}, // an end-group with no group
            java.util.Arrays.copyOf(valid, valid.length - 3)); // cut inside a data point
    for (byte[] body : bodies) {
      assertThrows(
          InvalidProtocolBufferException.class, () -> ExportMetricsServiceRequest.parseFrom(body));
      assertThrows(InvalidProtocolBufferException.class, () -> wire.enrich(body));
    }
  }

  @Test
  void aBodyBrokenInsideADataPointIsRefusedAsADecodeRefusesIt() throws Exception {
    // Found by OtlpRequestHandlingFuzzTest: a group with a zero tag inside a histogram point,
    // which the structural scan alone passed on and the receiver answered OK.
    byte[] body;
    try (var in = getClass().getResourceAsStream("/receiver/broken-inside-a-point.bin")) {
      body = in.readAllBytes();
    }
    assertThrows(
        InvalidProtocolBufferException.class, () -> ExportMetricsServiceRequest.parseFrom(body));
    assertThrows(InvalidProtocolBufferException.class, () -> wire.enrich(body));
  }
}
