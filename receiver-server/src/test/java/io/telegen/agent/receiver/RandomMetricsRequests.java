package io.telegen.agent.receiver;

import com.google.protobuf.ByteString;
import com.google.protobuf.UnknownFieldSet;
import io.opentelemetry.proto.collector.metrics.v1.ExportMetricsServiceRequest;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.ArrayValue;
import io.opentelemetry.proto.common.v1.EntityRef;
import io.opentelemetry.proto.common.v1.InstrumentationScope;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.common.v1.KeyValueList;
import io.opentelemetry.proto.metrics.v1.AggregationTemporality;
import io.opentelemetry.proto.metrics.v1.Exemplar;
import io.opentelemetry.proto.metrics.v1.ExponentialHistogram;
import io.opentelemetry.proto.metrics.v1.ExponentialHistogramDataPoint;
import io.opentelemetry.proto.metrics.v1.Gauge;
import io.opentelemetry.proto.metrics.v1.Histogram;
import io.opentelemetry.proto.metrics.v1.HistogramDataPoint;
import io.opentelemetry.proto.metrics.v1.Metric;
import io.opentelemetry.proto.metrics.v1.NumberDataPoint;
import io.opentelemetry.proto.metrics.v1.ResourceMetrics;
import io.opentelemetry.proto.metrics.v1.ScopeMetrics;
import io.opentelemetry.proto.metrics.v1.Sum;
import io.opentelemetry.proto.metrics.v1.Summary;
import io.opentelemetry.proto.metrics.v1.SummaryDataPoint;
import io.opentelemetry.proto.resource.v1.Resource;
import java.util.Random;

/**
 * Random, valid OTLP metrics requests that use every message and field of the schema: every kind
 * of metric and point, nested attribute values, exemplars, entity refs, non-ASCII strings, and
 * unknown fields (of every wire type, groups nested in groups) at several levels.
 */
final class RandomMetricsRequests {

  private static final String[] KEYS = {
    "host.name", "service.name", "telegen.agent.version", "k8s.pod.name", "gpu", "é", "ключ", "𝄞"
  };

  private final Random random;

  RandomMetricsRequests(long seed) {
    this.random = new Random(seed);
  }

  ExportMetricsServiceRequest next() {
    ExportMetricsServiceRequest.Builder request = ExportMetricsServiceRequest.newBuilder();
    for (int i = random.nextInt(3); i >= 0; i--) {
      request.addResourceMetrics(resourceMetrics());
    }
    if (chance(10)) {
      request.setUnknownFields(unknown(2));
    }
    return request.build();
  }

  private ResourceMetrics resourceMetrics() {
    ResourceMetrics.Builder rm = ResourceMetrics.newBuilder();
    if (!chance(5)) {
      Resource.Builder resource = Resource.newBuilder();
      for (int i = random.nextInt(5); i > 0; i--) {
        resource.addAttributes(keyValue(2));
      }
      if (chance(3)) {
        resource.setDroppedAttributesCount(random.nextInt(1000));
      }
      if (chance(4)) {
        resource.addEntityRefs(
            EntityRef.newBuilder()
                .setSchemaUrl(string())
                .setType(string())
                .addIdKeys(string())
                .addDescriptionKeys(string()));
      }
      if (chance(6)) {
        resource.setUnknownFields(unknown(2));
      }
      rm.setResource(resource);
    }
    for (int i = random.nextInt(3); i > 0; i--) {
      ScopeMetrics.Builder scope = ScopeMetrics.newBuilder();
      if (chance(2)) {
        scope.setScope(
            InstrumentationScope.newBuilder()
                .setName(string())
                .setVersion(string())
                .addAttributes(keyValue(1))
                .setDroppedAttributesCount(random.nextInt(5)));
      }
      for (int j = random.nextInt(4); j > 0; j--) {
        scope.addMetrics(metric());
      }
      if (chance(3)) {
        scope.setSchemaUrl(string());
      }
      rm.addScopeMetrics(scope);
    }
    if (chance(3)) {
      rm.setSchemaUrl("https://opentelemetry.io/schemas/1.26.0");
    }
    if (chance(6)) {
      rm.setUnknownFields(unknown(3));
    }
    return rm.build();
  }

