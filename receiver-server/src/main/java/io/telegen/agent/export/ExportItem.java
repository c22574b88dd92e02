package io.telegen.agent.export;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import io.opentelemetry.proto.collector.logs.v1.ExportLogsServiceRequest;
import io.opentelemetry.proto.collector.metrics.v1.ExportMetricsServiceRequest;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import java.util.Objects;

/**
 * One OTLP export request waiting for delivery: a built request, or its encoded bytes (what the
 * receiver relays, and what several requests merged into one are), which go to the collector as
 * they are, with no decode and re-encode.
 *
 * <p>Immutable; two items are equal when they carry the same request, signal and count.
 */
public final class ExportItem {

  private final Signal signal;
  private final int items;
  private final byte[] encoded;
  private Message request; // decoded on first use for an encoded item; a race decodes twice

  /**
   * @param request an {@code ExportMetricsServiceRequest}, {@code ExportTraceServiceRequest} or
   *     {@code ExportLogsServiceRequest}, matching {@code signal}
   * @param items data points, spans or log records in it, for self-telemetry
   */
  public ExportItem(Signal signal, Message request, int items) {
    this.signal = Objects.requireNonNull(signal, "signal");
    this.request = Objects.requireNonNull(request, "request");
    this.items = items;
    this.encoded = null;
  }

  private ExportItem(Signal signal, byte[] encoded, int items) {
    this.signal = Objects.requireNonNull(signal, "signal");
    this.encoded = Objects.requireNonNull(encoded, "encoded");
    this.items = items;
  }

  /**
   * An item of an already encoded request of {@code signal}; the caller vouches that it is one
   * (the receiver checked its structure) and does not change the array after.
   */
  public static ExportItem encoded(Signal signal, byte[] request, int items) {
    return new ExportItem(signal, request, items);
  }

  public Signal signal() {
    return signal;
  }

  public int items() {
    return items;
  }

  /** The request, decoded from its bytes the first time for an encoded item. */
  public Message request() {
    Message decoded = request;
    if (decoded == null) {
      try {
        decoded =
            switch (signal) {
              case METRICS -> ExportMetricsServiceRequest.parseFrom(encoded);
              case TRACES -> ExportTraceServiceRequest.parseFrom(encoded);
              case LOGS -> ExportLogsServiceRequest.parseFrom(encoded);
            };
      } catch (InvalidProtocolBufferException e) {
        throw new IllegalStateException("an encoded " + signal.label() + " request is invalid", e);
      }
      request = decoded;
    }
    return decoded;
  }

  /** The encoded request: the bytes themselves for an encoded item (not a copy: do not change). */
  public byte[] toBytes() {
    return encoded != null ? encoded : request.toByteArray();
  }

  /** The size of {@link #toBytes()}. */
  public int serializedSize() {
    return encoded != null ? encoded.length : request.getSerializedSize();
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof ExportItem other
        && signal == other.signal
        && items == other.items
        && request().equals(other.request());
  }

  @Override
  public int hashCode() {
    return Objects.hash(signal, items, request());
  }

  @Override
  public String toString() {
    return "ExportItem[signal=" + signal + ", items=" + items + ", bytes=" + serializedSize() + "]";
  }
}
