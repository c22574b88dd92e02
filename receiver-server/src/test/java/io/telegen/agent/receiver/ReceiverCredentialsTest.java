package io.telegen.agent.receiver;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.netty.GrpcSslContexts;
import io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.MetadataUtils;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.handler.ssl.SslContextBuilder;
import io.opentelemetry.proto.collector.metrics.v1.ExportMetricsServiceRequest;
import io.opentelemetry.proto.collector.metrics.v1.MetricsServiceGrpc;
import io.opentelemetry.proto.metrics.v1.ResourceMetrics;
import io.telegen.agent.config.AgentConfig;
import io.telegen.agent.export.Await;
import io.telegen.agent.export.MemoryExportQueue;
import io.telegen.agent.export.Signal;
import io.telegen.agent.export.TelemetryReader;
import io.telegen.agent.telemetry.AgentTelemetry;
import io.telegen.testsupport.LogLines;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.logging.Logger;
import javax.net.ssl.SSLException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The receiver's TLS, mutual TLS and bearer token, driven by real grpc-java clients over
 * 127.0.0.1, with the files changed while it runs.
 */
class ReceiverCredentialsTest {

  private static final Duration RELOAD = Duration.ofMillis(100);
  private static final Duration WAIT = Duration.ofSeconds(10);
  private static final ExportMetricsServiceRequest REQUEST =
      ExportMetricsServiceRequest.newBuilder()
          .addResourceMetrics(ResourceMetrics.getDefaultInstance())
          .build();

  @TempDir Path dir;

  private final EventLoopGroup eventLoop =
      new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
  private final AgentTelemetry telemetry = new AgentTelemetry(1L);
  private final MemoryExportQueue queue = new MemoryExportQueue(100);
  private final List<ManagedChannel> channels = new ArrayList<>();
  private OtlpReceiver receiver;