  private Metric metric() {
    Metric.Builder m = Metric.newBuilder().setName(string());
    if (chance(2)) {
      m.setDescription(string()).setUnit(string());
    }
    int points = random.nextInt(4);
    switch (random.nextInt(6)) {
      case 0 -> {
        Gauge.Builder g = Gauge.newBuilder();
        for (int i = 0; i < points; i++) {
          g.addDataPoints(numberPoint());
        }
        m.setGauge(g);
      }
      case 1 -> {
        Sum.Builder s =
            Sum.newBuilder()
                .setIsMonotonic(random.nextBoolean())
                .setAggregationTemporality(AggregationTemporality.forNumber(random.nextInt(3)));
        for (int i = 0; i < points; i++) {
          s.addDataPoints(numberPoint());
        }
        m.setSum(s);
      }
      case 2 -> {
        Histogram.Builder h =
            Histogram.newBuilder().setAggregationTemporalityValue(random.nextInt(5));
        for (int i = 0; i < points; i++) {
          HistogramDataPoint.Builder p =
              HistogramDataPoint.newBuilder()
                  .setStartTimeUnixNano(random.nextLong())
                  .setTimeUnixNano(random.nextLong())
                  .setCount(random.nextInt(100))
                  .setFlags(random.nextInt(2));
          for (int b = random.nextInt(4); b > 0; b--) {
            p.addBucketCounts(random.nextInt(9)).addExplicitBounds(random.nextDouble());
          }
          if (chance(2)) {
            p.setSum(random.nextDouble()).setMin(-1).setMax(1);
          }
          if (chance(3)) {
            p.addExemplars(exemplar());
          }
          p.addAttributes(keyValue(1));
          h.addDataPoints(p);
        }
        m.setHistogram(h);
      }
      case 3 -> {
        ExponentialHistogram.Builder e = ExponentialHistogram.newBuilder();
        for (int i = 0; i < points; i++) {
          ExponentialHistogramDataPoint.Buckets.Builder buckets =
              ExponentialHistogramDataPoint.Buckets.newBuilder().setOffset(random.nextInt(9) - 4);
          for (int b = random.nextInt(4); b > 0; b--) {
            buckets.addBucketCounts(random.nextLong() >>> random.nextInt(64));
          }
          e.addDataPoints(
              ExponentialHistogramDataPoint.newBuilder()
                  .addAttributes(keyValue(1))
                  .setCount(random.nextInt(9))
                  .setScale(random.nextInt(21) - 10)
                  .setZeroCount(1)
                  .setPositive(buckets)
                  .setNegative(buckets)
                  .setZeroThreshold(0.5)
                  .setSum(1)
                  .addExemplars(exemplar()));
        }
        m.setExponentialHistogram(e);
      }
      case 4 -> {
        Summary.Builder s = Summary.newBuilder();
        for (int i = 0; i < points; i++) {
          s.addDataPoints(
              SummaryDataPoint.newBuilder()
                  .setCount(3)
                  .setSum(2.5)
                  .addQuantileValues(
                      SummaryDataPoint.ValueAtQuantile.newBuilder().setQuantile(0.5).setValue(1))
                  .addAttributes(keyValue(1)));
        }
        m.setSummary(s);
      }
      default -> {} // no data
    }
    if (chance(4)) {
      m.addMetadata(keyValue(1));
    }
    if (chance(6)) {
      m.setUnknownFields(unknown(2));
    }
    return m.build();
  }

