package io.telegen.agent.receiver;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import com.google.rpc.Code;
import com.google.rpc.RetryInfo;
import io.grpc.KnownLength;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Server;
import io.grpc.ServerInterceptors;
import io.grpc.ServerServiceDefinition;
import io.grpc.ServerStreamTracer;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.NettyServerBuilder;
import io.grpc.protobuf.ProtoUtils;
import io.grpc.protobuf.StatusProto;
import io.grpc.stub.ServerCalls;
import io.grpc.stub.StreamObserver;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.opentelemetry.proto.collector.logs.v1.ExportLogsServiceRequest;
import io.opentelemetry.proto.collector.logs.v1.ExportLogsServiceResponse;
import io.opentelemetry.proto.collector.logs.v1.LogsServiceGrpc;
import io.opentelemetry.proto.collector.metrics.v1.ExportMetricsServiceRequest;
import io.opentelemetry.proto.collector.metrics.v1.ExportMetricsServiceResponse;
import io.opentelemetry.proto.collector.metrics.v1.MetricsServiceGrpc;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceResponse;
import io.opentelemetry.proto.collector.trace.v1.TraceServiceGrpc;
import io.opentelemetry.proto.logs.v1.ResourceLogs;
import io.opentelemetry.proto.logs.v1.ScopeLogs;
import io.opentelemetry.proto.metrics.v1.Metric;
import io.opentelemetry.proto.metrics.v1.ResourceMetrics;
import io.opentelemetry.proto.metrics.v1.ScopeMetrics;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.telegen.agent.config.ConfigLoader;
import io.telegen.agent.export.ExportItem;
import io.telegen.agent.export.ExportQueue;
import io.telegen.agent.export.Signal;
import io.telegen.agent.telemetry.AgentTelemetry;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.util.Arrays;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.UnaryOperator;

/**
 * The OTLP/gRPC receiver apps and training jobs send to: the metrics, trace and logs services,
 * by default on {@code 127.0.0.1:4319} so it never collides with the collector's 4317.
 *
 * <p>Requests arrive as raw bytes and are decoded here rather than by gRPC's marshaller, so that a
 * malformed body is answered with {@code INVALID_ARGUMENT} (gRPC itself would say
 * {@code INTERNAL}), and so is a body marked gzip that does not inflate (gRPC inflates it as the
 * body is read here). Oversize bodies are refused by gRPC with {@code RESOURCE_EXHAUSTED} before
 * they are read. A full export queue is answered with {@code UNAVAILABLE} and a {@code RetryInfo},
 * which OTLP senders retry: the receiver pushes back instead of dropping.
 */
public final class OtlpReceiver implements AutoCloseable {

  /** What {@link #RAW} yields, by identity, for a body over the size limit once decompressed. */
  private static final byte[] TOO_LARGE = new byte[0];

  /** What {@link #RAW} yields, by identity, for a gzip body that cannot be inflated. */
  private static final byte[] DAMAGED_GZIP = new byte[0];

  private static final MethodDescriptor.Marshaller<byte[]> RAW =
      new MethodDescriptor.Marshaller<>() {
        @Override
        public InputStream stream(byte[] value) {
          return new java.io.ByteArrayInputStream(value);
        }

        @Override
        public byte[] parse(InputStream stream) {
          try {
            return body(stream);
          } catch (StatusRuntimeException e) {
            // A gzip body that inflates past the limit fails only here, while it is read; thrown
            // on,
            // gRPC would answer UNKNOWN ("Application error processing RPC").
            if (e.getStatus().getCode() == Status.Code.RESOURCE_EXHAUSTED) {
              return TOO_LARGE;
            }
            throw e;
          } catch (IOException e) {
            // Only inflating can fail (gRPC holds the body in memory): not gzip, or damaged.
            // Thrown, it would reach the sender as UNKNOWN ("Application error processing RPC").
            return DAMAGED_GZIP;
          }
        }
      };

