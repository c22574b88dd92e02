package io.telegen.agent.receiver;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.fail;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.grpc.CallOptions;
import io.grpc.Compressor;
import io.grpc.CompressorRegistry;
import io.grpc.ManagedChannel;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.ClientCalls;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.telegen.agent.export.ExportItem;
import io.telegen.agent.export.MemoryExportQueue;
import io.telegen.agent.export.Signal;
import io.telegen.agent.telemetry.AgentTelemetry;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.TimeUnit;
import java.util.zip.GZIPOutputStream;

/**
 * Any request body sent to the real receiver over a real gRPC connection, plain or gzip: it
 * answers {@code OK} with the request queued as {@link AcceptedRequests} says, {@code
 * INVALID_ARGUMENT} for a body that is not OTLP (one protobuf-java's parse refuses; or not gzip), or {@code RESOURCE_EXHAUSTED} for
 * one over the size limit once inflated; never another status, never a hang, and it keeps
 * serving.
 *
 * <p>The first input byte chooses the signal (bits 0-1: 0 metrics, 1 traces, 2 logs, modulo 3)
 * and the encoding (bits 2-3): 0 plain; 1 gzip-compressed here, so the fuzzer's bytes are what
 * the receiver inflates to; 2 sent as a gzip message as they are, so the fuzzer's bytes are the
 * gzip stream itself. The rest is the body.
 */
class OtlpReceiverFuzzTest {

  private static final long MAX_REQUEST_BYTES = 64 * 1024;

  /** One receiver and one client for the whole run: started once, as the agent starts them. */
  private static final class Served {
    static final MemoryExportQueue QUEUE = new MemoryExportQueue(16);
    static final ManagedChannel CHANNEL;

    static {
      EventLoopGroup loop =
          new MultiThreadIoEventLoopGroup(
              1, new DefaultThreadFactory("fuzz-receiver", true), NioIoHandler.newFactory());
      try {
        OtlpReceiver receiver =
            OtlpReceiver.builder()
                .host("127.0.0.1")
                .port(0)
                .maxRequestBytes(MAX_REQUEST_BYTES)
                .eventLoop(loop)
                .queue(QUEUE)
                .telemetry(new AgentTelemetry(1L))
                .hostName(AcceptedRequests.HOST)
                .serviceName(AcceptedRequests.SERVICE)
                .agentVersion(AcceptedRequests.VERSION)
                .start();
        CHANNEL =
            NettyChannelBuilder.forAddress("127.0.0.1", receiver.port())
                .usePlaintext()
                .compressorRegistry(PASS_THROUGH_GZIP)
                .build();
      } catch (IOException e) {
        throw new ExceptionInInitializerError(e);
      }
    }
  }

  /**
   * A client "gzip" that sends the bytes it is given as they are, with the message marked gzip:
   * the test decides what goes on the wire as the gzip stream.
   */
  private static final CompressorRegistry PASS_THROUGH_GZIP = CompressorRegistry.newEmptyInstance();

  static {
    PASS_THROUGH_GZIP.register(
        new Compressor() {
          @Override
          public String getMessageEncoding() {
            return "gzip";
          }

          @Override
          public OutputStream compress(OutputStream os) {
            return os;
          }
        });
  }

  @FuzzTest(maxDuration = "12s")
  void export(byte[] input) throws Exception {
    if (input.length == 0) {
      return;
    }
    Signal signal = Signal.values()[(input[0] & 3) % 3];
    int encoding = (input[0] >> 2) & 3;
    byte[] body = Arrays.copyOfRange(input, 1, input.length);
    byte[] wire = encoding == 1 ? gzip(body) : body;
    // A late answer to an earlier call would put its request in the queue under this one's.
    for (ExportItem stale; (stale = Served.QUEUE.peek(Duration.ZERO)) != null; ) {
      Served.QUEUE.remove(stale);
    }
    // libFuzzer's -timeout (10 s) reports a hang; the deadline only keeps a lost call from
    // blocking for ever, and is long because the first calls wait for Jazzer to instrument the
    // classes they load.
    CallOptions options = CallOptions.DEFAULT.withDeadlineAfter(60, TimeUnit.SECONDS);
    if (encoding == 1 || encoding == 2) {
      options = options.withCompression("gzip");
    }
    Status status;
    try {
      ClientCalls.blockingUnaryCall(Served.CHANNEL, method(signal), options, wire);
      status = Status.OK;
    } catch (StatusRuntimeException e) {
      status = e.getStatus();
    }
    ExportItem item = Served.QUEUE.peek(Duration.ZERO);
    if (item != null) {
      Served.QUEUE.remove(item);
    }
    switch (status.getCode()) {
      case OK -> AcceptedRequests.check(signal, encoding == 2 ? gunzip(body) : body, item);
      case INVALID_ARGUMENT, RESOURCE_EXHAUSTED -> {
        assertNull(item, "refused with " + status + " but queued");
        if (encoding != 2) {
          assertEquals(
              body.length > MAX_REQUEST_BYTES,
              status.getCode() == Status.Code.RESOURCE_EXHAUSTED,
              status + " for a body of " + body.length + " bytes");
          // Refused as invalid exactly when protobuf-java's parse refuses it (for metrics, the
          // receiver's own single pass decides).
          if (status.getCode() == Status.Code.INVALID_ARGUMENT) {
            assertFalse(AcceptedRequests.decodes(signal, body), status + " for a valid body");
          }
        }
      }
      default -> fail("answered " + status + " (encoding " + encoding + ")");
    }
  }

  private static MethodDescriptor<byte[], byte[]> method(Signal signal) {
    String service =
        switch (signal) {
          case METRICS -> "opentelemetry.proto.collector.metrics.v1.MetricsService";
          case TRACES -> "opentelemetry.proto.collector.trace.v1.TraceService";
          case LOGS -> "opentelemetry.proto.collector.logs.v1.LogsService";
        };
    return MethodDescriptor.<byte[], byte[]>newBuilder()
        .setType(MethodDescriptor.MethodType.UNARY)
        .setFullMethodName(service + "/Export")
        .setRequestMarshaller(RawBytes.INSTANCE)
        .setResponseMarshaller(RawBytes.INSTANCE)
        .build();
  }

  private static byte[] gzip(byte[] body) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (GZIPOutputStream gz = new GZIPOutputStream(out)) {
      gz.write(body);
    }
    return out.toByteArray();
  }

  private static byte[] gunzip(byte[] body) throws IOException {
    if (body.length == 0) {
      return body; // an empty message is not inflated: there is nothing to inflate
    }
    try (InputStream in = new java.util.zip.GZIPInputStream(new ByteArrayInputStream(body))) {
      return in.readAllBytes();
    }
  }

  private enum RawBytes implements MethodDescriptor.Marshaller<byte[]> {
    INSTANCE;

    @Override
    public InputStream stream(byte[] value) {
      return new ByteArrayInputStream(value);
    }

    @Override
    public byte[] parse(InputStream stream) {
      try {
        return stream.readAllBytes();
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
  }
}
