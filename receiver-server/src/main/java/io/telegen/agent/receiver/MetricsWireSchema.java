package io.telegen.agent.receiver;

/**
 * The OTLP metrics schema (opentelemetry-proto 1.11: {@code ExportMetricsServiceRequest} and every
 * message it holds) as the wire sees it: for each message type and field number, how the field is
 * encoded and, for a message field, of which type and what it adds to the point count. {@link
 * MetricsWireReader} reads by it; MetricsWireSchemaTest checks it against the generated classes'
 * descriptors, so an upgrade of opentelemetry-proto that adds a field fails there.
 */
final class MetricsWireSchema {

  // How a field is encoded. A field that is not in the schema, or comes with another wire type
  // than its kind's, is an unknown field.
  static final int UNKNOWN = 0;

  /** Wire type 0 read as 32 bits: (u|s)int32, enum (open in proto3: any value). */
  static final int VARINT = 1;

  /** Wire type 1: fixed64, sfixed64, double. */
  static final int FIXED64 = 2;

  /** Wire type 2, UTF-8 (a proto3 string). */
  static final int STRING = 3;

  static final int BYTES = 4;
  static final int MESSAGE = 5;

  /** repeated fixed64/double: wire type 1 one value, or 2 packed. */
  static final int PACKED_FIXED64 = 6;

  /** repeated uint64: wire type 0 one value, or 2 packed. */
  static final int PACKED_VARINT = 7;

  /** Wire type 0 read as 64 bits: (u|s)int64, bool (protobuf-java reads its tenth byte leniently). */
  static final int VARINT64 = 8;

  // What a message field adds to the point count.
  static final int NONE = 0;

  /** A data point: one. */
  static final int POINT = 1;

  /** Its message's points (metrics, and what holds them). */
  static final int POINTS = 2;

  /** One of Metric's data fields (its oneof): see MetricsWireReader. */
  static final int DATA = 3;

  // The message types.
  static final int REQUEST = 0;
  static final int RESOURCE_METRICS = 1;
  static final int RESOURCE = 2;
  static final int SCOPE_METRICS = 3;
  static final int SCOPE = 4;
  static final int METRIC = 5;
  static final int GAUGE = 6;
  static final int SUM = 7;
  static final int HISTOGRAM = 8;
  static final int EXPONENTIAL_HISTOGRAM = 9;
  static final int SUMMARY = 10;
  static final int NUMBER_POINT = 11;
  static final int HISTOGRAM_POINT = 12;
  static final int EXPONENTIAL_HISTOGRAM_POINT = 13;
  static final int BUCKETS = 14;
  static final int SUMMARY_POINT = 15;
  static final int QUANTILE = 16;
  static final int EXEMPLAR = 17;
  static final int KEY_VALUE = 18;
  static final int ANY_VALUE = 19;
  static final int ARRAY_VALUE = 20;
  static final int KEY_VALUE_LIST = 21;
  static final int ENTITY_REF = 22;

  /** The full protobuf name of each type, by its number (for the schema's test). */
  static final String[] NAMES = {
    "opentelemetry.proto.collector.metrics.v1.ExportMetricsServiceRequest",
    "opentelemetry.proto.metrics.v1.ResourceMetrics",
    "opentelemetry.proto.resource.v1.Resource",
    "opentelemetry.proto.metrics.v1.ScopeMetrics",
    "opentelemetry.proto.common.v1.InstrumentationScope",
    "opentelemetry.proto.metrics.v1.Metric",
    "opentelemetry.proto.metrics.v1.Gauge",
    "opentelemetry.proto.metrics.v1.Sum",
    "opentelemetry.proto.metrics.v1.Histogram",
    "opentelemetry.proto.metrics.v1.ExponentialHistogram",
    "opentelemetry.proto.metrics.v1.Summary",
    "opentelemetry.proto.metrics.v1.NumberDataPoint",
    "opentelemetry.proto.metrics.v1.HistogramDataPoint",
    "opentelemetry.proto.metrics.v1.ExponentialHistogramDataPoint",
    "opentelemetry.proto.metrics.v1.ExponentialHistogramDataPoint.Buckets",
    "opentelemetry.proto.metrics.v1.SummaryDataPoint",
    "opentelemetry.proto.metrics.v1.SummaryDataPoint.ValueAtQuantile",
    "opentelemetry.proto.metrics.v1.Exemplar",
    "opentelemetry.proto.common.v1.KeyValue",
    "opentelemetry.proto.common.v1.AnyValue",
    "opentelemetry.proto.common.v1.ArrayValue",
    "opentelemetry.proto.common.v1.KeyValueList",
    "opentelemetry.proto.common.v1.EntityRef",
  };

  // Metric's data fields.
  static final int GAUGE_FIELD = 5;
  static final int SUM_FIELD = 7;
  static final int HISTOGRAM_FIELD = 9;
  static final int EXPONENTIAL_HISTOGRAM_FIELD = 10;
  static final int SUMMARY_FIELD = 11;

  /** FIELDS[type][field number]: kind | child type << 4 | role << 12; 0 for unknown. */
  private static final int[][] FIELDS = new int[NAMES.length][];

