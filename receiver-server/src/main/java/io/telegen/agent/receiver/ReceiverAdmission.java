package io.telegen.agent.receiver;

import com.google.rpc.Code;
import com.google.rpc.RetryInfo;
import io.grpc.ForwardingServerCallListener;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.StatusException;
import io.grpc.protobuf.StatusProto;
import io.telegen.agent.export.Signal;
import io.telegen.agent.telemetry.AgentTelemetry;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * How many export requests the receiver takes in at once. gRPC reads a request's whole body into
 * (direct) buffers before any handler runs, and then decodes it on a thread of its own, so that
 * dozens of clients sending large requests at once exhaust the agent's small direct-memory and
 * heap budgets (the transport then drops connections with {@code INTERNAL}, which OTLP senders do
 * not retry) long before the export queue could say it is full. A call beyond the bound is
 * answered at once, when its headers arrive and before its body is buffered, with {@code
 * RESOURCE_EXHAUSTED} and a {@code RetryInfo}, which OTLP senders retry after the delay; it is
 * counted as {@code outcome="unavailable"}, as a full queue is.
 */
final class ReceiverAdmission {

  /** The start of the refusal's description, which the too_large counter leaves alone. */
  static final String DESCRIPTION = "the agent's OTLP receiver is handling";

  /** The request bytes the receiver holds at once at most (in calls of the size limit). */
  static final long IN_FLIGHT_BYTES = 16L * 1024 * 1024;

  /**
   * The HTTP/2 flow-control window per stream: bytes a client sends before the receiver takes
   * them in. 64 KiB keeps loopback and node-local senders at full speed.
   */
  static final int RECEIVE_WINDOW = 64 * 1024;

  private final int maxCalls;
  private final AgentTelemetry telemetry;
  private final com.google.protobuf.Duration retryDelay;
  private final AtomicInteger active = new AtomicInteger();

  ReceiverAdmission(
      int maxCalls, AgentTelemetry telemetry, com.google.protobuf.Duration retryDelay) {
    if (maxCalls < 1) {
      throw new IllegalArgumentException("maxCalls must be >= 1, got " + maxCalls);
    }
    this.maxCalls = maxCalls;
    this.telemetry = telemetry;
    this.retryDelay = retryDelay;
  }

  /** As many calls of {@code maxRequestBytes} as fit in {@link #IN_FLIGHT_BYTES}, 2 at least. */
  static int callsFor(long maxRequestBytes) {
    return (int) Math.max(2, Math.min(1024, IN_FLIGHT_BYTES / Math.max(1, maxRequestBytes)));
  }

  int maxCalls() {
    return maxCalls;
  }

  /** The interceptor for one signal's service. */
  ServerInterceptor interceptor(Signal signal) {
    return new ServerInterceptor() {
      @Override
      public <Q, R> ServerCall.Listener<Q> interceptCall(
          ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
        if (active.incrementAndGet() > maxCalls) {
          active.decrementAndGet();
          telemetry.receiverRequest(signal, "unavailable");
          StatusException refusal =
              StatusProto.toStatusException(
                  com.google.rpc.Status.newBuilder()
                      .setCode(Code.RESOURCE_EXHAUSTED_VALUE)
                      .setMessage(
                          DESCRIPTION
                              + " "
                              + maxCalls
                              + " requests already (agent.receiver.max_request_size bounds"
                              + " each); retry after the RetryInfo delay")
                      .addDetails(
                          com.google.protobuf.Any.pack(
                              RetryInfo.newBuilder().setRetryDelay(retryDelay).build()))
                      .build());
          call.close(refusal.getStatus(), refusal.getTrailers());
          return new ServerCall.Listener<>() {};
        }
        ServerCall.Listener<Q> listener;
        try {
          listener = next.startCall(call, headers);
        } catch (RuntimeException e) {
          active.decrementAndGet();
          throw e;
        }
        return new ForwardingServerCallListener.SimpleForwardingServerCallListener<>(listener) {
          private boolean done;

          private void end() {
            if (!done) {
              done = true;
              active.decrementAndGet();
            }
          }

          @Override
          public void onComplete() {
            end();
            super.onComplete();
          }

          @Override
          public void onCancel() {
            end();
            super.onCancel();
          }
        };
      }
    };
  }
}