  private NumberDataPoint numberPoint() {
    NumberDataPoint.Builder p =
        NumberDataPoint.newBuilder()
            .setStartTimeUnixNano(random.nextLong())
            .setTimeUnixNano(random.nextLong());
    if (random.nextBoolean()) {
      p.setAsDouble(random.nextDouble());
    } else {
      p.setAsInt(random.nextLong());
    }
    for (int i = random.nextInt(3); i > 0; i--) {
      p.addAttributes(keyValue(2));
    }
    if (chance(4)) {
      p.addExemplars(exemplar());
    }
    if (chance(3)) {
      p.setFlags(1);
    }
    if (chance(8)) {
      p.setUnknownFields(unknown(2));
    }
    return p.build();
  }

  private Exemplar exemplar() {
    return Exemplar.newBuilder()
        .setTimeUnixNano(random.nextLong())
        .setAsDouble(1.5)
        .setSpanId(ByteString.copyFrom(bytes(8)))
        .setTraceId(ByteString.copyFrom(bytes(16)))
        .addFilteredAttributes(keyValue(0))
        .build();
  }

  private KeyValue keyValue(int depth) {
    KeyValue.Builder kv = KeyValue.newBuilder().setKey(KEYS[random.nextInt(KEYS.length)]);
    if (chance(8)) {
      kv.setKeyStrindex(random.nextInt(100));
    }
    if (!chance(8)) {
      kv.setValue(anyValue(depth));
    }
    return kv.build();
  }

  private AnyValue anyValue(int depth) {
    AnyValue.Builder v = AnyValue.newBuilder();
    switch (random.nextInt(depth > 0 ? 10 : 8)) {
      case 0, 1, 2 -> v.setStringValue(string());
      case 3 -> v.setBoolValue(random.nextBoolean());
      case 4 -> v.setIntValue(random.nextLong());
      case 5 -> v.setDoubleValue(random.nextDouble());
      case 6 -> v.setBytesValue(ByteString.copyFrom(bytes(random.nextInt(5))));
      case 7 -> v.setStringValueStrindex(random.nextInt(1000) - 500);
      case 8 -> {
        ArrayValue.Builder a = ArrayValue.newBuilder();
        for (int i = random.nextInt(3); i > 0; i--) {
          a.addValues(anyValue(depth - 1));
        }
        v.setArrayValue(a);
      }
      default -> {
        KeyValueList.Builder l = KeyValueList.newBuilder();
        for (int i = random.nextInt(3); i > 0; i--) {
          l.addValues(keyValue(depth - 1));
        }
        v.setKvlistValue(l);
      }
    }
    return v.build();
  }

  private UnknownFieldSet unknown(int depth) {
    UnknownFieldSet.Builder set = UnknownFieldSet.newBuilder();
    for (int i = random.nextInt(3) + 1; i > 0; i--) {
      UnknownFieldSet.Field.Builder f = UnknownFieldSet.Field.newBuilder();
      switch (random.nextInt(depth > 0 ? 5 : 4)) {
        case 0 -> f.addVarint(random.nextLong());
        case 1 -> f.addFixed32(random.nextInt());
        case 2 -> f.addFixed64(random.nextLong());
        case 3 -> f.addLengthDelimited(ByteString.copyFrom(bytes(random.nextInt(6))));
        default -> f.addGroup(unknown(depth - 1));
      }
      // Numbers past the schema's, and ones the schema has (with whatever wire type came).
      set.mergeField(
          random.nextBoolean() ? 1 + random.nextInt(15) : 100 + random.nextInt(1 << 20), f.build());
    }
    return set.build();
  }

  private String string() {
    return switch (random.nextInt(5)) {
      case 0 -> "";
      case 1 -> "gpu_utilization_ratio";
      case 2 -> "naïve-µs";
      case 3 -> "日本語 𝄞 emoji 😀";
      default -> Integer.toString(random.nextInt(1000));
    };
  }

  private byte[] bytes(int n) {
    byte[] b = new byte[n];
    random.nextBytes(b);
    return b;
  }

  private boolean chance(int oneIn) {
    return random.nextInt(oneIn) == 0;
  }
}