  /**
   * The message's bytes. A message that came uncompressed gRPC holds whole, and its stream knows
   * its length: it is read into an array of that length, where {@code readAllBytes} would read
   * into an 8 KiB buffer and copy (per relayed request, mostly garbage); an inflating stream is
   * read to its end.
   */
  static byte[] body(InputStream stream) throws IOException {
    if (!(stream instanceof KnownLength)) {
      return stream.readAllBytes();
    }
    int length = stream.available();
    byte[] body = new byte[length];
    int read = stream.readNBytes(body, 0, length);
    if (read == length) {
      int next = stream.read();
      if (next < 0) {
        return body;
      }
      byte[] rest = stream.readAllBytes(); // longer than it said: never seen, but whole anyway
      byte[] all = Arrays.copyOf(body, length + 1 + rest.length);
      all[length] = (byte) next;
      System.arraycopy(rest, 0, all, length + 1, rest.length);
      return all;
    }
    return Arrays.copyOf(body, read);
  }

  private static final com.google.protobuf.Duration PUSH_BACK =
      com.google.protobuf.Duration.newBuilder().setSeconds(1).build();

  private final Server server;
  private final ReceiverHealth health;
  private final ReceiverCredentials credentials;

  private OtlpReceiver(Server server, ReceiverHealth health, ReceiverCredentials credentials) {
    this.server = server;
    this.health = health;
    this.credentials = credentials;
  }

  /** The address the receiver binds unless told otherwise: loopback only. */
  public static final String DEFAULT_HOST = "127.0.0.1";

  /** The port the receiver binds unless told otherwise, beside the collector's 4317. */
  public static final int DEFAULT_PORT = 4319;

  /** The largest request body accepted unless told otherwise, once decompressed. */
  public static final long DEFAULT_MAX_REQUEST_BYTES = 4L * 1024 * 1024;

  /**
   * A receiver to configure and {@link Builder#start() start}. The event loop, the export queue,
   * the agent's telemetry, the host name and the agent version are required.
   */
  public static Builder builder() {
    return new Builder();
  }

  /** Configures and starts an {@link OtlpReceiver}. */
  public static final class Builder {
    private String host = DEFAULT_HOST;
    private int port = DEFAULT_PORT;
    private long maxRequestBytes = DEFAULT_MAX_REQUEST_BYTES;
    private int maxConcurrentRequests;
    private EventLoopGroup eventLoop;
    private ExportQueue queue;
    private AgentTelemetry telemetry;
    private String hostName;
    private String serviceName = ConfigLoader.DEFAULT_SERVICE_NAME;
    private String agentVersion;
    private Consumer<ExportTraceServiceRequest> traceObserver = request -> {};
    private UnaryOperator<String> metricNames = UnaryOperator.identity();
    private ReceiverHealth health = new ReceiverHealth();

    private ReceiverCredentials credentials;

    private Builder() {}

    /**
     * What a client must prove: TLS (and a client certificate) and a bearer token, as {@code
     * credentials} says; default nothing (plaintext, no token). The receiver closes them. The health service answers
     * without a token, since the kubelet's gRPC probes send none.
     */
    public Builder credentials(ReceiverCredentials credentials) {
      this.credentials = credentials;
      return this;
    }

    /** The address to bind; default {@link #DEFAULT_HOST}. */
    public Builder host(String host) {
      this.host = host;
      return this;
    }

    /** The port to bind, 0 for any free one; default {@link #DEFAULT_PORT}. */
    public Builder port(int port) {
      this.port = port;
      return this;
    }

    /**
     * The largest request body, once decompressed; larger ones are answered with
     * {@code RESOURCE_EXHAUSTED}. Default {@link #DEFAULT_MAX_REQUEST_BYTES}.
     */
    public Builder maxRequestBytes(long maxRequestBytes) {
      this.maxRequestBytes = maxRequestBytes;
      return this;
    }

