package io.telegen.agent.export;

import io.opentelemetry.proto.common.v1.InstrumentationScope;
import io.opentelemetry.proto.metrics.v1.AggregationTemporality;
import io.opentelemetry.proto.metrics.v1.Metric;
import io.opentelemetry.proto.resource.v1.Resource;
import io.telegen.catalog.MetricDefinition;
import io.telegen.source.Labels;
import io.telegen.source.MetricBatch;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Writes a collection's {@code ExportMetricsServiceRequest} straight from the batch's recorded
 * points, byte for byte what building the messages and encoding them gives (protobuf writes fields
 * in number order, lengths as minimal varints, and so does this), without building them: under the
 * agent's C1-compiled runtime the builders, the copies of {@code build()} and the size passes cost
 * most of a scrape. What repeats every cycle is encoded once and kept: each series' attributes
 * (in its {@link Labels}), each metric's name, description and unit, the resource and the scope.
 *
 * <p>Thread-safe: a write uses its own buffer; the caches are concurrent.
 */
final class OtlpMetricsWriter {

  // wire types
  private static final int VARINT = 0;
  private static final int FIXED64 = 1;
  private static final int LENGTH = 2;

  private static final int CUMULATIVE =
      AggregationTemporality.AGGREGATION_TEMPORALITY_CUMULATIVE_VALUE;

  private final byte[] resource;
  private final byte[] resourceWithoutTarget;
  private final String version;
  private final Map<String, byte[]> scopes = new ConcurrentHashMap<>();
  private final Map<MetricDefinition, byte[]> headers = new ConcurrentHashMap<>();

  OtlpMetricsWriter(Resource resource, Resource resourceWithoutTarget, String version) {
    this.resource = resource.toByteArray();
    this.resourceWithoutTarget = resourceWithoutTarget.toByteArray();
    this.version = version;
  }

  /**
   * The request of {@code batch} from {@code sourceName}, as {@link MetricsPipeline} builds it:
   * the points without {@code instance} or {@code job} under the full resource, the others under
   * the resource without the target attributes. Not for a batch with exemplars.
   */
  byte[] write(String sourceName, MetricBatch batch) {
    List<MetricBatch.Recorded> recorded = batch.recorded();
    boolean anyWithTarget = false;
    boolean anyOwnTarget = false;
    for (MetricBatch.Recorded metric : recorded) {
      for (MetricBatch.Point point : metric.points()) {
        if (carriesTargetLabels(point.labels())) {
          anyOwnTarget = true;
        } else {
          anyWithTarget = true;
        }
      }
    }
    byte[] scope =
        scopes.computeIfAbsent(
            sourceName,
            n ->
                InstrumentationScope.newBuilder()
                    .setName("io.telegen." + n)
                    .setVersion(version)
                    .build()
                    .toByteArray());
    Buffer out = new Buffer();
    long time = batch.timeUnixNanos();
    if (anyWithTarget || !anyOwnTarget) {
      resourceMetrics(out, resource, scope, recorded, false, time);
    }
    if (anyOwnTarget) {
      resourceMetrics(out, resourceWithoutTarget, scope, recorded, true, time);
    }
    return out.toByteArray();
  }

  private void resourceMetrics(
      Buffer out,
      byte[] resource,
      byte[] scope,
      List<MetricBatch.Recorded> recorded,
      boolean ownTarget,
      long time) {
    out.begin(1); // ExportMetricsServiceRequest.resource_metrics
    out.bytesField(1, resource); // ResourceMetrics.resource
    out.begin(2); // ResourceMetrics.scope_metrics
    out.bytesField(1, scope); // ScopeMetrics.scope
    for (MetricBatch.Recorded metric : recorded) {
      if (hasPoints(metric, ownTarget)) {
        metric(out, metric, ownTarget, time);
      }
    }
    out.end();
    out.end();
  }

  private static boolean hasPoints(MetricBatch.Recorded metric, boolean ownTarget) {
    for (MetricBatch.Point point : metric.points()) {
      if (carriesTargetLabels(point.labels()) == ownTarget) {
        return true;
      }
    }
    return false;
  }

  private void metric(Buffer out, MetricBatch.Recorded metric, boolean ownTarget, long time) {
    MetricDefinition definition = metric.definition();
    out.begin(2); // ScopeMetrics.metrics
    out.raw(headers.computeIfAbsent(definition, OtlpMetricsWriter::header));
    switch (definition.type()) {
      case GAUGE -> {
        out.begin(5); // Metric.gauge
        for (MetricBatch.Point point : metric.points()) {
          if (carriesTargetLabels(point.labels()) == ownTarget) {
            numberPoint(out, point, false, time);
          }
        }
        out.end();
      }
      case COUNTER -> {
        out.begin(7); // Metric.sum
        for (MetricBatch.Point point : metric.points()) {
          if (carriesTargetLabels(point.labels()) == ownTarget) {
            numberPoint(out, point, true, time);
          }
        }
        out.tag(2, VARINT); // Sum.aggregation_temporality
        out.varint(CUMULATIVE);
        out.tag(3, VARINT); // Sum.is_monotonic
        out.varint(1);
        out.end();
      }
      case HISTOGRAM -> {
        out.begin(9); // Metric.histogram
        for (MetricBatch.Point point : metric.points()) {
          if (carriesTargetLabels(point.labels()) == ownTarget) {
            histogramPoint(out, point, time);
          }
        }
        out.tag(2, VARINT); // Histogram.aggregation_temporality
        out.varint(CUMULATIVE);
        out.end();
      }
    }
    out.end();
  }

