package io.telegen.agent.assembly;

import io.telegen.agent.config.AgentConfig;
import io.telegen.agent.kubernetes.GpuAllocationSource;
import io.telegen.agent.kubernetes.KubeletPods;
import io.telegen.agent.kubernetes.PodResourcesClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

/**
 * Pods from the kubelet's PodResources API: which pod container holds each GPU and MIG device,
 * contributed to the GPU sources after it as a device attribution, and {@code
 * gpu_allocation_info} every GPU poll interval. On by default where the socket exists.
 */
final class KubernetesAssembly implements CapabilityAssembly {

  /** A kubelet answers in milliseconds; one that does not within this costs the labels only. */
  static final Duration DEADLINE = Duration.ofSeconds(1);

  @Override
  public Assembled assemble(NodeContext node) {
    AgentConfig.Kubernetes kubernetes = node.config().kubernetes();
    Path socket = kubernetes.podResourcesSocket();
    boolean exists = Files.exists(socket);
    if (kubernetes.enabled().isPresent() && !kubernetes.enabled().get()) {
      return Assembled.builder()
          .finding("Kubernetes: off (agent.kubernetes.enabled: false)")
          .build();
    }
    if (kubernetes.enabled().isEmpty() && !exists) {
      return Assembled.builder()
          .finding(
              "Kubernetes: off (no socket at "
                  + socket
                  + "; set agent.kubernetes.pod_resources_socket where the kubelet's"
                  + " pod-resources directory is mounted)")
          .build();
    }
    KubeletPods kubelet = KubeletPods.start(new PodResourcesClient(socket, DEADLINE));
    String finding =
        kubelet.answering()
            ? "Kubernetes: pod resources from "
                + socket
                + " ("
                + kubelet.pods().podsWithDevices()
                + " pods with devices)"
            : "Kubernetes: pod resources from "
                + socket
                + " do not answer yet; GPU series carry their pods once they do";
    return Assembled.builder()
        .source(
            new ScheduledSource(
                new GpuAllocationSource(kubelet), node.config().gpu().pollInterval()))
        .deviceAttribution(kubelet)
        .finding(finding)
        .build();
  }
}
