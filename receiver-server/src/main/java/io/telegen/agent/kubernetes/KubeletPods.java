package io.telegen.agent.kubernetes;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.telegen.node.DeviceAttribution;
import io.telegen.node.GpuRef;
import io.telegen.proto.podresources.v1.PodResources;
import io.telegen.source.Labels;
import io.telegen.source.ProblemLog;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.LongSupplier;
import java.util.logging.Logger;

/**
 * The pods holding this node's GPUs, as the kubelet lists them: a {@link DeviceAttribution} that
 * answers from the last {@code List}, re-listed on its own thread every {@code interval} and soon
 * after a GPU source asks about a device nobody holds (a pod that just started). The GPU sources'
 * threads never wait on the kubelet.
 *
 * <p>A kubelet that is away or refuses (socket gone, no permission, UNAVAILABLE, a deadline)
 * costs only the labels: nobody is known until it answers again, one line says it went and one
 * that it is back.
 */
public final class KubeletPods implements DeviceAttribution, AutoCloseable {

  private static final Logger logger = Logger.getLogger(KubeletPods.class.getName());

  /** How often the kubelet is listed. */
  public static final Duration INTERVAL = Duration.ofSeconds(5);

  /** The soonest a device nobody holds makes the kubelet be listed again. */
  public static final Duration UNKNOWN_DEVICE_RELIST = Duration.ofSeconds(1);

  private final PodResourcesClient client;
  private final ProblemLog problems = new ProblemLog(logger, "Kubernetes");
  private final LongSupplier nanoClock;
  private final ScheduledExecutorService refresher;
  private final AtomicBoolean refreshQueued = new AtomicBoolean();
  // The devices the GPU sources asked about, for gpu_allocation_info's device and uuid labels.
  private final Map<GpuRef, Boolean> devices = new ConcurrentHashMap<>();
  private volatile PodDevices pods = PodDevices.none();
  private volatile long lastListNanos;
  private volatile boolean answering;

  private KubeletPods(PodResourcesClient client, LongSupplier nanoClock, boolean background) {
    this.client = Objects.requireNonNull(client, "client");
    this.nanoClock = nanoClock;
    this.refresher =
        background
            ? Executors.newSingleThreadScheduledExecutor(
                r -> {
                  Thread t = new Thread(r, "telegen-kubelet");
                  t.setDaemon(true);
                  return t;
                })
            : null;
  }

  /**
   * Lists the kubelet once now (so that the first collection already has the pods), then every
   * {@link #INTERVAL} on its own thread.
   */
  public static KubeletPods start(PodResourcesClient client) {
    return start(client, INTERVAL);
  }

  /** As {@link #start(PodResourcesClient)}, listing every {@code interval}. */
  static KubeletPods start(PodResourcesClient client, Duration interval) {
    KubeletPods kubelet = new KubeletPods(client, System::nanoTime, true);
    kubelet.refresh();
    long every = interval.toMillis();
    kubelet.refresher.scheduleWithFixedDelay(kubelet::refresh, every, every, TimeUnit.MILLISECONDS);
    return kubelet;
  }

  /** Without a thread: lists only when {@link #refresh()} is called. For tests. */
  static KubeletPods manual(PodResourcesClient client) {
    return new KubeletPods(client, System::nanoTime, false);
  }

