package io.telegen.agent.kubernetes;

import io.grpc.ManagedChannel;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.NettyChannelBuilder;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.EpollDomainSocketChannel;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.unix.DomainSocketAddress;
import io.telegen.node.PodCgroup;
import io.telegen.node.ProcessAttribution;
import io.telegen.proto.cri.v1.Container;
import io.telegen.proto.cri.v1.ListContainersRequest;
import io.telegen.proto.cri.v1.ListPodSandboxRequest;
import io.telegen.proto.cri.v1.PodSandbox;
import io.telegen.proto.cri.v1.RuntimeServiceGrpc;
import io.telegen.source.Labels;
import io.telegen.source.ProblemLog;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import java.util.logging.Logger;

/**
 * The pod of a process, from what the node offers without cluster credentials: the process's
 * cgroup names its pod UID and container id ({@link PodCgroup}), and the container runtime's CRI
 * socket (containerd, CRI-O) names that container's pod, namespace and container
 * ({@code ListContainers}, {@code ListPodSandbox}). Chosen over the kubelet's PodResources API,
 * which knows only containers that were allocated devices: a vLLM server or a rank is in a pod
 * whether or not it holds a device plugin's GPU.
 *
 * <p>The runtime is asked again only when a process's container is not among those listed, and
 * then at most once per {@link #RELIST_EVERY}; a pid's cgroup is read once. A runtime that is away
 * or refuses costs only the labels, logged once and once when it answers again.
 */
public final class CriProcessPods implements ProcessAttribution, AutoCloseable {

  private static final Logger logger = Logger.getLogger(CriProcessPods.class.getName());

  /** The least time between two listings of the runtime's containers. */
  static final Duration RELIST_EVERY = Duration.ofSeconds(10);

  private static final Duration CALL_DEADLINE = Duration.ofSeconds(2);
  private static final String POD_NAME = "io.kubernetes.pod.name";
  private static final String POD_NAMESPACE = "io.kubernetes.pod.namespace";
  private static final String CONTAINER_NAME = "io.kubernetes.container.name";
  private static final Optional<PodCgroup> NOT_IN_A_POD = Optional.empty();

  private final Path procRoot;
  private final Path socket;
  private final LongSupplier nanoTime;
  private final EventLoopGroup group;
  private final ManagedChannel channel;
  private final ProblemLog problems = new ProblemLog(logger, "Kubernetes");
  private final Map<Integer, Optional<PodCgroup>> cgroups = new ConcurrentHashMap<>();
  private volatile Map<String, Labels> containers = Map.of();
  private long listedNanos;
  private boolean listedOnce;

  /**
   * @param procRoot the host's {@code /proc}
   * @param socket the runtime's CRI socket ({@code agent.kubernetes.cri_socket})
   */
  public CriProcessPods(Path procRoot, Path socket) {
    this(procRoot, socket, System::nanoTime);
  }

  CriProcessPods(Path procRoot, Path socket, LongSupplier nanoTime) {
    this.procRoot = procRoot;
    this.socket = socket;
    this.nanoTime = nanoTime;
    this.group = new MultiThreadIoEventLoopGroup(1, EpollIoHandler.newFactory());
    this.channel =
        NettyChannelBuilder.forAddress(new DomainSocketAddress(socket.toString()))
            .eventLoopGroup(group)
            .channelType(EpollDomainSocketChannel.class)
            .usePlaintext()
            .build();
  }

  /**
   * The first of containerd's and CRI-O's sockets that exists under {@code root} (the host's
   * {@code /}), or empty.
   */
  public static Optional<Path> defaultSocket(Path root) {
    for (String candidate : List.of("run/containerd/containerd.sock", "var/run/crio/crio.sock")) {
      Path path = root.resolve(candidate);
      if (Files.exists(path)) {
        return Optional.of(path);
      }
    }
    return Optional.empty();
  }

  @Override
  public Labels labelsOf(int pid) {
    Optional<PodCgroup> pod = cgroups.computeIfAbsent(pid, this::readCgroup);
    if (pod.isEmpty()) {
      return Labels.empty();
    }
    String id = pod.get().containerId();
    Labels labels = containers.get(id);
    if (labels == null && relist()) {
      labels = containers.get(id);
    }
    return labels == null ? Labels.empty() : labels;
  }

  /** Forgets the cgroups of pids that are gone, so a reused pid is read again. */
  public void retainPids(Set<Integer> alive) {
    cgroups.keySet().retainAll(alive);
  }

  private Optional<PodCgroup> readCgroup(int pid) {
    try {
      return PodCgroup.parse(Files.readString(procRoot.resolve(pid + "/cgroup")));
    } catch (IOException | RuntimeException e) {
      return NOT_IN_A_POD;
    }
  }

  /** Lists the runtime's containers and pods again, unless that was done a moment ago. */
  private synchronized boolean relist() {
    long now = nanoTime.getAsLong();
    if (listedOnce && now - listedNanos < RELIST_EVERY.toNanos()) {
      return false;
    }
    listedOnce = true;
    listedNanos = now;
    try {
      RuntimeServiceGrpc.RuntimeServiceBlockingStub stub =
          RuntimeServiceGrpc.newBlockingStub(channel)
              .withDeadlineAfter(CALL_DEADLINE.toMillis(), TimeUnit.MILLISECONDS);
      Map<String, PodSandbox> sandboxes = new HashMap<>();
      for (PodSandbox sandbox :
          stub.listPodSandbox(ListPodSandboxRequest.getDefaultInstance()).getItemsList()) {
        sandboxes.put(sandbox.getId(), sandbox);
      }
      Map<String, Labels> found = new HashMap<>();
      for (Container container :
          stub.listContainers(ListContainersRequest.getDefaultInstance()).getContainersList()) {
        found.put(container.getId(), labels(container, sandboxes.get(container.getPodSandboxId())));
      }
      containers = Map.copyOf(found);
      problems.clear(
          "cri", "the container runtime at " + socket + " answers again; pod labels are back");
      return true;
    } catch (StatusRuntimeException e) {
      problems.report(
          "cri",
          "the container runtime at "
              + socket
              + " did not list its containers ("
              + e.getStatus().getCode()
              + (e.getStatus().getDescription() == null
                  ? ""
                  : ": " + e.getStatus().getDescription())
              + "); process, server and training series lack k8s_pod until it answers; check "
              + "agent.kubernetes.cri_socket and that the agent may open the socket");
      return false;
    }
  }

  /** The pod labels of {@code container}: the runtime's kubelet labels, else the sandbox's. */
  private static Labels labels(Container container, PodSandbox sandbox) {
    Map<String, String> own = container.getLabelsMap();
    String pod = own.get(POD_NAME);
    String namespace = own.get(POD_NAMESPACE);
    String name = own.get(CONTAINER_NAME);
    if (sandbox != null) {
      pod = pod == null ? sandbox.getMetadata().getName() : pod;
      namespace = namespace == null ? sandbox.getMetadata().getNamespace() : namespace;
    }
    name = name == null ? container.getMetadata().getName() : name;
    if (pod == null || pod.isEmpty() || namespace == null || namespace.isEmpty()) {
      return Labels.empty();
    }
    return Labels.of("k8s_pod", pod, "k8s_namespace", namespace, "k8s_container", name);
  }

  @Override
  public void close() {
    channel.shutdownNow();
    group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
  }
}
