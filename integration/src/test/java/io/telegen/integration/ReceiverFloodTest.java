package io.telegen.integration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import com.google.rpc.RetryInfo;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.NettyChannelBuilder;
import io.grpc.protobuf.StatusProto;
import io.opentelemetry.proto.collector.logs.v1.ExportLogsServiceRequest;
import io.opentelemetry.proto.collector.logs.v1.LogsServiceGrpc;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.logs.v1.LogRecord;
import io.opentelemetry.proto.logs.v1.ResourceLogs;
import io.opentelemetry.proto.logs.v1.ScopeLogs;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;

/**
 * The receiver flooded: {@value #CLIENTS} clients, each on its own connection, send 1 MiB log
 * requests as fast as they are answered for {@value #FLOOD_SECONDS} s, to an agent running with
 * its production heap (96 MiB, exit on OutOfMemoryError). The receiver pushes back with {@code
 * RESOURCE_EXHAUSTED} or {@code UNAVAILABLE}, each with a {@code RetryInfo}; the agent stays
 * alive within a bounded resident set; and the GPU source keeps its cadence: a point every
 * interval, all of them delivered.
 */
final class ReceiverFloodTest {

  private static final int CLIENTS = 40;
  private static final int FLOOD_SECONDS = 20;
  private static final int REQUEST_BYTES = 1024 * 1024;
  // -Xmx96m, 64 MiB direct, 64 MiB metaspace, 32 MiB code cache, and the threads' stacks
  private static final long RSS_BOUND_MIB = 320;

  private final Cleanup cleanup = new Cleanup();

  @AfterEach
  void stopEverything() {
    cleanup.close();
  }

