package io.telegen.agent.receiver;

import com.google.protobuf.CodedOutputStream;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.WireFormat;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Enriches an encoded {@code ExportMetricsServiceRequest} as {@link ResourceEnricher} does, at
 * the protobuf wire level: each {@code ResourceMetrics} gets its resource rewritten and keeps
 * every other byte as it came, so a relayed request costs a scan and a copy instead of a decode
 * and a re-encode (which were most of the receiver's CPU).
 *
 * <p>It is one pass over the bytes, by the schema ({@link MetricsWireReader}): every message is
 * read down to its last field and the body is refused as {@link InvalidProtocolBufferException}
 * exactly when protobuf-java's parse refuses it, since a scan that stopped at the data points
 * answered OK for bodies broken inside a point that the collector then refuses (the receiver's fuzz
 * target found one). A parse before the scan did the same at a cost the relay could not afford.
 * Unknown fields are kept, as a decode keeps them.
 */
final class MetricsWireEnricher {

  /** The encoded request and its data points. */
  record Enriched(byte[] request, int points) {}

  private static final int LEN = WireFormat.WIRETYPE_LENGTH_DELIMITED;
  // ExportMetricsServiceRequest.resource_metrics, ResourceMetrics.resource, Resource.attributes.
  private static final int RESOURCE_METRICS = 1;
  private static final int RESOURCE = 1;
  private static final int ATTRIBUTES = 1;
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

  /** {@code body} enriched, and its data points; refused as protobuf-java's parse refuses it. */
  Enriched enrich(byte[] body) throws InvalidProtocolBufferException {
    return new Pass(body).request();
  }

  /** One request's single pass: read (and checked) once, written as it is read. */
  private final class Pass {
    private final byte[] body;
    private final MetricsWireReader in;
    private final Buffer out;
    private final Buffer resource = new Buffer(256);
    // The fields of the ResourceMetrics being read other than its resource: [start, end) pairs.
    private int[] spans = new int[8];
    private int spanCount;
    private boolean host;
    private boolean service;
    private boolean version;

    Pass(byte[] body) {
      this.body = body;
      this.in = new MetricsWireReader(body);
      this.out = new Buffer(body.length + 64 + 2 * versionAttribute.length);
    }

    Enriched request() throws InvalidProtocolBufferException {
      int points = 0;
      int end = body.length;
      while (in.pos < end) {
        int start = in.pos;
        int tag = in.tag(end);
        if (tag == tag(RESOURCE_METRICS, LEN)) {
          int length = in.length(end);
          points += resourceMetrics(in.pos + length);
        } else {
          in.field(MetricsWireSchema.REQUEST, tag, end, 0);
          out.write(body, start, in.pos - start);
        }
      }
      return new Enriched(out.toArray(), points);
    }

    /** Reads one ResourceMetrics (depth 1) and writes it enriched; its points. */
    private int resourceMetrics(int end) throws InvalidProtocolBufferException {
      resource.reset();
      spanCount = 0;
      host = false;
      service = false;
      version = false;
      int points = 0;
      int otherBytes = 0;
      while (in.pos < end) {
        int start = in.pos;
        int tag = in.tag(end);
        if (tag == tag(RESOURCE, LEN)) {
          // Two resource fields merge when decoded: their attributes one after the other.
          int length = in.length(end);
          resource(in.pos + length);
        } else {
          points += in.field(MetricsWireSchema.RESOURCE_METRICS, tag, end, 1);
          otherBytes += in.pos - start;
          span(start, in.pos);
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
      for (int i = 0; i < spanCount; i += 2) {
        out.write(body, spans[i], spans[i + 1] - spans[i]);
      }
      return points;
    }

    /** Reads a Resource (depth 2), writing its fields, the agent's version in place, into it. */
    private void resource(int end) throws InvalidProtocolBufferException {
      while (in.pos < end) {
        int start = in.pos;
        int tag = in.tag(end);
        if (tag == tag(ATTRIBUTES, LEN)) {
          int length = in.length(end);
          in.keyValue(in.pos + length, 3);
          if (in.keyIs(VERSION_KEY)) {
            if (!version) { // ours, in the place of the sender's first; its other copies go
              resource.write(versionAttribute, 0, versionAttribute.length);
            }
            version = true;
            continue;
          }
          host |= in.keyIs(HOST_KEY);
          service |= in.keyIs(SERVICE_KEY);
        } else {
          in.field(MetricsWireSchema.RESOURCE, tag, end, 2);
        }
        resource.write(body, start, in.pos - start);
      }
    }

    /** Adds [start, end) to the fields to copy, joined to the last when they touch. */
    private void span(int start, int end) {
      if (spanCount > 0 && spans[spanCount - 1] == start) {
        spans[spanCount - 1] = end;
        return;
      }
      if (spanCount == spans.length) {
        spans = Arrays.copyOf(spans, spanCount * 2);
      }
      spans[spanCount++] = start;
      spans[spanCount++] = end;
    }
  }

  private static int tag(int field, int wireType) {
    return (field << 3) | wireType;
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