  /**
   * Lists the kubelet now and replaces what is known. On failure nobody is known until the
   * kubelet answers again.
   *
   * @return whether the kubelet answered
   */
  public boolean refresh() {
    // The time first: a relistSoon that takes the flag once it is clear then sees this list.
    lastListNanos = nanoClock.getAsLong();
    refreshQueued.set(false);
    try {
      PodDevices fresh = PodDevices.of(list());
      pods = fresh;
      answering = true;
      problems.clear(
          "kubelet",
          "pod resources from "
              + client.socket()
              + " answer again ("
              + fresh.podsWithDevices()
              + " pods with devices); GPU series carry their pods again");
      return true;
    } catch (StatusRuntimeException e) {
      pods = PodDevices.none();
      answering = false;
      problems.report(
          "kubelet",
          "the kubelet's pod resources at "
              + client.socket()
              + " do not answer ("
              + describe(e)
              + "); GPU series go without k8s_pod, k8s_namespace and k8s_container until it"
              + " does. Check that the kubelet runs and that the agent mounts"
              + " /var/lib/kubelet/pod-resources and may read the socket");
      return false;
    } catch (RuntimeException e) {
      pods = PodDevices.none();
      answering = false;
      problems.report(
          "kubelet",
          "reading the kubelet's pod resources at "
              + client.socket()
              + " failed ("
              + e
              + "); GPU series go without pod labels until it answers");
      return false;
    }
  }

  /**
   * The kubelet's pods. A call that fails UNAVAILABLE is tried once more on a fresh connection
   * (a restarted kubelet); when that fails too, the first failure is the one to report, since it
   * says why the connection failed (no such file, permission denied, refused).
   */
  private List<PodResources> list() {
    try {
      return client.list();
    } catch (StatusRuntimeException e) {
      if (e.getStatus().getCode() != Status.Code.UNAVAILABLE) {
        throw e;
      }
      try {
        return client.listReconnecting();
      } catch (StatusRuntimeException again) {
        e.addSuppressed(again);
        throw e;
      }
    }
  }

  /** Whether the last {@code List} was answered. */
  public boolean answering() {
    return answering;
  }

  /** What the last {@code List} said. */
  public PodDevices pods() {
    return pods;
  }

  /**
   * How many devices of each resource the kubelet allocates ({@code GetAllocatableResources}),
   * for the start-up findings; empty where the kubelet does not serve the call (an older one, or
   * its feature gate off) or does not answer.
   */
  public Map<String, Integer> allocatable() {
    Map<String, Integer> counts = new TreeMap<>();
    try {
      client
          .allocatable()
          .ifPresent(
              response ->
                  response
                      .getDevicesList()
                      .forEach(
                          devices ->
                              counts.merge(
                                  devices.getResourceName(),
                                  devices.getDeviceIdsCount(),
                                  Integer::sum)));
    } catch (StatusRuntimeException e) {
      return Map.of();
    }
    return counts;
  }

  /** The devices the GPU sources asked about since the start, for {@code gpu_allocation_info}. */
  List<GpuRef> devices() {
    return devices.keySet().stream().sorted().toList();
  }

  @Override
  public Labels labelsOf(GpuRef device) {
    devices.putIfAbsent(device, Boolean.TRUE);
    PodDevices now = pods;
    List<PodDevices.Holder> holders = now.holdersOf(device);
    if (holders.isEmpty()) {
      relistSoon();
      return Labels.empty();
    }
    return holders.size() == 1 ? holders.get(0).labels() : Labels.empty();
  }

  /** A device nobody holds may be a pod that started since the last list: list again soon. */
  private void relistSoon() {
    if (refresher == null || !refreshQueued.compareAndSet(false, true)) {
      return;
    }
    // Read after taking the flag: a list that began meanwhile counts (one list, not two).
    if (nanoClock.getAsLong() - lastListNanos < UNKNOWN_DEVICE_RELIST.toNanos()) {
      refreshQueued.set(false);
      return;
    }
    try {
      refresher.execute(this::refresh);
    } catch (RejectedExecutionException closed) {
      // Closed while a GPU source was still collecting: nothing to list any more.
    }
  }

  private static String describe(StatusRuntimeException e) {
    String description = e.getStatus().getDescription();
    Throwable cause = e.getStatus().getCause();
    return e.getStatus().getCode()
        + (description == null ? "" : ": " + description)
        + (cause == null || cause.getMessage() == null ? "" : " (" + cause.getMessage() + ")");
  }

  @Override
  public void close() {
    if (refresher != null) {
      refresher.shutdownNow();
    }
    client.close();
  }
}