  @AfterEach
  void stop() throws Exception {
    for (ManagedChannel channel : channels) {
      channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
    if (receiver != null) {
      receiver.close();
    }
    eventLoop.shutdownGracefully(0, 1, TimeUnit.SECONDS);
  }

  @Test
  void aTokenIsRequiredOfEverySignalButNotOfTheHealthService() throws Exception {
    Path token = Files.writeString(dir.resolve("token"), "s3cret-token\n");
    start(
        new AgentConfig.Receiver(
            true, "127.0.0.1", 0, 1 << 20, Optional.empty(), Optional.of(token)));
    ManagedChannel channel = plaintext();

    StatusRuntimeException none =
        assertThrows(StatusRuntimeException.class, () -> export(channel, null));
    assertEquals(Status.Code.UNAUTHENTICATED, none.getStatus().getCode());
    assertTrue(none.getStatus().getDescription().contains("Bearer"), none.getMessage());
    StatusRuntimeException wrong =
        assertThrows(StatusRuntimeException.class, () -> export(channel, "Bearer s3cret-tokeN"));
    assertEquals(Status.Code.UNAUTHENTICATED, wrong.getStatus().getCode());
    assertThrows(StatusRuntimeException.class, () -> export(channel, "s3cret-token"));
    assertEquals(0, queue.size(), "nothing refused is queued");

    export(channel, "Bearer s3cret-token");
    assertEquals(1, queue.size());
    assertEquals(
        3.0, TelemetryReader.receiverRequests(telemetry, Signal.METRICS, "unauthenticated"));
    // The kubelet's gRPC probes send no token.
    assertEquals(
        HealthCheckResponse.ServingStatus.SERVING,
        HealthGrpc.newBlockingStub(channel)
            .check(HealthCheckRequest.newBuilder().setService("").build())
            .getStatus());
  }

  @Test
  void aRotatedTokenIsUsedOnceWrittenAndAHalfWrittenOneKeepsTheLast() throws Exception {
    Path token = Files.writeString(dir.resolve("token"), "first");
    start(
        new AgentConfig.Receiver(
            true, "127.0.0.1", 0, 1 << 20, Optional.empty(), Optional.of(token)));
    ManagedChannel channel = plaintext();
    export(channel, "Bearer first");

    try (LogLines log = LogLines.of(Logger.getLogger(ReceiverCredentials.class.getName()))) {
      Files.writeString(token, ""); // a writer that truncated and has not written yet
      Thread.sleep(RELOAD.toMillis() * 5);
      export(channel, "Bearer first");
      Files.writeString(token, "second");
      Await.until(() -> accepts(channel, "Bearer second"), WAIT, () -> "the new token is used");
      assertThrows(StatusRuntimeException.class, () -> export(channel, "Bearer first"));
      List<String> lines = log.lines();
      assertEquals(2, lines.size(), lines.toString());
      assertTrue(
          lines.get(0).contains("bearer_token_file " + token + " changed but cannot be used"));
      assertTrue(lines.get(1).contains("reads again and is in use"), lines.get(1));
    }
  }

  @Test
  void withTlsAClientThatTrustsTheCaIsServedAndPlaintextIsRefused() throws Exception {
    start(tls(Optional.empty()));
    export(tlsChannel("ca.pem", false), null);
    assertEquals(1, queue.size());
    StatusRuntimeException plain =
        assertThrows(StatusRuntimeException.class, () -> export(plaintext(), null));
    assertEquals(Status.Code.UNAVAILABLE, plain.getStatus().getCode());
    assertThrows(
        StatusRuntimeException.class,
        () -> export(tlsChannel("rotated-ca.pem", false), null),
        "a client that does not trust the receiver's CA");
    assertEquals(1, queue.size());
  }

  @Test
  void withAClientCaAClientWithoutACertificateIsRefused() throws Exception {
    start(tls(Optional.of(resource("client-ca.pem"))));
    assertThrows(StatusRuntimeException.class, () -> export(tlsChannel("ca.pem", false), null));
    assertEquals(0, queue.size());
    export(tlsChannel("ca.pem", true), null);
    assertEquals(1, queue.size());
  }

  @Test
  void aRenewedCertificateIsServedToNewConnections() throws Exception {
    Path cert = copy("server.pem", "live.pem");
    Path key = copy("server.key", "live.key");
    start(
        new AgentConfig.Receiver(
            true,
            "127.0.0.1",
            0,
            1 << 20,
            Optional.of(new AgentConfig.ReceiverTls(cert, key, Optional.empty())),
            Optional.empty()));
    export(tlsChannel("ca.pem", false), null);

    // The renewed pair, moved into place as cert-manager or a Kubernetes secret does.
    Files.copy(resource("rotated-server.key"), dir.resolve("next.key"));
    Files.copy(resource("rotated-server.pem"), dir.resolve("next.pem"));
    Files.move(dir.resolve("next.key"), key, StandardCopyOption.REPLACE_EXISTING);
    Files.move(dir.resolve("next.pem"), cert, StandardCopyOption.REPLACE_EXISTING);
    Await.until(
        () -> accepts(tlsChannel("rotated-ca.pem", false), null),
        WAIT,
        () -> "new connections get the renewed certificate");
  }

  private void start(AgentConfig.Receiver config) throws Exception {
    receiver =
        OtlpReceiver.builder()
            .host("127.0.0.1")
            .port(0)
            .eventLoop(eventLoop)
            .queue(queue)
            .telemetry(telemetry)
            .hostName("node-1")
            .agentVersion("9.9.9")
            .credentials(ReceiverCredentials.load(config, RELOAD))
            .start();
  }

  private AgentConfig.Receiver tls(Optional<Path> clientCa) throws Exception {
    return new AgentConfig.Receiver(
        true,
        "127.0.0.1",
        0,
        1 << 20,
        Optional.of(
            new AgentConfig.ReceiverTls(resource("server.pem"), resource("server.key"), clientCa)),
        Optional.empty());
  }

  private ManagedChannel plaintext() {
    return channel(NettyChannelBuilder.forAddress("127.0.0.1", receiver.port()).usePlaintext());
  }

  private ManagedChannel tlsChannel(String trusted, boolean withClientCertificate) {
    SslContextBuilder ssl = GrpcSslContexts.forClient().trustManager(resource(trusted).toFile());
    if (withClientCertificate) {
      ssl.keyManager(resource("client.pem").toFile(), resource("client.key").toFile());
    }
    try {
      return channel(
          NettyChannelBuilder.forAddress("localhost", receiver.port()).sslContext(ssl.build()));
    } catch (SSLException e) {
      throw new IllegalStateException(e);
    }
  }

  private ManagedChannel channel(NettyChannelBuilder builder) {
    ManagedChannel channel = builder.build();
    channels.add(channel);
    return channel;
  }

  private static void export(ManagedChannel channel, String authorization) {
    MetricsServiceGrpc.MetricsServiceBlockingStub stub =
        MetricsServiceGrpc.newBlockingStub(channel).withDeadlineAfter(5, TimeUnit.SECONDS);
    if (authorization != null) {
      Metadata headers = new Metadata();
      headers.put(
          Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER), authorization);
      stub = stub.withInterceptors(MetadataUtils.newAttachHeadersInterceptor(headers));
    }
    stub.export(REQUEST);
  }

  private static boolean accepts(ManagedChannel channel, String authorization) {
    try {
      export(channel, authorization);
      return true;
    } catch (StatusRuntimeException e) {
      return false;
    }
  }

  private Path copy(String name, String as) throws Exception {
    return Files.copy(resource(name), dir.resolve(as));
  }

  /** A file of the test TLS material (see tls/README.md), copied out of the class path. */
  private Path resource(String name) {
    Path file = dir.resolve("tls-" + name);
    if (!Files.exists(file)) {
      try (InputStream in = getClass().getResourceAsStream("/tls/" + name)) {
        Files.copy(in, file);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
    return file;
  }
}
