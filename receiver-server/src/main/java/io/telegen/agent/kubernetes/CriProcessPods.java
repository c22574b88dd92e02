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
import io.telegen.source.MetricBatch;
import io.telegen.source.MetricSource;
import io.telegen.source.ProblemLog;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import java.util.logging.Logger;

/**
 * The pod of a process, from what the node offers without cluster credentials: the process's
 * cgroup names its pod UID and container id ({@link PodCgroup}), and the container runtime's CRI
 * socket (containerd, CRI-O) names that container's pod, namespace and container
 * ({@code ListContainers}, {@code ListPodSandbox}). Chosen over the kubelet's PodResources API,
 * which knows only containers that were allocated devices, and by name only: a vLLM server or a
 * rank is in a pod whether or not it holds a device plugin's GPU, and a process is found in a
 * container by the container's id.
 *
 * <p>{@link #labelsOf} answers from what was listed (the sources ask it on their threads and a
 * runtime that hangs must not hold them); a pid's cgroup is read once. The runtime is listed at
 * start and by {@link #collect} on the scheduler's thread: within {@link #RELIST_SOON} when a
 * process was seen in a container not yet listed (a pod that just started), and every {@link
 * #RELIST_EVERY} regardless, so containers that went away are forgotten. A runtime that is away
 * or refuses costs only the labels, logged once and once when it answers again.
 */
public final class CriProcessPods implements ProcessAttribution, MetricSource {

  private static final Logger logger = Logger.getLogger(CriProcessPods.class.getName());

  /** The least time between two listings for a container not known yet. */
  static final Duration RELIST_SOON = Duration.ofSeconds(2);

  /** The longest time between two listings. */
  static final Duration RELIST_EVERY = Duration.ofSeconds(60);

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
  private volatile boolean unknownSeen;
  private long listedNanos;
  private boolean answered;

  /**
   * Connects to the runtime and lists its containers once.
   *
   * @param procRoot the host's {@code /proc}
   * @param socket the runtime's CRI socket ({@code agent.kubernetes.cri_socket})
   */
  public static CriProcessPods start(Path procRoot, Path socket) {
    return start(procRoot, socket, System::nanoTime);
  }

  static CriProcessPods start(Path procRoot, Path socket, LongSupplier nanoTime) {
    CriProcessPods pods = new CriProcessPods(procRoot, socket, nanoTime);
    pods.list();
    return pods;
  }

  private CriProcessPods(Path procRoot, Path socket, LongSupplier nanoTime) {
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

  @Override
  public String name() {
    return "cri";
  }

  @Override
  public String logName() {
    return "the container runtime at " + socket;
  }

  /** Whether the last listing succeeded. */
  public synchronized boolean answering() {
    return answered;
  }

  /** How many containers the last listing named. */
  public int containers() {
    return containers.size();
  }

  @Override
  public Labels labelsOf(int pid) {
    Optional<PodCgroup> pod = cgroups.computeIfAbsent(pid, this::readCgroup);
    if (pod.isEmpty()) {
      return Labels.empty();
    }
    Labels labels = containers.get(pod.get().containerId());
    if (labels == null) {
      unknownSeen = true;
      return Labels.empty();
    }
    return labels;
  }

  /**
   * Lists the runtime's containers again when a process was seen in one not listed, or when the
   * last listing is old; forgets the cgroups of pids that exited. Writes no series.
   */
  @Override
  public void collect(MetricBatch batch) {
    long since;
    synchronized (this) {
      since = nanoTime.getAsLong() - listedNanos;
    }
    if (since >= RELIST_EVERY.toNanos() || (unknownSeen && since >= RELIST_SOON.toNanos())) {
      // The cache stays as large as the live processes asked about; a reused pid is read again.
      cgroups.keySet().removeIf(pid -> !Files.exists(procRoot.resolve(Integer.toString(pid))));
      list();
    }
  }

  private Optional<PodCgroup> readCgroup(int pid) {
    try {
      return PodCgroup.parse(Files.readString(procRoot.resolve(pid + "/cgroup")));
    } catch (IOException | RuntimeException e) {
      return NOT_IN_A_POD;
    }
  }

  private synchronized void list() {
    listedNanos = nanoTime.getAsLong();
    unknownSeen = false;
    try {
      RuntimeServiceGrpc.RuntimeServiceBlockingStub stub =
          RuntimeServiceGrpc.newBlockingStub(channel)
              .withDeadlineAfter(CALL_DEADLINE.toMillis(), TimeUnit.MILLISECONDS);
      List<PodSandbox> sandboxes =
          stub.listPodSandbox(ListPodSandboxRequest.getDefaultInstance()).getItemsList();
      containers =
          labelsByContainer(
              sandboxes,
              stub.listContainers(ListContainersRequest.getDefaultInstance()).getContainersList());
      answered = true;
      problems.clear(
          "cri", "the container runtime at " + socket + " answers again; pod labels are back");
    } catch (StatusRuntimeException e) {
      answered = false;
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
    }
  }

  /**
   * The pod labels of each container in a pod, by container id, from the runtime's two listings;
   * package-private for the fuzz test of the responses.
   */
  static Map<String, Labels> labelsByContainer(
      List<PodSandbox> sandboxes, List<Container> containers) {
    Map<String, PodSandbox> byId = new HashMap<>();
    for (PodSandbox sandbox : sandboxes) {
      byId.put(sandbox.getId(), sandbox);
    }
    Map<String, Labels> found = new HashMap<>();
    for (Container container : containers) {
      Labels labels = labels(container, byId.get(container.getPodSandboxId()));
      if (!labels.attributes().isEmpty()) {
        found.put(container.getId(), labels);
      }
    }
    return Map.copyOf(found);
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
