package io.telegen.agent.export;

import com.google.protobuf.Any;
import com.google.protobuf.Message;
import com.google.rpc.RetryInfo;
import io.grpc.Grpc;
import io.grpc.Metadata;
import io.grpc.Server;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.ServerInterceptors;
import io.grpc.ServerStreamTracer;
import io.grpc.Status;
import io.grpc.netty.NettyServerBuilder;
import io.grpc.protobuf.StatusProto;
import io.grpc.stub.StreamObserver;
import io.netty.handler.ssl.SslContext;
import io.opentelemetry.proto.collector.logs.v1.ExportLogsPartialSuccess;
import io.opentelemetry.proto.collector.logs.v1.ExportLogsServiceRequest;
import io.opentelemetry.proto.collector.logs.v1.ExportLogsServiceResponse;
import io.opentelemetry.proto.collector.logs.v1.LogsServiceGrpc;
import io.opentelemetry.proto.collector.metrics.v1.ExportMetricsPartialSuccess;
import io.opentelemetry.proto.collector.metrics.v1.ExportMetricsServiceRequest;
import io.opentelemetry.proto.collector.metrics.v1.ExportMetricsServiceResponse;
import io.opentelemetry.proto.collector.metrics.v1.MetricsServiceGrpc;
import io.opentelemetry.proto.collector.trace.v1.ExportTracePartialSuccess;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceResponse;
import io.opentelemetry.proto.collector.trace.v1.TraceServiceGrpc;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import javax.net.ssl.SSLSession;

/**
 * An in-JVM stand-in for the OpenTelemetry Collector's OTLP/gRPC receiver: a real Netty gRPC
 * server on 127.0.0.1 serving the metrics, trace and logs services. It records every request and
 * its headers, and answers each call from a script (fail with a status, optionally with a
 * {@code RetryInfo}; never answer; partial success) before falling back to plain success.
 */
final class FakeCollector implements AutoCloseable {

  /** What the next call gets. */
  sealed interface Reply permits Ok, Fail, Hang, Partial {}

  /** Accepts the call. */
  record Ok() implements Reply {}

  /** Fails the call with {@code status}, with a {@code RetryInfo} when {@code retryAfter} is set. */
  record Fail(Status status, Duration retryAfter) implements Reply {}

  /** Never answers the call. */
  record Hang() implements Reply {}

  /** Accepts the call but reports {@code rejected} items refused. */
  record Partial(long rejected, String message) implements Reply {}

  static final Metadata.Key<String> GRPC_ENCODING =
      Metadata.Key.of("grpc-encoding", Metadata.ASCII_STRING_MARSHALLER);

  private final Queue<Reply> script = new ConcurrentLinkedQueue<>();
  private final List<StreamObserver<?>> hung = new CopyOnWriteArrayList<>();

  /** Every request that reached a service, in order, whatever the answer. */
  final List<Message> received = new CopyOnWriteArrayList<>();

  /** The requests answered with success (including partial success), in order. */
  final List<Message> accepted = new CopyOnWriteArrayList<>();

  /** The request headers of every call, in order. */
  final List<Metadata> headers = new CopyOnWriteArrayList<>();

  /** The TLS protocol of every call ("TLSv1.3"), or "plaintext". */
  final List<String> transports = new CopyOnWriteArrayList<>();

  /** Message bytes as they came over the wire, and after decompression. */
  final AtomicLong wireBytes = new AtomicLong();

  final AtomicLong uncompressedBytes = new AtomicLong();
  private final Server server;

  private FakeCollector(int port, SslContext tls) throws IOException {
    NettyServerBuilder builder =
        NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", port))
            .directExecutor()
            .addStreamTracerFactory(new SizeRecorder())
            .addService(ServerInterceptors.intercept(new Metrics(), new HeaderRecorder()))
            .addService(ServerInterceptors.intercept(new Traces(), new HeaderRecorder()))
            .addService(ServerInterceptors.intercept(new Logs(), new HeaderRecorder()));
    if (tls != null) {
      builder.sslContext(tls);
    }
    server = builder.build().start();
  }

  /** A plaintext collector on a free port. */
  static FakeCollector start() throws IOException {
    return new FakeCollector(0, null);
  }

  /** A plaintext collector on {@code port}. */
  static FakeCollector start(int port) throws IOException {
    return new FakeCollector(port, null);
  }

  /** A TLS collector on a free port. */
  static FakeCollector startTls(SslContext tls) throws IOException {
    return new FakeCollector(0, tls);
  }

  int port() {
    return server.getPort();
  }

  /** Fails the next {@code calls} calls with {@code status}. */
  FakeCollector failNext(int calls, Status status) {
    return failNext(calls, status, null);
  }

  /** Fails the next {@code calls} calls with {@code status} and a RetryInfo of {@code retryAfter}. */
  FakeCollector failNext(int calls, Status status, Duration retryAfter) {
    for (int i = 0; i < calls; i++) {
      script.add(new Fail(status, retryAfter));
    }
    return this;
  }

