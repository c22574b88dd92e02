package io.telegen.agent.export;

import static io.telegen.agent.export.ExporterFixture.plaintext;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.netty.NettyChannelBuilder;
import io.telegen.agent.receiver.OtlpReceiver;
import io.telegen.agent.receiver.ReceiverHealth;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The receiver's {@code grpc.health.v1.Health} service as a Kubernetes gRPC probe sees it, asked
 * by grpc-java's own health client over 127.0.0.1, while the export loop delivers to a real
 * (fake) collector that is down and then up.
 */
final class ExportHealthTest {

  private final ExporterFixture fixture = new ExporterFixture();
  private final MemoryExportQueue queue = new MemoryExportQueue(100);
  private final RecordingSleeper sleeper = new RecordingSleeper();
  private ManagedChannel channel;

  @AfterEach
  void tearDown() throws Exception {
    if (channel != null) {
      channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
    fixture.close();
  }

  @Test
  void readinessFollowsTheCollectorAndLivenessStaysServing() throws Exception {
    int port;
    try (FakeCollector gone = FakeCollector.start()) {
      port = gone.port();
    }
    OtlpExporter exporter = fixture.exporter(plaintext(port));
    ExportLoop loop =
        new ExportLoop(
            queue,
            exporter,
            fixture.telemetry,
            Duration.ofMillis(100),
            Duration.ofSeconds(1),
            sleeper,
            bound -> bound);
    ReceiverHealth health = new ReceiverHealth();
    List<ExportState> seen = new CopyOnWriteArrayList<>();
    loop.onStateChange(health::exportState);
    loop.onStateChange(seen::add);
    OtlpReceiver receiver = fixture.register(receiver(health));
    channel = NettyChannelBuilder.forAddress("127.0.0.1", receiver.port()).usePlaintext().build();
    HealthGrpc.HealthBlockingStub client = HealthGrpc.newBlockingStub(channel);

    // Before any attempt: nothing says the collector is away.
    assertEquals(ServingStatus.SERVING, status(client, ""));
    assertEquals(ServingStatus.SERVING, status(client, ReceiverHealth.EXPORT_SERVICE));

    // The collector is down: readiness says NOT_SERVING, liveness stays SERVING.
    fixture.start(loop);
    queue.offer(OtlpRequests.metricsItem("gpu_utilization_percent", 1, 1));
    Await.until(
        () -> status(client, ReceiverHealth.EXPORT_SERVICE) == ServingStatus.NOT_SERVING,
        () -> "readiness " + status(client, ReceiverHealth.EXPORT_SERVICE));
    assertEquals(ExportState.OUTAGE, loop.state());
    assertEquals(ServingStatus.SERVING, status(client, ""));

    // Back up: the queued item is delivered and readiness returns.
    FakeCollector collector = fixture.collector(port);
    fixture.awaitIdle(queue);
    assertEquals(ServingStatus.SERVING, status(client, ReceiverHealth.EXPORT_SERVICE));
    assertEquals(ServingStatus.SERVING, status(client, ""));
    assertEquals(ExportState.EXPORTING, loop.state());
    assertEquals(1, collector.accepted.size());
    assertEquals(List.of(ExportState.EXPORTING, ExportState.OUTAGE, ExportState.EXPORTING), seen);

    // An unknown service is NOT_FOUND, as the protocol says (a probe with a typo fails).
    StatusRuntimeException unknown =
        assertThrows(StatusRuntimeException.class, () -> status(client, "telegen.nothing"));
    assertEquals(Status.Code.NOT_FOUND, unknown.getStatus().getCode());
  }

  @Test
  void aReceiverWithoutAnExportLoopIsAlwaysServing() throws Exception {
    OtlpReceiver receiver = fixture.register(receiver(new ReceiverHealth()));
    channel = NettyChannelBuilder.forAddress("127.0.0.1", receiver.port()).usePlaintext().build();
    HealthGrpc.HealthBlockingStub client = HealthGrpc.newBlockingStub(channel);
    assertEquals(ServingStatus.SERVING, status(client, ""));
    assertEquals(ServingStatus.SERVING, status(client, ReceiverHealth.EXPORT_SERVICE));
  }

  private OtlpReceiver receiver(ReceiverHealth health) throws java.io.IOException {
    return OtlpReceiver.builder()
        .host("127.0.0.1")
        .port(0)
        .eventLoop(fixture.eventLoop)
        .queue(queue)
        .telemetry(fixture.telemetry)
        .hostName("node-1")
        .agentVersion("9.9.9")
        .health(health)
        .start();
  }

  private static ServingStatus status(HealthGrpc.HealthBlockingStub client, String service) {
    return client
        .withDeadlineAfter(5, TimeUnit.SECONDS)
        .check(HealthCheckRequest.newBuilder().setService(service).build())
        .getStatus();
  }
}