    /**
     * Export requests taken in at once; more are answered {@code RESOURCE_EXHAUSTED} with a
     * {@code RetryInfo}. Default 0: as many requests of the size limit as fit in 16 MiB (4 of the
     * default 4 MiB), 2 at least.
     */
    public Builder maxConcurrentRequests(int maxConcurrentRequests) {
      this.maxConcurrentRequests = maxConcurrentRequests;
      return this;
    }

    /** The Netty event loop the server runs on (shared with the exporter's channel). Required. */
    public Builder eventLoop(EventLoopGroup eventLoop) {
      this.eventLoop = eventLoop;
      return this;
    }

    /** Where accepted requests go, to be exported. Required. */
    public Builder queue(ExportQueue queue) {
      this.queue = queue;
      return this;
    }

    /** Where requests are counted by signal and outcome. Required. */
    public Builder telemetry(AgentTelemetry telemetry) {
      this.telemetry = telemetry;
      return this;
    }

    /** The {@code host.name} given to what arrives without one. Required. */
    public Builder hostName(String hostName) {
      this.hostName = hostName;
      return this;
    }

    /**
     * The {@code service.name} given to what arrives without one; default
     * {@link ConfigLoader#DEFAULT_SERVICE_NAME}.
     */
    public Builder serviceName(String serviceName) {
      this.serviceName = serviceName;
      return this;
    }

    /** The {@code telegen.agent.version} set on everything relayed. Required. */
    public Builder agentVersion(String agentVersion) {
      this.agentVersion = agentVersion;
      return this;
    }

    /**
     * Where every accepted trace request is handed as well (the LLM span metrics of trace
     * correlation); default nowhere.
     */
    public Builder traceObserver(Consumer<ExportTraceServiceRequest> traceObserver) {
      this.traceObserver = traceObserver;
      return this;
    }

    /**
     * How the metrics apps send are renamed (a training job's {@code train/loss} becomes
     * {@code training_loss}, the name the agent's event-file reader gives the same value, so both
     * paths produce one set of series); default unchanged.
     */
    public Builder metricNames(UnaryOperator<String> metricNames) {
      this.metricNames = metricNames;
      return this;
    }

    /**
     * The {@code grpc.health.v1.Health} statuses served on the receiver's port (for Kubernetes
     * probes); default one that is always {@code SERVING}, for a receiver whose export nobody
     * watches.
     */
    public Builder health(ReceiverHealth health) {
      this.health = health;
      return this;
    }

    /**
     * Binds and starts the receiver.
     *
     * @throws IllegalStateException when a required setting is missing
     * @throws IOException when the address is taken or cannot be bound
     */
    public OtlpReceiver start() throws IOException {
      require(host, "host");
      require(eventLoop, "eventLoop");
      require(queue, "queue");
      require(telemetry, "telemetry");
      require(hostName, "hostName");
      require(serviceName, "serviceName");
      require(agentVersion, "agentVersion");
      require(traceObserver, "traceObserver");
      require(metricNames, "metricNames");
      require(health, "health");
      if (port < 0 || port > 65535) {
        throw new IllegalStateException(
            "OtlpReceiver.builder(): port must be 0 to 65535, got " + port);
      }
      if (maxRequestBytes <= 0) {
        throw new IllegalStateException(
            "OtlpReceiver.builder(): maxRequestBytes must be "
                + "positive, got "
                + maxRequestBytes);
      }
      ResourceEnricher enricher = new ResourceEnricher(hostName, serviceName, agentVersion);
      ReceiverAdmission admission =
          new ReceiverAdmission(
              maxConcurrentRequests > 0
                  ? maxConcurrentRequests
                  : ReceiverAdmission.callsFor(maxRequestBytes),
              telemetry,
              PUSH_BACK);
      MetricsWireEnricher wireEnricher =
          new MetricsWireEnricher(hostName, serviceName, agentVersion);
      Handlers handlers =
          new Handlers(queue, telemetry, enricher, wireEnricher, traceObserver, metricNames);
      NettyServerBuilder server =
          NettyServerBuilder.forAddress(new InetSocketAddress(host, port))
              .bossEventLoopGroup(eventLoop)
              .workerEventLoopGroup(eventLoop)
              .channelType(NioServerSocketChannel.class)
              .maxInboundMessageSize((int) Math.min(Integer.MAX_VALUE, maxRequestBytes))
              // What a client may send before the receiver has taken it in: a refused request's
              // body is still buffered in direct memory until its refusal arrives, so dozens of
              // clients at the default 1 MiB each would exhaust the agent's 64 MiB.
              .flowControlWindow(ReceiverAdmission.RECEIVE_WINDOW)
              .addStreamTracerFactory(new TooLargeCounter(telemetry))
              .addService(
                  admitted(
                      admission,
                      service(
                          MetricsServiceGrpc.getExportMethod(),
                          ExportMetricsServiceResponse.getDefaultInstance(),
                          handlers::metrics),
                      Signal.METRICS))
              .addService(
                  admitted(
                      admission,
                      service(
                          TraceServiceGrpc.getExportMethod(),
                          ExportTraceServiceResponse.getDefaultInstance(),
                          handlers::traces),
                      Signal.TRACES))
              .addService(
                  admitted(
                      admission,
                      service(
                          LogsServiceGrpc.getExportMethod(),
                          ExportLogsServiceResponse.getDefaultInstance(),
                          handlers::logs),
                      Signal.LOGS))
              .addService(health.service());
      if (credentials != null) {
        credentials.sslContext().ifPresent(server::sslContext);
      }
      Server started = server.build();
      started.start();
      return new OtlpReceiver(started, health, credentials);
    }