  /** Accepts the next call (a step in a script of failures). */
  FakeCollector succeedNext() {
    script.add(new Ok());
    return this;
  }

  /** Leaves the next {@code calls} calls unanswered. */
  FakeCollector hangNext(int calls) {
    for (int i = 0; i < calls; i++) {
      script.add(new Hang());
    }
    return this;
  }

  /** Answers the next call with a partial success rejecting {@code rejected} items. */
  FakeCollector partialSuccessNext(long rejected, String message) {
    script.add(new Partial(rejected, message));
    return this;
  }

  int attempts() {
    return received.size();
  }

  <T extends Message> List<T> accepted(Class<T> type) {
    return accepted.stream().filter(type::isInstance).map(type::cast).toList();
  }

  private <Q extends Message, R> void handle(
      Q request, StreamObserver<R> observer, R ok, Function<Partial, R> partial) {
    received.add(request);
    Reply reply = script.poll();
    if (reply == null || reply instanceof Ok) {
      accepted.add(request);
      observer.onNext(ok);
      observer.onCompleted();
    } else if (reply instanceof Partial p) {
      accepted.add(request);
      observer.onNext(partial.apply(p));
      observer.onCompleted();
    } else if (reply instanceof Hang) {
      hung.add(observer);
    } else if (reply instanceof Fail f) {
      if (f.retryAfter() == null) {
        observer.onError(f.status().asRuntimeException());
      } else {
        observer.onError(
            StatusProto.toStatusRuntimeException(
                com.google.rpc.Status.newBuilder()
                    .setCode(f.status().getCode().value())
                    .setMessage(
                        f.status().getDescription() == null ? "" : f.status().getDescription())
                    .addDetails(
                        Any.pack(
                            RetryInfo.newBuilder()
                                .setRetryDelay(
                                    com.google.protobuf.Duration.newBuilder()
                                        .setSeconds(f.retryAfter().getSeconds())
                                        .setNanos(f.retryAfter().getNano()))
                                .build()))
                    .build()));
      }
    }
  }

  @Override
  public void close() {
    server.shutdownNow();
    try {
      server.awaitTermination(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private final class Metrics extends MetricsServiceGrpc.MetricsServiceImplBase {
    @Override
    public void export(
        ExportMetricsServiceRequest request,
        StreamObserver<ExportMetricsServiceResponse> observer) {
      handle(
          request,
          observer,
          ExportMetricsServiceResponse.getDefaultInstance(),
          p ->
              ExportMetricsServiceResponse.newBuilder()
                  .setPartialSuccess(
                      ExportMetricsPartialSuccess.newBuilder()
                          .setRejectedDataPoints(p.rejected())
                          .setErrorMessage(p.message()))
                  .build());
    }
  }

  private final class Traces extends TraceServiceGrpc.TraceServiceImplBase {
    @Override
    public void export(
        ExportTraceServiceRequest request, StreamObserver<ExportTraceServiceResponse> observer) {
      handle(
          request,
          observer,
          ExportTraceServiceResponse.getDefaultInstance(),
          p ->
              ExportTraceServiceResponse.newBuilder()
                  .setPartialSuccess(
                      ExportTracePartialSuccess.newBuilder()
                          .setRejectedSpans(p.rejected())
                          .setErrorMessage(p.message()))
                  .build());
    }
  }

  private final class Logs extends LogsServiceGrpc.LogsServiceImplBase {
    @Override
    public void export(
        ExportLogsServiceRequest request, StreamObserver<ExportLogsServiceResponse> observer) {
      handle(
          request,
          observer,
          ExportLogsServiceResponse.getDefaultInstance(),
          p ->
              ExportLogsServiceResponse.newBuilder()
                  .setPartialSuccess(
                      ExportLogsPartialSuccess.newBuilder()
                          .setRejectedLogRecords(p.rejected())
                          .setErrorMessage(p.message()))
                  .build());
    }
  }

  private final class HeaderRecorder implements ServerInterceptor {
    @Override
    public <Q, R> ServerCall.Listener<Q> interceptCall(
        ServerCall<Q, R> call, Metadata metadata, ServerCallHandler<Q, R> next) {
      headers.add(metadata);
      SSLSession session = call.getAttributes().get(Grpc.TRANSPORT_ATTR_SSL_SESSION);
      transports.add(session == null ? "plaintext" : session.getProtocol());
      return next.startCall(call, metadata);
    }
  }

  private final class SizeRecorder extends ServerStreamTracer.Factory {
    @Override
    public ServerStreamTracer newServerStreamTracer(String fullMethodName, Metadata metadata) {
      return new ServerStreamTracer() {
        @Override
        public void inboundWireSize(long bytes) {
          wireBytes.addAndGet(bytes);
        }

        @Override
        public void inboundUncompressedSize(long bytes) {
          uncompressedBytes.addAndGet(bytes);
        }
      };
    }
  }
}