  /** Metric fields 1 to 3: name, description, unit (each left out when empty, as protobuf does). */
  private static byte[] header(MetricDefinition definition) {
    return Metric.newBuilder()
        .setName(definition.name())
        .setDescription(definition.description())
        .setUnit(definition.unit())
        .build()
        .toByteArray();
  }

  private static void numberPoint(
      Buffer out, MetricBatch.Point point, boolean cumulative, long time) {
    out.begin(1); // data_points
    if (cumulative && point.startTimeUnixNanos() != 0) {
      out.tag(2, FIXED64); // NumberDataPoint.start_time_unix_nano
      out.fixed64(point.startTimeUnixNanos());
    }
    if (time != 0) {
      out.tag(3, FIXED64); // time_unix_nano
      out.fixed64(time);
    }
    out.tag(4, FIXED64); // as_double: a oneof member, written even when 0
    out.fixed64(Double.doubleToRawLongBits(point.value()));
    for (byte[] attribute : point.labels().encodedAttributes()) {
      out.bytesField(7, attribute); // attributes
    }
    out.end();
  }

  private static void histogramPoint(Buffer out, MetricBatch.Point point, long time) {
    out.begin(1); // data_points
    if (point.startTimeUnixNanos() != 0) {
      out.tag(2, FIXED64); // HistogramDataPoint.start_time_unix_nano
      out.fixed64(point.startTimeUnixNanos());
    }
    if (time != 0) {
      out.tag(3, FIXED64); // time_unix_nano
      out.fixed64(time);
    }
    if (point.count() != 0) {
      out.tag(4, FIXED64); // count
      out.fixed64(point.count());
    }
    out.tag(5, FIXED64); // sum: optional, set by the batch, so written even when 0
    out.fixed64(Double.doubleToRawLongBits(point.sum()));
    long[] counts = point.bucketCounts();
    if (counts.length > 0) {
      out.tag(6, LENGTH); // bucket_counts, packed
      out.varint(counts.length * 8L);
      for (long count : counts) {
        out.fixed64(count);
      }
    }
    double[] bounds = point.upperBounds();
    if (bounds.length > 0) {
      out.tag(7, LENGTH); // explicit_bounds, packed
      out.varint(bounds.length * 8L);
      for (double bound : bounds) {
        out.fixed64(Double.doubleToRawLongBits(bound));
      }
    }
    for (byte[] attribute : point.labels().encodedAttributes()) {
      out.bytesField(9, attribute); // attributes
    }
    out.end();
  }

  static boolean carriesTargetLabels(Labels labels) {
    return labels.containsKey("instance") || labels.containsKey("job");
  }

  /**
   * A growable byte buffer whose nested messages get their length once they end: the content is
   * written first, then moved up by the length's varint size and the length put before it.
   */
  private static final class Buffer {
    private byte[] bytes = new byte[4096];
    private int pos;
    private int[] open = new int[8];
    private int depth;

    void tag(int field, int wireType) {
      varint((long) field << 3 | wireType);
    }

    void varint(long value) {
      ensure(10);
      while ((value & ~0x7FL) != 0) {
        bytes[pos++] = (byte) ((value & 0x7F) | 0x80);
        value >>>= 7;
      }
      bytes[pos++] = (byte) value;
    }

    void fixed64(long value) {
      ensure(8);
      for (int i = 0; i < 8; i++) {
        bytes[pos++] = (byte) (value >>> (8 * i));
      }
    }

    void raw(byte[] b) {
      ensure(b.length);
      System.arraycopy(b, 0, bytes, pos, b.length);
      pos += b.length;
    }

    void bytesField(int field, byte[] b) {
      tag(field, LENGTH);
      varint(b.length);
      raw(b);
    }

    /** Starts a length-delimited field; {@link #end} closes it. */
    void begin(int field) {
      tag(field, LENGTH);
      if (depth == open.length) {
        open = Arrays.copyOf(open, depth * 2);
      }
      open[depth++] = pos;
    }

    void end() {
      int start = open[--depth];
      int length = pos - start;
      int prefix = varintSize(length);
      ensure(prefix);
      System.arraycopy(bytes, start, bytes, start + prefix, length);
      int at = start;
      long value = length;
      while ((value & ~0x7FL) != 0) {
        bytes[at++] = (byte) ((value & 0x7F) | 0x80);
        value >>>= 7;
      }
      bytes[at] = (byte) value;
      pos += prefix;
    }

    private static int varintSize(int value) {
      int n = 1;
      while ((value & ~0x7F) != 0) {
        n++;
        value >>>= 7;
      }
      return n;
    }

    private void ensure(int more) {
      if (pos + more > bytes.length) {
        bytes = Arrays.copyOf(bytes, Math.max(bytes.length * 2, pos + more));
      }
    }

    byte[] toByteArray() {
      return Arrays.copyOf(bytes, pos);
    }
  }
}