    private ServerServiceDefinition guarded(ServerServiceDefinition service, Signal signal) {
      return credentials == null ? service : credentials.guard(service, signal, telemetry);
    }

    /** Behind the credentials' guard, and the admission bound in front of everything. */
    private ServerServiceDefinition admitted(
        ReceiverAdmission admission, ServerServiceDefinition service, Signal signal) {
      return ServerInterceptors.intercept(guarded(service, signal), admission.interceptor(signal));
    }

    private static void require(Object value, String setting) {
      if (value == null) {
        throw new IllegalStateException(
            "OtlpReceiver.builder(): "
                + setting
                + " is required; "
                + "set it with ."
                + setting
                + "(...) before start()");
      }
    }
  }

  /** The bound port (useful when started on port 0). */
  public int port() {
    return server.getPort();
  }

  private static <Q, R extends Message> ServerServiceDefinition service(
      MethodDescriptor<Q, R> generated, R response, Handler handler) {
    MethodDescriptor<byte[], R> method =
        generated.toBuilder(RAW, ProtoUtils.marshaller(response)).build();
    return ServerServiceDefinition.builder(generated.getServiceName())
        .addMethod(
            method,
            ServerCalls.asyncUnaryCall(
                (byte[] body, StreamObserver<R> observer) -> {
                  if (body == TOO_LARGE) {
                    // Counted as too_large by TooLargeCounter, like the bodies gRPC refuses itself.
                    observer.onError(
                        Status.RESOURCE_EXHAUSTED
                            .withDescription("Decompressed gRPC message exceeds maximum size")
                            .asRuntimeException());
                    return;
                  }
                  Status status = handler.handle(body);
                  if (status.isOk()) {
                    observer.onNext(response);
                    observer.onCompleted();
                  } else if (status.getCode() == Status.Code.UNAVAILABLE) {
                    observer.onError(
                        StatusProto.toStatusRuntimeException(
                            com.google.rpc.Status.newBuilder()
                                .setCode(Code.UNAVAILABLE_VALUE)
                                .setMessage(status.getDescription())
                                .addDetails(
                                    com.google.protobuf.Any.pack(
                                        RetryInfo.newBuilder().setRetryDelay(PUSH_BACK).build()))
                                .build()));
                  } else {
                    observer.onError(status.asRuntimeException());
                  }
                }))
        .build();
  }

  @FunctionalInterface
  private interface Handler {
    Status handle(byte[] body);
  }

