package io.telegen.agent.export;

import com.google.protobuf.Any;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import com.google.rpc.RetryInfo;
import io.grpc.CallOptions;
import io.grpc.ClientInterceptors;
import io.grpc.CompressorRegistry;
import io.grpc.Drainable;
import io.grpc.KnownLength;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.GrpcSslContexts;
import io.grpc.netty.NettyChannelBuilder;
import io.grpc.protobuf.ProtoUtils;
import io.grpc.protobuf.StatusProto;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.MetadataUtils;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.ssl.OpenSsl;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslProvider;
import io.netty.util.NetUtil;
import io.opentelemetry.proto.collector.logs.v1.ExportLogsServiceResponse;
import io.opentelemetry.proto.collector.logs.v1.LogsServiceGrpc;
import io.opentelemetry.proto.collector.metrics.v1.ExportMetricsServiceResponse;
import io.opentelemetry.proto.collector.metrics.v1.MetricsServiceGrpc;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceResponse;
import io.opentelemetry.proto.collector.trace.v1.TraceServiceGrpc;
import io.telegen.agent.config.AgentConfig;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.logging.Logger;
import javax.net.ssl.SSLException;

/**
 * Sends OTLP export requests to the collector over gRPC (grpc-java on Netty; TLS through
 * netty-tcnative's BoringSSL), and classifies each result as the OTLP specification says: which
 * status codes are worth retrying, and the collector's {@code RetryInfo} hint.
 *
 * <p>One attempt per call; the {@link ExportLoop} owns retrying and backoff, so that a retry
 * never blocks the producers.
 */
public final class OtlpExporter implements AutoCloseable {

  private static final Logger logger = Logger.getLogger(OtlpExporter.class.getName());

  /** Retryable per the OTLP specification; RESOURCE_EXHAUSTED only with a RetryInfo. */
  private static final Set<Status.Code> RETRYABLE =
      Set.of(
          Status.Code.CANCELLED,
          Status.Code.DEADLINE_EXCEEDED,
          Status.Code.ABORTED,
          Status.Code.OUT_OF_RANGE,
          Status.Code.UNAVAILABLE,
          Status.Code.DATA_LOSS);

  /** gzip at level 1 on a reused Deflater (see {@link FastGzip}), and identity. */
  private static final CompressorRegistry COMPRESSORS = compressors();

  private static CompressorRegistry compressors() {
    CompressorRegistry registry = CompressorRegistry.newEmptyInstance();
    registry.register(new FastGzip());
    return registry;
  }

  private final ManagedChannel channel;
  private final io.grpc.Channel intercepted;
  private final CallOptions callOptions;
  private final Duration timeout;
  private final String target;

  private OtlpExporter(
      ManagedChannel channel,
      Map<String, String> headers,
      String compression,
      Duration timeout,
      String target) {
    this.channel = channel;
    Metadata metadata = new Metadata();
    headers.forEach(
        (k, v) -> metadata.put(Metadata.Key.of(k, Metadata.ASCII_STRING_MARSHALLER), v));
    this.intercepted =
        ClientInterceptors.intercept(channel, MetadataUtils.newAttachHeadersInterceptor(metadata));
    CallOptions options = CallOptions.DEFAULT;
    if ("gzip".equals(compression)) {
      options = options.withCompression("gzip");
    }
    this.callOptions = options;
    this.timeout = timeout;
    this.target = target;
  }

  /** An exporter for {@code config}, sharing {@code eventLoop} with the rest of the agent. */
  public static OtlpExporter create(AgentConfig.Exporter config, EventLoopGroup eventLoop)
      throws IOException {
    NettyChannelBuilder builder =
        NettyChannelBuilder.forAddress(config.host(), config.port())
            .eventLoopGroup(eventLoop)
            .channelType(NioSocketChannel.class)
            .maxInboundMessageSize(4 * 1024 * 1024)
            // The export loop retries by the OTLP rules; gRPC's own retry would retry twice.
            .disableRetry()
            .keepAliveTime(5, TimeUnit.MINUTES)
            .compressorRegistry(COMPRESSORS);
    if (NetUtil.isValidIpV4Address(config.host()) || NetUtil.isValidIpV6Address(config.host())) {
      // An address needs no lookup: the channel's name resolution is done on the event loop
      // instead of a thread gRPC would keep for it. A name is looked up on gRPC's own thread,
      // as a lookup can hang and the event loop serves the receiver too.
      builder.offloadExecutor(eventLoop);
    }
    if (config.tls()) {
      builder.sslContext(sslContext(config.tlsFiles()));
    } else {
      builder.usePlaintext();
    }
    return new OtlpExporter(
        builder.build(), config.headers(), config.compression(), config.timeout(), config.target());
  }

  private static io.netty.handler.ssl.SslContext sslContext(AgentConfig.Tls files)
      throws SSLException {
    SslProvider provider = OpenSsl.isAvailable() ? SslProvider.OPENSSL : SslProvider.JDK;
    if (provider == SslProvider.JDK) {
      logger.warning(
          "netty-tcnative (BoringSSL) is unavailable on this platform ("
              + OpenSsl.unavailabilityCause()
              + "); using the JDK's TLS instead");
    }
    SslContextBuilder builder = GrpcSslContexts.configure(SslContextBuilder.forClient(), provider);
    if (files.caFile() != null) {
      builder.trustManager(files.caFile().toFile());
    }
    if (files.certFile() != null) {
      builder.keyManager(files.certFile().toFile(), files.keyFile().toFile());
    }
    return builder.build();
  }

