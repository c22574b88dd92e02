package io.telegen.agent.receiver;

import com.google.protobuf.CodedInputStream;
import com.google.protobuf.CodedOutputStream;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.WireFormat;
import io.opentelemetry.proto.collector.metrics.v1.ExportMetricsServiceRequest;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Enriches an encoded {@code ExportMetricsServiceRequest} as {@link ResourceEnricher} does, at
 * the protobuf wire level: each {@code ResourceMetrics} gets its resource rewritten and keeps
 * every other byte as it came, so a relayed request costs a scan and a copy instead of a decode
 * and a re-encode (which were most of the receiver's CPU).
 *
 * <p>The body is parsed first, and refused as {@link InvalidProtocolBufferException} when a decode
 * refuses it: the scan alone reads the structure down to the data points only, and would accept
 * what lies broken inside a point (a bad tag, invalid UTF-8), answering OK for a request the
 * collector then refuses (the receiver's fuzz target found such bodies). The parse is thrown away;
 * only the re-encode is saved. Unknown fields are kept, as a decode keeps them.
 */
final class MetricsWireEnricher {

  /** The encoded request and its data points. */
  record Enriched(byte[] request, int points) {}

  private static final int LEN = WireFormat.WIRETYPE_LENGTH_DELIMITED;
  // ExportMetricsServiceRequest.resource_metrics, ResourceMetrics.resource, .scope_metrics,
  // Resource.attributes, KeyValue.key, ScopeMetrics.metrics.
  private static final int RESOURCE_METRICS = 1;
  private static final int RESOURCE = 1;
  private static final int SCOPE_METRICS = 2;
  private static final int ATTRIBUTES = 1;
  private static final int KEY = 1;
  private static final int METRICS = 2;
  // Metric's data: gauge, sum, histogram, exponential_histogram, summary; each's data_points = 1.
  private static final int GAUGE = 5;
  private static final int SUM = 7;
  private static final int HISTOGRAM = 9;
  private static final int EXPONENTIAL_HISTOGRAM = 10;
  private static final int SUMMARY = 11;
  private static final int DATA_POINTS = 1;

  private static final byte[] HOST_KEY = bytes(ResourceEnricher.HOST_NAME);
  private static final byte[] SERVICE_KEY = bytes(ResourceEnricher.SERVICE_NAME);
  private static final byte[] VERSION_KEY = bytes(ResourceEnricher.AGENT_VERSION);

  private final byte[] hostAttribute;
  private final byte[] serviceAttribute;
  private final byte[] versionAttribute;

  MetricsWireEnricher(String hostName, String serviceName, String agentVersion) {
    this.hostAttribute = field(ATTRIBUTES, attribute(ResourceEnricher.HOST_NAME, hostName));
    this.serviceAttribute =
        field(ATTRIBUTES, attribute(ResourceEnricher.SERVICE_NAME, serviceName));
    this.versionAttribute =
        field(ATTRIBUTES, attribute(ResourceEnricher.AGENT_VERSION, agentVersion));
  }

  /** {@code body} enriched, and its data points. */
  Enriched enrich(byte[] body) throws InvalidProtocolBufferException {
    ExportMetricsServiceRequest.parser().parseFrom(body);
    Buffer out = new Buffer(body.length + 64 + 2 * versionAttribute.length);
    Buffer scratch = new Buffer(256);
    int points = 0;
    try {
      CodedInputStream in = CodedInputStream.newInstance(body);
      while (!in.isAtEnd()) {
        int start = in.getTotalBytesRead();
        int tag = in.readTag();
        if (tag == tag(RESOURCE_METRICS, LEN)) {
          int length = in.readRawVarint32();
          int at = in.getTotalBytesRead();
          in.skipRawBytes(length);
          points += resourceMetrics(body, at, length, out, scratch);
        } else {
          skip(in, tag);
          out.write(body, start, in.getTotalBytesRead() - start);
        }
      }
    } catch (InvalidProtocolBufferException e) {
      throw e;
    } catch (IOException e) {
      throw new InvalidProtocolBufferException(e);
    }
    return new Enriched(out.toArray(), points);
  }

  /** Writes one enriched ResourceMetrics field; its points. */
  private int resourceMetrics(byte[] body, int offset, int length, Buffer out, Buffer resource)
      throws IOException {
    resource.reset();
    int points = 0;
    boolean host = false;
    boolean service = false;
    boolean version = false;
    int otherBytes = 0;
    // First pass: the resource's attributes (rewritten into resource) and the points.
    CodedInputStream in = CodedInputStream.newInstance(body, offset, length);
    while (!in.isAtEnd()) {
      int start = in.getTotalBytesRead();
      int tag = in.readTag();
      if (tag == tag(RESOURCE, LEN)) {
        int size = in.readRawVarint32();
        int at = offset + in.getTotalBytesRead();
        in.skipRawBytes(size);
        // Two resource fields merge when decoded: their attributes one after the other.
        CodedInputStream r = CodedInputStream.newInstance(body, at, size);
        while (!r.isAtEnd()) {
          int fieldStart = r.getTotalBytesRead();
          int rtag = r.readTag();
          if (rtag == tag(ATTRIBUTES, LEN)) {
            int kvSize = r.readRawVarint32();
            int kvAt = at + r.getTotalBytesRead();
            r.skipRawBytes(kvSize);
            byte[] key = keyOf(body, kvAt, kvSize);
            if (Arrays.equals(key, VERSION_KEY)) {
              if (!version) { // ours, in the place of the sender's first; its other copies go
                resource.write(versionAttribute, 0, versionAttribute.length);
              }
              version = true;
              continue;
            }
            host |= Arrays.equals(key, HOST_KEY);
            service |= Arrays.equals(key, SERVICE_KEY);
          } else {
            skip(r, rtag);
          }
          int end = r.getTotalBytesRead();
          resource.write(body, at + fieldStart, end - fieldStart);
        }
      } else {
        if (tag == tag(SCOPE_METRICS, LEN)) {
          int size = in.readRawVarint32();
          int at = offset + in.getTotalBytesRead();
          in.skipRawBytes(size);
          points += scopePoints(body, at, size);
        } else {
          skip(in, tag);
        }
        otherBytes += in.getTotalBytesRead() - start;
      }
    }
    if (!host) {
      resource.write(hostAttribute, 0, hostAttribute.length);
    }
    if (!service) {
      resource.write(serviceAttribute, 0, serviceAttribute.length);
    }
    if (!version) {
      resource.write(versionAttribute, 0, versionAttribute.length);
    }
    // The enriched ResourceMetrics: its resource first, then every other field as it came.
    int resourceField =
        CodedOutputStream.computeTagSize(RESOURCE)
            + CodedOutputStream.computeUInt32SizeNoTag(resource.size())
            + resource.size();
    out.writeVarint(tag(RESOURCE_METRICS, LEN));
    out.writeVarint(resourceField + otherBytes);
    out.writeVarint(tag(RESOURCE, LEN));
    out.writeVarint(resource.size());
    out.write(resource.array(), 0, resource.size());
    in = CodedInputStream.newInstance(body, offset, length);
    while (!in.isAtEnd()) {
      int start = in.getTotalBytesRead();
      int tag = in.readTag();
      skip(in, tag);
      if (tag != tag(RESOURCE, LEN)) {
        out.write(body, offset + start, in.getTotalBytesRead() - start);
      }
    }
    return points;
  }

  private static int scopePoints(byte[] body, int offset, int length) throws IOException {
    int points = 0;
    CodedInputStream in = CodedInputStream.newInstance(body, offset, length);
    while (!in.isAtEnd()) {
      int tag = in.readTag();
      if (tag == tag(METRICS, LEN)) {
        int size = in.readRawVarint32();
        int at = offset + in.getTotalBytesRead();
        in.skipRawBytes(size);
        points += metricPoints(body, at, size);
      } else {
        skip(in, tag);
      }
    }
    return points;
  }

  /** The points of the metric's data; of the last data field, as a decode keeps the last. */
  private static int metricPoints(byte[] body, int offset, int length) throws IOException {
    int points = 0;
    CodedInputStream in = CodedInputStream.newInstance(body, offset, length);
    while (!in.isAtEnd()) {
      int tag = in.readTag();
      int field = WireFormat.getTagFieldNumber(tag);
      boolean data =
          WireFormat.getTagWireType(tag) == LEN
              && (field == GAUGE
                  || field == SUM
                  || field == HISTOGRAM
                  || field == EXPONENTIAL_HISTOGRAM
                  || field == SUMMARY);
      if (data) {
        int size = in.readRawVarint32();
        int at = offset + in.getTotalBytesRead();
        in.skipRawBytes(size);
        points = count(body, at, size, tag(DATA_POINTS, LEN));
      } else {
        skip(in, tag);
      }
    }
    return points;
  }

  private static int count(byte[] body, int offset, int length, int wanted) throws IOException {
    int n = 0;
    CodedInputStream in = CodedInputStream.newInstance(body, offset, length);
    while (!in.isAtEnd()) {
      int tag = in.readTag();
      skip(in, tag);
      if (tag == wanted) {
        n++;
      }
    }
    return n;
  }

  /** The KeyValue's key bytes (the last key field, as a decode keeps); empty when none. */
  private static byte[] keyOf(byte[] body, int offset, int length) throws IOException {
    byte[] key = new byte[0];
    CodedInputStream in = CodedInputStream.newInstance(body, offset, length);
    while (!in.isAtEnd()) {
      int tag = in.readTag();
      if (tag == tag(KEY, LEN)) {
        key = in.readByteArray();
      } else {
        skip(in, tag);
      }
    }
    return key;
  }

  private static int tag(int field, int wireType) {
    return (field << 3) | wireType;
  }

  /** Skips a field; an end-group with no group open is as invalid as a decode finds it. */
  private static void skip(CodedInputStream in, int tag) throws IOException {
    if (!in.skipField(tag)) {
      throw new InvalidProtocolBufferException("Protocol message end-group tag did not match");
    }
  }

  private static byte[] attribute(String key, String value) {
    return ResourceEnricher.attribute(key, value).toByteArray();
  }

  private static byte[] field(int number, byte[] message) {
    Buffer b = new Buffer(message.length + 8);
    b.writeVarint(tag(number, LEN));
    b.writeVarint(message.length);
    b.write(message, 0, message.length);
    return b.toArray();
  }

  private static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  /** A growable byte array. */
  private static final class Buffer {
    private byte[] bytes;
    private int size;

    Buffer(int capacity) {
      bytes = new byte[Math.max(16, capacity)];
    }

    void reset() {
      size = 0;
    }

    int size() {
      return size;
    }

    byte[] array() {
      return bytes;
    }

    void write(byte[] source, int offset, int length) {
      ensure(length);
      System.arraycopy(source, offset, bytes, size, length);
      size += length;
    }

    void writeVarint(int value) {
      ensure(5);
      while ((value & ~0x7F) != 0) {
        bytes[size++] = (byte) ((value & 0x7F) | 0x80);
        value >>>= 7;
      }
      bytes[size++] = (byte) value;
    }

    byte[] toArray() {
      return Arrays.copyOf(bytes, size);
    }

    private void ensure(int more) {
      if (size + more > bytes.length) {
        bytes = Arrays.copyOf(bytes, Math.max(bytes.length * 2, size + more));
      }
    }
  }
}