  private static final UnaryOperator<String> IDENTITY = UnaryOperator.identity();

  /**
   * Decodes, enriches and queues one request per signal. Package-private so that the fuzz test
   * drives the decoding and enrichment without a socket.
   */
  static final class Handlers {
    private final ExportQueue queue;
    private final AgentTelemetry telemetry;
    private final ResourceEnricher enricher;
    private final MetricsWireEnricher wireEnricher;
    private final Consumer<ExportTraceServiceRequest> traceObserver;
    private final UnaryOperator<String> metricNames;

    Handlers(
        ExportQueue queue,
        AgentTelemetry telemetry,
        ResourceEnricher enricher,
        MetricsWireEnricher wireEnricher,
        Consumer<ExportTraceServiceRequest> traceObserver,
        UnaryOperator<String> metricNames) {
      this.queue = queue;
      this.telemetry = telemetry;
      this.enricher = enricher;
      this.wireEnricher = wireEnricher;
      this.traceObserver = traceObserver;
      this.metricNames = metricNames;
    }

    Status metrics(byte[] body) {
      if (body == DAMAGED_GZIP) {
        return damagedGzip(Signal.METRICS);
      }
      if (metricNames == IDENTITY) {
        // Names kept as sent: enriched at the wire level, relayed without a decode.
        MetricsWireEnricher.Enriched enriched;
        try {
          enriched = wireEnricher.enrich(body);
        } catch (InvalidProtocolBufferException e) {
          return invalid(Signal.METRICS, "ExportMetricsServiceRequest", e);
        }
        return enqueue(ExportItem.encoded(Signal.METRICS, enriched.request(), enriched.points()));
      }
      ExportMetricsServiceRequest request;
      try {
        request = ExportMetricsServiceRequest.parseFrom(body);
      } catch (InvalidProtocolBufferException e) {
        return invalid(Signal.METRICS, "ExportMetricsServiceRequest", e);
      }
      ExportMetricsServiceRequest.Builder enriched = request.toBuilder();
      int points = 0;
      for (int i = 0; i < enriched.getResourceMetricsCount(); i++) {
        ResourceMetrics.Builder rm = enriched.getResourceMetricsBuilder(i);
        rm.setResource(enricher.enrich(rm.getResource()));
        for (int j = 0; j < rm.getScopeMetricsCount(); j++) {
          ScopeMetrics sm = rm.getScopeMetrics(j);
          for (int k = 0; k < sm.getMetricsCount(); k++) {
            Metric m = sm.getMetrics(k);
            points += pointCount(m);
            String name = metricNames.apply(m.getName());
            if (!name.equals(m.getName())) {
              rm.getScopeMetricsBuilder(j).getMetricsBuilder(k).setName(name);
            }
          }
        }
      }
      return enqueue(new ExportItem(Signal.METRICS, enriched.build(), points));
    }

    Status traces(byte[] body) {
      if (body == DAMAGED_GZIP) {
        return damagedGzip(Signal.TRACES);
      }
      ExportTraceServiceRequest request;
      try {
        request = ExportTraceServiceRequest.parseFrom(body);
      } catch (InvalidProtocolBufferException e) {
        return invalid(Signal.TRACES, "ExportTraceServiceRequest", e);
      }
      ExportTraceServiceRequest.Builder enriched = request.toBuilder();
      int spans = 0;
      for (int i = 0; i < enriched.getResourceSpansCount(); i++) {
        ResourceSpans.Builder rs = enriched.getResourceSpansBuilder(i);
        rs.setResource(enricher.enrich(rs.getResource()));
        for (ScopeSpans ss : rs.getScopeSpansList()) {
          spans += ss.getSpansCount();
        }
      }
      ExportTraceServiceRequest built = enriched.build();
      Status status = enqueue(new ExportItem(Signal.TRACES, built, spans));
      if (status.isOk()) {
        // Only accepted requests: a refused one comes back when the sender retries.
        traceObserver.accept(built);
      }
      return status;
    }

