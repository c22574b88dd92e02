package io.telegen.integration;

import io.grpc.ManagedChannel;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.netty.NettyChannelBuilder;
import java.util.concurrent.TimeUnit;

/**
 * Asks the agent's {@code grpc.health.v1.Health} service what a Kubernetes gRPC probe asks: the
 * status of one service name on the receiver's port, over plaintext, one call per question.
 */
final class HealthProbe {

  /** Liveness: the empty service name. */
  static final String LIVENESS = "";

  /** Readiness: the service that follows the agent's export (ReceiverHealth.EXPORT_SERVICE). */
  static final String READINESS = "telegen.export";

  private HealthProbe() {}

  static ServingStatus status(String target, String service) {
    ManagedChannel channel = NettyChannelBuilder.forTarget(target).usePlaintext().build();
    try {
      return HealthGrpc.newBlockingStub(channel)
          .withDeadlineAfter(5, TimeUnit.SECONDS)
          .check(HealthCheckRequest.newBuilder().setService(service).build())
          .getStatus();
    } finally {
      channel.shutdownNow();
    }
  }
}
