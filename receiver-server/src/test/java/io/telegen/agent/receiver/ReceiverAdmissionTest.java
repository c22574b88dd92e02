package io.telegen.agent.receiver;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.Any;
import com.google.rpc.RetryInfo;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.NettyChannelBuilder;
import io.grpc.protobuf.StatusProto;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.opentelemetry.proto.collector.metrics.v1.ExportMetricsServiceRequest;
import io.opentelemetry.proto.collector.metrics.v1.MetricsServiceGrpc;
import io.telegen.agent.export.ExportItem;
import io.telegen.agent.export.ExportQueue;
import io.telegen.agent.export.MemoryExportQueue;
import io.telegen.agent.export.OtlpRequests;
import io.telegen.agent.export.Signal;
import io.telegen.agent.export.TelemetryReader;
import io.telegen.agent.telemetry.AgentTelemetry;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The receiver takes in a bounded number of requests at once: one more is refused at once with
 * {@code RESOURCE_EXHAUSTED} and a {@code RetryInfo} (retried by OTLP senders), counted as
 * unavailable, not as too large; once the requests in hand are done, it is taken again.
 */
class ReceiverAdmissionTest {

  private final EventLoopGroup eventLoop =
      new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
  private final AgentTelemetry telemetry = new AgentTelemetry(1L);
  private final CountDownLatch entered = new CountDownLatch(1);
  private final CountDownLatch release = new CountDownLatch(1);
  private OtlpReceiver receiver;
  private ManagedChannel channel;

  /** A queue whose first offer waits until the test lets it go: a request in hand. */
  private final class HeldQueue implements ExportQueue {
    private final MemoryExportQueue queue = new MemoryExportQueue(10);
    private boolean held;

    @Override
    public boolean offer(ExportItem item) {
      synchronized (this) {
        if (!held) {
          held = true;
          entered.countDown();
          try {
            release.await(30, TimeUnit.SECONDS);
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          }
        }
      }
      return queue.offer(item);
    }

    @Override
    public List<ExportItem> offerEvictingOldest(ExportItem item) {
      return queue.offerEvictingOldest(item);
    }

    @Override
    public ExportItem peek(Duration timeout) throws InterruptedException {
      return queue.peek(timeout);
    }

    @Override
    public void remove(ExportItem item) {
      queue.remove(item);
    }

    @Override
    public int size() {
      return queue.size();
    }

    @Override
    public int capacity() {
      return queue.capacity();
    }
  }

  @AfterEach
  void tearDown() throws Exception {
    release.countDown();
    if (channel != null) {
      channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
    if (receiver != null) {
      receiver.close();
    }
    eventLoop.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly(5, TimeUnit.SECONDS);
  }

  @Test
  void aRequestBeyondTheBoundIsPushedBackWithRetryInfoUntilOneInHandIsDone() throws Exception {
    HeldQueue queue = new HeldQueue();
    receiver =
        OtlpReceiver.builder()
            .host("127.0.0.1")
            .port(0)
            .maxConcurrentRequests(1)
            .eventLoop(eventLoop)
            .queue(queue)
            .telemetry(telemetry)
            .hostName("node-1")
            .agentVersion("9.9.9")
            .start();
    channel = NettyChannelBuilder.forAddress("127.0.0.1", receiver.port()).usePlaintext().build();
    MetricsServiceGrpc.MetricsServiceBlockingStub stub =
        MetricsServiceGrpc.newBlockingStub(channel).withDeadlineAfter(30, TimeUnit.SECONDS);
    ExportMetricsServiceRequest request = OtlpRequests.metrics("m", 1, 0);

    CompletableFuture<Void> inHand = CompletableFuture.runAsync(() -> stub.export(request));
    assertTrue(entered.await(30, TimeUnit.SECONDS));
    StatusRuntimeException refused =
        assertThrows(StatusRuntimeException.class, () -> stub.export(request));
    assertEquals(Status.Code.RESOURCE_EXHAUSTED, refused.getStatus().getCode());
    com.google.rpc.Status details = StatusProto.fromThrowable(refused);
    assertNotNull(details, "no status details");
    RetryInfo retry = null;
    for (Any detail : details.getDetailsList()) {
      if (detail.is(RetryInfo.class)) {
        retry = detail.unpack(RetryInfo.class);
      }
    }
    assertNotNull(retry, "no RetryInfo: " + details);
    assertEquals(1, retry.getRetryDelay().getSeconds());
    assertEquals(1.0, TelemetryReader.receiverRequests(telemetry, Signal.METRICS, "unavailable"));
    assertEquals(0.0, TelemetryReader.receiverRequests(telemetry, Signal.METRICS, "too_large"));

    release.countDown();
    inHand.get(30, TimeUnit.SECONDS);
    stub.export(request); // the bound is free again
    assertEquals(2, queue.size());
  }

  @Test
  void theBoundIsAsManyRequestsOfTheSizeLimitAsFitIn16MiB() {
    assertEquals(4, ReceiverAdmission.callsFor(OtlpReceiver.DEFAULT_MAX_REQUEST_BYTES));
    assertEquals(16, ReceiverAdmission.callsFor(1024 * 1024));
    assertEquals(2, ReceiverAdmission.callsFor(64L * 1024 * 1024));
  }
}