    Status logs(byte[] body) {
      if (body == DAMAGED_GZIP) {
        return damagedGzip(Signal.LOGS);
      }
      ExportLogsServiceRequest request;
      try {
        request = ExportLogsServiceRequest.parseFrom(body);
      } catch (InvalidProtocolBufferException e) {
        return invalid(Signal.LOGS, "ExportLogsServiceRequest", e);
      }
      ExportLogsServiceRequest.Builder enriched = request.toBuilder();
      int records = 0;
      for (int i = 0; i < enriched.getResourceLogsCount(); i++) {
        ResourceLogs.Builder rl = enriched.getResourceLogsBuilder(i);
        rl.setResource(enricher.enrich(rl.getResource()));
        for (ScopeLogs sl : rl.getScopeLogsList()) {
          records += sl.getLogRecordsCount();
        }
      }
      return enqueue(new ExportItem(Signal.LOGS, enriched.build(), records));
    }

    private Status invalid(Signal signal, String type, InvalidProtocolBufferException e) {
      telemetry.receiverRequest(signal, "invalid");
      return Status.INVALID_ARGUMENT.withDescription(
          "the request body is not a valid OTLP " + type + ": " + e.getMessage());
    }

    private Status damagedGzip(Signal signal) {
      telemetry.receiverRequest(signal, "invalid");
      return Status.INVALID_ARGUMENT.withDescription(
          "the request body is marked gzip but does not inflate (not gzip, or cut short)");
    }

    private Status enqueue(ExportItem item) {
      if (!queue.offer(item)) {
        telemetry.receiverRequest(item.signal(), "unavailable");
        return Status.UNAVAILABLE.withDescription(
            "the agent's export queue is full ("
                + queue.capacity()
                + " requests) because the collector is slow or away; retry later");
      }
      telemetry.receiverRequest(item.signal(), "accepted");
      return Status.OK;
    }
  }

  static int pointCount(Metric metric) {
    return switch (metric.getDataCase()) {
      case GAUGE -> metric.getGauge().getDataPointsCount();
      case SUM -> metric.getSum().getDataPointsCount();
      case HISTOGRAM -> metric.getHistogram().getDataPointsCount();
      case EXPONENTIAL_HISTOGRAM -> metric.getExponentialHistogram().getDataPointsCount();
      case SUMMARY -> metric.getSummary().getDataPointsCount();
      case DATA_NOT_SET -> 0;
    };
  }

  /**
   * Counts the requests gRPC refuses as too large: they never reach a handler, but every stream
   * ends through its tracer.
   */
  private static final class TooLargeCounter extends ServerStreamTracer.Factory {
    private final AgentTelemetry telemetry;

    TooLargeCounter(AgentTelemetry telemetry) {
      this.telemetry = telemetry;
    }

    @Override
    public ServerStreamTracer newServerStreamTracer(String fullMethodName, Metadata headers) {
      Signal signal =
          fullMethodName.contains(".metrics.")
              ? Signal.METRICS
              : fullMethodName.contains(".trace.") ? Signal.TRACES : Signal.LOGS;
      return new ServerStreamTracer() {
        @Override
        public void streamClosed(Status status) {
          if (status.getCode() == Status.Code.RESOURCE_EXHAUSTED
              && (status.getDescription() == null
                  || !status.getDescription().startsWith(ReceiverAdmission.DESCRIPTION))) {
            telemetry.receiverRequest(signal, "too_large");
          }
        }
      };
    }
  }

  @Override
  public void close() {
    if (credentials != null) {
      credentials.close();
    }
    // Probes that race the shutdown hear NOT_SERVING rather than a refused connection.
    health.shutDown();
    server.shutdown();
    try {
      if (!server.awaitTermination(3, TimeUnit.SECONDS)) {
        server.shutdownNow();
      }
    } catch (InterruptedException e) {
      server.shutdownNow();
      Thread.currentThread().interrupt();
    }
  }
}