  @Test
  void aFloodIsPushedBackWithRetryInfoWhileMemoryStaysBoundedAndGpuPointsFlow(TestInfo testInfo)
      throws Exception {
    Path dir = TestLogDir.of(testInfo);
    int collectorPort = FreePorts.next();
    StockCollector collector =
        cleanup.register(
            StockCollector.start(
                dir,
                "collector",
                List.of(StockCollector.AGENT_CONFIG),
                Map.of(),
                collectorPort,
                Set.of("metrics", "traces")));
    DeliveredPoints delivered = new DeliveredPoints("none").follow(collector);
    // The DaemonSet's queue: on disk, the default bounds.
    AgentProcess agent =
        cleanup.register(
            FaultAgent.start(
                dir.resolve("agent"),
                FaultAgent.sections(
                    collectorPort, dir.resolve("queue"), Map.of("max_requests", 1024))));
    ExportLogsServiceRequest request = largeRequest();

    Map<String, LongAdder> outcomes = new ConcurrentHashMap<>();
    LongAdder withoutRetryInfo = new LongAdder();
    Map<String, String> firstMessage = new ConcurrentHashMap<>();
    AtomicLong maxRss = new AtomicLong();
    long floodStart = System.currentTimeMillis() * 1_000_000L;
    long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(FLOOD_SECONDS);
    List<Thread> clients = new ArrayList<>();
    List<ManagedChannel> channels = new ArrayList<>();
    for (int i = 0; i < CLIENTS; i++) {
      ManagedChannel channel =
          NettyChannelBuilder.forTarget(agent.receiverEndpoint())
              .usePlaintext()
              .maxInboundMessageSize(1 << 20)
              .build();
      channels.add(channel);
      LogsServiceGrpc.LogsServiceBlockingStub stub = LogsServiceGrpc.newBlockingStub(channel);
      Thread client =
          new Thread(
              () -> {
                while (System.nanoTime() < end) {
                  try {
                    stub.withDeadlineAfter(30, TimeUnit.SECONDS).export(request);
                    outcomes.computeIfAbsent("OK", k -> new LongAdder()).increment();
                  } catch (StatusRuntimeException e) {
                    Status.Code code = e.getStatus().getCode();
                    outcomes.computeIfAbsent(code.name(), k -> new LongAdder()).increment();
                    firstMessage.putIfAbsent(code.name(), String.valueOf(e.getMessage()));
                    if (code == Status.Code.RESOURCE_EXHAUSTED || code == Status.Code.UNAVAILABLE) {
                      if (retryDelay(e) == null) {
                        withoutRetryInfo.increment();
                      }
                      // as an OTLP exporter does: wait as told (shortened: this is a flood)
                      ExternalProcess.sleep(Duration.ofMillis(100));
                    }
                  }
                }
              },
              "flood-" + i);
      client.setDaemon(true);
      clients.add(client);
    }
    clients.forEach(Thread::start);
    while (System.nanoTime() < end) {
      maxRss.accumulateAndGet(FaultAgent.residentKib(agent), Math::max);
      ExternalProcess.sleep(Duration.ofMillis(250));
    }
    for (Thread client : clients) {
      client.join(60_000);
    }
    long floodEnd = System.currentTimeMillis() * 1_000_000L;
    channels.forEach(ManagedChannel::shutdownNow);
    boolean alive = agent.isAlive();
    delivered.awaitUntil(() -> delivered.gpuReached(floodEnd), Duration.ofSeconds(90));
    GpuCadence gpu = delivered.gpuCadence(floodStart, floodEnd);
    Map<String, Long> answered = new java.util.TreeMap<>();
    outcomes.forEach((k, v) -> answered.put(k, v.sum()));
    long pushedBack =
        answered.getOrDefault("RESOURCE_EXHAUSTED", 0L) + answered.getOrDefault("UNAVAILABLE", 0L);
    String report =
        String.format(
            "ReceiverFloodTest: %d clients sending %d KiB log requests for %d s: answers %s, %d"
                + " pushed back without RetryInfo; agent %s, RSS at most %d MiB; during the flood"
                + " %s",
            CLIENTS,
            request.getSerializedSize() / 1024,
            FLOOD_SECONDS,
            answered,
            withoutRetryInfo.sum(),
            alive ? "alive" : "DEAD",
            maxRss.get() / 1024,
            gpu);
    System.out.println(report);
    String context =
        report + "\nfirst answer of each kind: " + firstMessage + "\n" + agent.describe();
    assertTrue(alive, context);
    assertTrue(pushedBack > 0, "no push-back\n" + context);
    assertEquals(0, withoutRetryInfo.sum(), context);
    assertEquals(
        Set.of(),
        Set.copyOf(
            answered.keySet().stream()
                .filter(k -> !Set.of("OK", "RESOURCE_EXHAUSTED", "UNAVAILABLE").contains(k))
                .toList()),
        context);
    assertTrue(maxRss.get() / 1024 < RSS_BOUND_MIB, context);
    assertEquals(0, gpu.lost(), context);
    assertTrue(gpu.received() >= (FLOOD_SECONDS - 4) * gpu.series(), context);
    assertTrue(gpu.maxGap().toMillis() < 2_500, context);
  }

  private static Duration retryDelay(StatusRuntimeException e) {
    com.google.rpc.Status status = StatusProto.fromThrowable(e);
    if (status == null) {
      return null;
    }
    for (com.google.protobuf.Any detail : status.getDetailsList()) {
      if (detail.is(RetryInfo.class)) {
        try {
          com.google.protobuf.Duration d = detail.unpack(RetryInfo.class).getRetryDelay();
          return Duration.ofSeconds(d.getSeconds(), d.getNanos());
        } catch (com.google.protobuf.InvalidProtocolBufferException bad) {
          return null;
        }
      }
    }
    return null;
  }

  /** About 1 MiB: 1024 log records of 1 KiB bodies. */
  private static ExportLogsServiceRequest largeRequest() {
    ScopeLogs.Builder scope = ScopeLogs.newBuilder();
    byte[] body = new byte[1000];
    java.util.Arrays.fill(body, (byte) 'x');
    for (int i = 0; i < REQUEST_BYTES / 1024; i++) {
      scope.addLogRecords(
          LogRecord.newBuilder()
              .setTimeUnixNano(System.currentTimeMillis() * 1_000_000L)
              .setBody(AnyValue.newBuilder().setStringValueBytes(ByteString.copyFrom(body))));
    }
    return ExportLogsServiceRequest.newBuilder()
        .addResourceLogs(ResourceLogs.newBuilder().addScopeLogs(scope))
        .build();
  }
}