  /** {@code http(s)://host:port} of the collector, for messages. */
  public String target() {
    return target;
  }

  /** Sends {@code item} once and says what happened. Never throws for a gRPC failure. */
  public ExportResult export(ExportItem item) {
    // A refused connection puts the channel in exponential reconnect backoff of up to two
    // minutes; the export loop has its own backoff, so let each attempt connect at once.
    channel.resetConnectBackoff();
    try {
      return switch (item.signal()) {
        case METRICS -> {
          ExportMetricsServiceResponse response = call(METRICS, item);
          yield ExportResult.delivered(
              response.getPartialSuccess().getRejectedDataPoints(),
              response.getPartialSuccess().getErrorMessage());
        }
        case TRACES -> {
          ExportTraceServiceResponse response = call(TRACES, item);
          yield ExportResult.delivered(
              response.getPartialSuccess().getRejectedSpans(),
              response.getPartialSuccess().getErrorMessage());
        }
        case LOGS -> {
          ExportLogsServiceResponse response = call(LOGS, item);
          yield ExportResult.delivered(
              response.getPartialSuccess().getRejectedLogRecords(),
              response.getPartialSuccess().getErrorMessage());
        }
      };
    } catch (StatusRuntimeException e) {
      return classify(e);
    }
  }

  private <R> R call(MethodDescriptor<byte[], R> method, ExportItem item) {
    return ClientCalls.blockingUnaryCall(
        intercepted,
        method,
        callOptions.withDeadlineAfter(timeout.toMillis(), TimeUnit.MILLISECONDS),
        item.toBytes());
  }

  /**
   * The export methods with the request as its encoded bytes: what the receiver relays and what
   * merged requests are goes out as it came, and a built request is encoded once, into an array.
   */
  private static <Q, R extends Message> MethodDescriptor<byte[], R> encoded(
      MethodDescriptor<Q, R> generated, R response) {
    return generated.toBuilder(ENCODED, ProtoUtils.marshaller(response)).build();
  }

  private static final MethodDescriptor.Marshaller<byte[]> ENCODED =
      new MethodDescriptor.Marshaller<>() {
        @Override
        public InputStream stream(byte[] request) {
          return new EncodedStream(request);
        }

        @Override
        public byte[] parse(InputStream stream) {
          // A client never parses its own requests; total anyway, for a call logged or replayed.
          try {
            return stream.readAllBytes();
          } catch (IOException e) {
            throw Status.INTERNAL
                .withDescription("cannot read request")
                .withCause(e)
                .asRuntimeException();
          }
        }
      };

  /** The bytes with their length known up front, drained in one write (gRPC's fast paths). */
  private static final class EncodedStream extends ByteArrayInputStream
      implements KnownLength, Drainable {
    EncodedStream(byte[] bytes) {
      super(bytes);
    }

    @Override
    public int drainTo(OutputStream target) throws IOException {
      int n = count - pos;
      target.write(buf, pos, n);
      pos = count;
      return n;
    }
  }

  private static final MethodDescriptor<byte[], ExportMetricsServiceResponse> METRICS =
      encoded(
          MetricsServiceGrpc.getExportMethod(), ExportMetricsServiceResponse.getDefaultInstance());
  private static final MethodDescriptor<byte[], ExportTraceServiceResponse> TRACES =
      encoded(TraceServiceGrpc.getExportMethod(), ExportTraceServiceResponse.getDefaultInstance());
  private static final MethodDescriptor<byte[], ExportLogsServiceResponse> LOGS =
      encoded(LogsServiceGrpc.getExportMethod(), ExportLogsServiceResponse.getDefaultInstance());

  static ExportResult classify(StatusRuntimeException e) {
    Status status = e.getStatus();
    Duration retryAfter = retryInfo(e);
    String detail =
        status.getCode() + (status.getDescription() == null ? "" : ": " + status.getDescription());
    if (status.getCause() != null && status.getCause().getMessage() != null) {
      // "io exception" alone does not tell a refused connection from a TLS failure.
      detail += " (" + status.getCause().getMessage() + ")";
    }
    boolean retry =
        RETRYABLE.contains(status.getCode())
            || (status.getCode() == Status.Code.RESOURCE_EXHAUSTED && retryAfter != null);
    return new ExportResult(
        retry ? ExportResult.Outcome.RETRY : ExportResult.Outcome.REJECTED, 0, retryAfter, detail);
  }

  private static Duration retryInfo(StatusRuntimeException e) {
    com.google.rpc.Status details = StatusProto.fromThrowable(e);
    if (details == null) {
      return null;
    }
    for (Any any : details.getDetailsList()) {
      if (any.is(RetryInfo.class)) {
        try {
          com.google.protobuf.Duration d = any.unpack(RetryInfo.class).getRetryDelay();
          return Duration.ofSeconds(d.getSeconds(), d.getNanos());
        } catch (InvalidProtocolBufferException ignored) {
          return null;
        }
      }
    }
    return null;
  }

  @Override
  public void close() {
    channel.shutdownNow();
    try {
      channel.awaitTermination(2, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
