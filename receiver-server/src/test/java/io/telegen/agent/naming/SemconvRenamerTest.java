package io.telegen.agent.naming;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.metrics.v1.Gauge;
import io.opentelemetry.proto.metrics.v1.Histogram;
import io.opentelemetry.proto.metrics.v1.HistogramDataPoint;
import io.opentelemetry.proto.metrics.v1.Metric;
import io.opentelemetry.proto.metrics.v1.NumberDataPoint;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class SemconvRenamerTest {

  private static final Metric UTILIZATION =
      Metric.newBuilder()
          .setName("gpu_utilization_percent")
          .setUnit("%")
          .setGauge(
              Gauge.newBuilder()
                  .addDataPoints(
                      NumberDataPoint.newBuilder()
                          .setAsDouble(87.5)
                          .addAllAttributes(
                              attributes(
                                  "device",
                                  "0",
                                  "uuid",
                                  "GPU-1",
                                  "name",
                                  "NVIDIA H100",
                                  "vendor",
                                  "nvidia"))))
          .build();
  private static final Metric CLOCK =
      Metric.newBuilder()
          .setName("gpu_sm_clock_hz")
          .setUnit("Hz")
          .setGauge(
              Gauge.newBuilder().addDataPoints(NumberDataPoint.newBuilder().setAsInt(1980000000L)))
          .build();
  private static final Metric TTFT =
      Metric.newBuilder()
          .setName("llm_time_to_first_token_seconds")
          .setUnit("s")
          .setHistogram(
              Histogram.newBuilder()
                  .addDataPoints(
                      HistogramDataPoint.newBuilder()
                          .setCount(3)
                          .addExplicitBounds(0.5)
                          .addBucketCounts(2)
                          .addBucketCounts(1)
                          .addAllAttributes(attributes("model", "llama", "instance", "h:8000"))))
          .build();

  @Test
  void specKeepsTheBatchAsItIs() {
    List<Metric> batch = List.of(UTILIZATION, CLOCK);
    assertSame(batch, SemconvRenamer.of(MetricNaming.SPEC).apply(batch));
  }

  @Test
  void semconvRenamesScalesAndAddsTheConventionsAttributes() {
    List<Metric> out = SemconvRenamer.of(MetricNaming.SEMCONV).apply(List.of(UTILIZATION, CLOCK));
    assertEquals(2, out.size());
    Metric hw = out.get(0);
    assertEquals("hw.gpu.utilization", hw.getName());
    assertEquals("1", hw.getUnit());
    NumberDataPoint point = hw.getGauge().getDataPoints(0);
    assertEquals(0.875, point.getAsDouble(), 1e-12);
    assertEquals(
        Map.of(
            "device", "0",
            "hw.id", "GPU-1",
            "hw.name", "NVIDIA H100",
            "hw.vendor", "nvidia",
            "hw.gpu.task", "general"),
        map(point.getAttributesList()));
    // no convention for clocks: the spec's name stays
    assertSame(CLOCK, out.get(1));
  }

  @Test
  void semconvRenamesAHistogramsModel() {
    Metric out = SemconvRenamer.of(MetricNaming.SEMCONV).apply(List.of(TTFT)).get(0);
    assertEquals("gen_ai.server.time_to_first_token", out.getName());
    HistogramDataPoint point = out.getHistogram().getDataPoints(0);
    assertEquals(List.of(2L, 1L), point.getBucketCountsList());
    assertEquals(
        Map.of("gen_ai.request.model", "llama", "instance", "h:8000"),
        map(point.getAttributesList()));
  }

  @Test
  void bothSendsEachMappedMetricTwice() {
    List<Metric> out = SemconvRenamer.of(MetricNaming.BOTH).apply(List.of(UTILIZATION, CLOCK));
    assertEquals(
        List.of("gpu_utilization_percent", "hw.gpu.utilization", "gpu_sm_clock_hz"),
        out.stream().map(Metric::getName).toList());
    assertEquals(3, SemconvRenamer.points(out));
  }

  private static List<KeyValue> attributes(String... keysAndValues) {
    List<KeyValue> list = new java.util.ArrayList<>();
    for (int i = 0; i < keysAndValues.length; i += 2) {
      list.add(
          KeyValue.newBuilder()
              .setKey(keysAndValues[i])
              .setValue(AnyValue.newBuilder().setStringValue(keysAndValues[i + 1]))
              .build());
    }
    return list;
  }

  private static Map<String, String> map(List<KeyValue> attributes) {
    Map<String, String> map = new LinkedHashMap<>();
    attributes.forEach(kv -> map.put(kv.getKey(), kv.getValue().getStringValue()));
    return map;
  }
}
