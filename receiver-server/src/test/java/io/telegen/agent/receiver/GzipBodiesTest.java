package io.telegen.agent.receiver;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

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
import io.telegen.agent.export.MemoryExportQueue;
import io.telegen.agent.export.Signal;
import io.telegen.agent.export.TelemetryReader;
import io.telegen.agent.telemetry.AgentTelemetry;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A body marked gzip that does not inflate is the sender's mistake: {@code INVALID_ARGUMENT},
 * counted invalid, nothing queued. It was answered {@code UNKNOWN} ("Application error processing
 * RPC"), which a sender takes for the receiver's fault (found with {@link OtlpReceiverFuzzTest}'s
 * contract). The bodies are files in src/test/resources/receiver/.
 */
class GzipBodiesTest {

  private final EventLoopGroup eventLoop =
      new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
  private final AgentTelemetry telemetry = new AgentTelemetry(1L);
  private final MemoryExportQueue queue = new MemoryExportQueue(4);
  private OtlpReceiver receiver;
  private ManagedChannel channel;

  @BeforeEach
  void start() throws IOException {
    receiver =
        OtlpReceiver.builder()
            .host("127.0.0.1")
            .port(0)
            .eventLoop(eventLoop)
            .queue(queue)
            .telemetry(telemetry)
            .hostName("node-1")
            .agentVersion("9.9.9")
            .start();
    // A client "gzip" that sends the file as it is, marked gzip.
    CompressorRegistry asIs = CompressorRegistry.newEmptyInstance();
    asIs.register(
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
    channel =
        NettyChannelBuilder.forAddress("127.0.0.1", receiver.port())
            .usePlaintext()
            .compressorRegistry(asIs)
            .build();
  }

  @AfterEach
  void stop() throws InterruptedException {
    channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    receiver.close();
    eventLoop.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly(5, TimeUnit.SECONDS);
  }

  @Test
  void aBodyMarkedGzipThatIsNotGzipIsInvalidArgument() throws IOException {
    assertRefusedAsInvalid("not-gzip.bin");
  }

  @Test
  void aGzipStreamCutShortIsInvalidArgument() throws IOException {
    assertRefusedAsInvalid("gzip-cut-short.bin");
  }

  private void assertRefusedAsInvalid(String file) throws IOException {
    byte[] body;
    try (InputStream in = GzipBodiesTest.class.getResourceAsStream("/receiver/" + file)) {
      body = in.readAllBytes();
    }
    StatusRuntimeException e =
        assertThrows(
            StatusRuntimeException.class,
            () ->
                ClientCalls.blockingUnaryCall(
                    channel,
                    metricsExport(),
                    CallOptions.DEFAULT
                        .withDeadlineAfter(10, TimeUnit.SECONDS)
                        .withCompression("gzip"),
                    body));
    assertEquals(Status.Code.INVALID_ARGUMENT, e.getStatus().getCode(), e.toString());
    assertEquals(
        "the request body is marked gzip but does not inflate (not gzip, or cut short)",
        e.getStatus().getDescription());
    assertEquals(0, queue.size());
    assertEquals(1.0, TelemetryReader.receiverRequests(telemetry, Signal.METRICS, "invalid"));
  }

  private static MethodDescriptor<byte[], byte[]> metricsExport() {
    return MethodDescriptor.<byte[], byte[]>newBuilder()
        .setType(MethodDescriptor.MethodType.UNARY)
        .setFullMethodName("opentelemetry.proto.collector.metrics.v1.MetricsService/Export")
        .setRequestMarshaller(Raw.INSTANCE)
        .setResponseMarshaller(Raw.INSTANCE)
        .build();
  }

  private enum Raw implements MethodDescriptor.Marshaller<byte[]> {
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
