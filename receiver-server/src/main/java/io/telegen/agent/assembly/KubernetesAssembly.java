package io.telegen.agent.assembly;

import io.telegen.agent.config.AgentConfig;
import io.telegen.agent.kubernetes.CriProcessPods;
import io.telegen.agent.kubernetes.GpuAllocationSource;
import io.telegen.agent.kubernetes.KubeletPods;
import io.telegen.agent.kubernetes.PodResourcesClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Pods from the node: which pod container holds each GPU and MIG device, from the kubelet's
 * PodResources API, contributed to the GPU sources as a device attribution with {@code
 * gpu_allocation_info} every GPU poll interval; and the pod of each process, from its cgroup and
 * the container runtime's CRI socket, contributed to every source as a process attribution. On by
 * default where the kubelet's socket exists.
 */
final class KubernetesAssembly implements CapabilityAssembly {

  /** A kubelet answers in milliseconds; one that does not within this costs the labels only. */
  static final Duration DEADLINE = Duration.ofSeconds(1);

  /** How often the runtime's listing is looked at: listed again only when one is needed. */
  static final Duration CRI_CHECK_EVERY = Duration.ofSeconds(1);

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
    Assembled.Builder assembled = Assembled.builder();
    KubeletPods kubelet = KubeletPods.start(new PodResourcesClient(socket, DEADLINE));
    assembled
        .source(
            new ScheduledSource(
                new GpuAllocationSource(kubelet), node.config().gpu().pollInterval()))
        .deviceAttribution(kubelet)
        .finding(
            kubelet.answering()
                ? "Kubernetes: pod resources from "
                    + socket
                    + " ("
                    + kubelet.pods().podsWithDevices()
                    + " pods with devices)"
                    + allocating(kubelet)
                : "Kubernetes: pod resources from "
                    + socket
                    + " do not answer yet; GPU series carry their pods once they do");
    addProcessPods(node, kubernetes, assembled);
    return assembled.build();
  }

  /** What the kubelet allocates, e.g. {@code ; the kubelet allocates 8 nvidia.com/gpu}. */
  private static String allocating(KubeletPods kubelet) {
    Map<String, Integer> allocatable = kubelet.allocatable();
    if (allocatable.isEmpty()) {
      return "";
    }
    List<String> counts = new ArrayList<>();
    allocatable.forEach((resource, count) -> counts.add(count + " " + resource));
    return "; the kubelet allocates " + String.join(", ", counts);
  }

  /** The pods of processes, where a container runtime's CRI socket is configured or found. */
  private static void addProcessPods(
      NodeContext node, AgentConfig.Kubernetes kubernetes, Assembled.Builder assembled) {
    Optional<Path> runtime =
        kubernetes
            .criSocket()
            .or(
                () ->
                    AgentConfig.Kubernetes.DEFAULT_CRI_SOCKETS.stream()
                        .filter(Files::exists)
                        .findFirst());
    if (runtime.isEmpty()) {
      assembled.finding(
          "Kubernetes: no container runtime socket at "
              + AgentConfig.Kubernetes.DEFAULT_CRI_SOCKETS
              + ", so process, serving and training series carry no pod (GPU series do); set"
              + " agent.kubernetes.cri_socket where containerd's or CRI-O's socket is mounted");
      return;
    }
    CriProcessPods pods = CriProcessPods.start(node.procRoot(), runtime.get());
    assembled
        .processAttribution(pods)
        // Its listings run on the scheduler's thread, so a runtime that hangs holds no source.
        .source(new ScheduledSource(pods, CRI_CHECK_EVERY))
        .finding(
            "Kubernetes: pods of processes from their cgroups under "
                + node.procRoot()
                + " and the container runtime at "
                + runtime.get()
                + (pods.answering()
                    ? " (" + pods.containers() + " pod containers)"
                    : " (not answering yet; they carry their pods once it does)"));
  }
}