  static {
    type(REQUEST, message(1, RESOURCE_METRICS, NONE));
    type(
        RESOURCE_METRICS,
        message(1, RESOURCE, NONE),
        message(2, SCOPE_METRICS, POINTS),
        scalar(3, STRING));
    type(RESOURCE, message(1, KEY_VALUE, NONE), scalar(2, VARINT), message(3, ENTITY_REF, NONE));
    type(SCOPE_METRICS, message(1, SCOPE, NONE), message(2, METRIC, POINTS), scalar(3, STRING));
    type(
        SCOPE,
        scalar(1, STRING),
        scalar(2, STRING),
        message(3, KEY_VALUE, NONE),
        scalar(4, VARINT));
    type(
        METRIC,
        scalar(1, STRING),
        scalar(2, STRING),
        scalar(3, STRING),
        message(GAUGE_FIELD, GAUGE, DATA),
        message(SUM_FIELD, SUM, DATA),
        message(HISTOGRAM_FIELD, HISTOGRAM, DATA),
        message(EXPONENTIAL_HISTOGRAM_FIELD, EXPONENTIAL_HISTOGRAM, DATA),
        message(SUMMARY_FIELD, SUMMARY, DATA),
        message(12, KEY_VALUE, NONE));
    type(GAUGE, message(1, NUMBER_POINT, POINT));
    type(SUM, message(1, NUMBER_POINT, POINT), scalar(2, VARINT), scalar(3, VARINT64));
    type(HISTOGRAM, message(1, HISTOGRAM_POINT, POINT), scalar(2, VARINT));
    type(EXPONENTIAL_HISTOGRAM, message(1, EXPONENTIAL_HISTOGRAM_POINT, POINT), scalar(2, VARINT));
    type(SUMMARY, message(1, SUMMARY_POINT, POINT));
    type(
        NUMBER_POINT,
        scalar(2, FIXED64),
        scalar(3, FIXED64),
        scalar(4, FIXED64),
        message(5, EXEMPLAR, NONE),
        scalar(6, FIXED64),
        message(7, KEY_VALUE, NONE),
        scalar(8, VARINT));
    type(
        HISTOGRAM_POINT,
        scalar(2, FIXED64),
        scalar(3, FIXED64),
        scalar(4, FIXED64),
        scalar(5, FIXED64),
        scalar(6, PACKED_FIXED64),
        scalar(7, PACKED_FIXED64),
        message(8, EXEMPLAR, NONE),
        message(9, KEY_VALUE, NONE),
        scalar(10, VARINT),
        scalar(11, FIXED64),
        scalar(12, FIXED64));
    type(
        EXPONENTIAL_HISTOGRAM_POINT,
        message(1, KEY_VALUE, NONE),
        scalar(2, FIXED64),
        scalar(3, FIXED64),
        scalar(4, FIXED64),
        scalar(5, FIXED64),
        scalar(6, VARINT),
        scalar(7, FIXED64),
        message(8, BUCKETS, NONE),
        message(9, BUCKETS, NONE),
        scalar(10, VARINT),
        message(11, EXEMPLAR, NONE),
        scalar(12, FIXED64),
        scalar(13, FIXED64),
        scalar(14, FIXED64));
    type(BUCKETS, scalar(1, VARINT), scalar(2, PACKED_VARINT));
    type(
        SUMMARY_POINT,
        scalar(2, FIXED64),
        scalar(3, FIXED64),
        scalar(4, FIXED64),
        scalar(5, FIXED64),
        message(6, QUANTILE, NONE),
        message(7, KEY_VALUE, NONE),
        scalar(8, VARINT));
    type(QUANTILE, scalar(1, FIXED64), scalar(2, FIXED64));
    type(
        EXEMPLAR,
        scalar(2, FIXED64),
        scalar(3, FIXED64),
        scalar(4, BYTES),
        scalar(5, BYTES),
        scalar(6, FIXED64),
        message(7, KEY_VALUE, NONE));
    type(KEY_VALUE, scalar(1, STRING), message(2, ANY_VALUE, NONE), scalar(3, VARINT));
    type(
        ANY_VALUE,
        scalar(1, STRING),
        scalar(2, VARINT64),
        scalar(3, VARINT64),
        scalar(4, FIXED64),
        message(5, ARRAY_VALUE, NONE),
        message(6, KEY_VALUE_LIST, NONE),
        scalar(7, BYTES),
        scalar(8, VARINT));
    type(ARRAY_VALUE, message(1, ANY_VALUE, NONE));
    type(KEY_VALUE_LIST, message(1, KEY_VALUE, NONE));
    type(ENTITY_REF, scalar(1, STRING), scalar(2, STRING), scalar(3, STRING), scalar(4, STRING));
  }

  private MetricsWireSchema() {}

  /** The entry of field {@code field} of {@code type}; 0 (unknown) when it has none. */
  static int entry(int type, int field) {
    int[] fields = FIELDS[type];
    return field < fields.length ? fields[field] : 0;
  }

  static int kind(int entry) {
    return entry & 0xF;
  }

  static int child(int entry) {
    return (entry >>> 4) & 0xFF;
  }

  static int role(int entry) {
    return entry >>> 12;
  }

  /** The highest field number {@code type} has. */
  static int highestField(int type) {
    return FIELDS[type].length - 1;
  }

  private static void type(int type, long... fields) {
    int highest = 0;
    for (long f : fields) {
      highest = Math.max(highest, (int) (f >>> 32));
    }
    int[] entries = new int[highest + 1];
    for (long f : fields) {
      entries[(int) (f >>> 32)] = (int) f;
    }
    FIELDS[type] = entries;
  }

  private static long scalar(int number, int kind) {
    return (long) number << 32 | kind;
  }

  private static long message(int number, int type, int role) {
    return (long) number << 32 | MESSAGE | type << 4 | role << 12;
  }
}
