package io.telegen.agent.receiver;

import io.grpc.BindableService;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.protobuf.services.HealthStatusManager;
import io.telegen.agent.export.ExportState;

/**
 * The standard {@code grpc.health.v1.Health} service the receiver serves beside OTLP, for
 * Kubernetes gRPC probes and {@code grpc_health_probe}:
 *
 * <ul>
 *   <li>the empty service name {@code ""} (what a probe without {@code service} asks, the liveness
 *       probe) is {@code SERVING} while the process runs: a collector that is away is no reason to
 *       restart the agent, which keeps its data queued and retries by itself;
 *   <li>{@value #EXPORT_SERVICE} (the readiness probe) is {@code SERVING} while the agent can
 *       deliver to its collector and {@code NOT_SERVING} during an outage, so a rollout waits for
 *       agents that cannot export and {@code kubectl get pods} shows them.
 * </ul>
 *
 * Both turn {@code NOT_SERVING} for good when the receiver shuts down.
 */
public final class ReceiverHealth {

  /** The service name whose status follows the export loop. */
  public static final String EXPORT_SERVICE = "telegen.export";

  private final HealthStatusManager manager = new HealthStatusManager();

  /** Both services {@code SERVING} until told otherwise. */
  public ReceiverHealth() {
    manager.setStatus(HealthStatusManager.SERVICE_NAME_ALL_SERVICES, ServingStatus.SERVING);
    manager.setStatus(EXPORT_SERVICE, ServingStatus.SERVING);
  }

  /** Records what the export loop found; hand it to {@code ExportLoop.onStateChange}. */
  public void exportState(ExportState state) {
    manager.setStatus(
        EXPORT_SERVICE,
        state == ExportState.EXPORTING ? ServingStatus.SERVING : ServingStatus.NOT_SERVING);
  }

  BindableService service() {
    return manager.getHealthService();
  }

  /** Every service {@code NOT_SERVING} from now on: the receiver is going away. */
  void shutDown() {
    manager.enterTerminalState();
  }
}
