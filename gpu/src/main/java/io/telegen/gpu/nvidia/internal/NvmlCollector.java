package io.telegen.gpu.nvidia.internal;

import com.sun.jna.Memory;
import io.telegen.gpu.GpuOptions;
import io.telegen.gpu.internal.DeferredShutdown;
import io.telegen.gpu.internal.ProcessLabels;
import io.telegen.node.DeviceAttribution;
import io.telegen.node.GpuProcessSnapshot;
import io.telegen.node.NodeAttribution;
import io.telegen.source.Labels;
import io.telegen.source.MetricBatch;
import io.telegen.source.ProblemLog;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import java.util.logging.Logger;

/**
 * Everything NVML on this node: the loaded library, the discovered GPUs, and the thread that
 * takes the slow readings (PCIe throughput blocks about 20 ms per call, GPM needs samples 100 ms
 * apart) so that a collection never waits for them.
 *
 * <p>Collections never overlap: the GPUs' native buffers and caches belong to one collection at a
 * time, under {@link #collecting}. A collection that finds another still running (a call stuck in
 * the driver, which no interrupt ends) fails at once instead of waiting or sharing the buffers.
 *
 * <p>This class is internal and is hence not for public use. Its APIs are unstable and can
 * change at any time.
 */
public final class NvmlCollector implements AutoCloseable {

  private static final Logger logger = Logger.getLogger(NvmlCollector.class.getName());

  private final Nvml nvml;
  private final GpuOptions options;
  // The answering GPUs by index, replaced whole on the collection thread when one is picked up
  // or rediscovered; the sampling thread reads the latest list.
  private volatile List<NvmlGpu> gpus;
  // GPUs NVML counts that do not answer (yet), by index; replaced whole like gpus.
  private volatile List<AbsentGpu> absent;
  private final int count;
  private final Memory gpmBuffer;
  private final Memory probe = new Memory(8);
  // Replaced GPUs, closed by the sampling thread at the start of its next pass.
  private final Queue<NvmlGpu> retired = new ConcurrentLinkedQueue<>();
  private final ProblemLog answering = new ProblemLog(logger, "NVIDIA GPUs");
  private final Map<String, String> info;
  private final ProcessLabels names;
  private final long startUnixNanos;
  private final DeviceAttribution attribution;
  private final ProblemLog sampling = new ProblemLog(logger, "NVIDIA GPUs");

  /** Held by the running collection; guards the GPUs' collection buffers and caches. */
  private final ReentrantLock collecting = new ReentrantLock();

  private final DeferredShutdown shutdown;

  // The GPU process table of the last collection; replaced whole, never mutated.
  private volatile GpuProcessSnapshot snapshot = GpuProcessSnapshot.empty();

  private NvmlCollector(
      Nvml nvml,
      GpuOptions options,
      List<NvmlGpu> gpus,
      List<AbsentGpu> absent,
      int count,
      Memory gpmBuffer,
      Map<String, String> info,
      long startUnixNanos,
      NodeAttribution attribution) {
    this.nvml = nvml;
    this.options = options;
    this.gpus = gpus;
    this.absent = absent;
    this.count = count;
    this.gpmBuffer = gpmBuffer;
    absent.forEach(this::reportAbsent);
    this.info = info;
    this.names = new ProcessLabels(options.procRoot(), attribution.processes());
    this.startUnixNanos = startUnixNanos;
    this.attribution = attribution.devices();
    ScheduledExecutorService sampler =
        Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread t = new Thread(r, "telegen-nvml-sampler");
              t.setDaemon(true);
              return t;
            });
    // Two early passes give GPM its first pair of samples (100 ms apart) before the first
    // collections, then one pass per poll interval.
    sampler.schedule(this::sampleSlow, 0, TimeUnit.MILLISECONDS);
    sampler.scheduleAtFixedRate(
        this::sampleSlow,
        150,
        Math.max(150, options.pollInterval().toMillis()),
        TimeUnit.MILLISECONDS);
    this.shutdown =
        new DeferredShutdown(
            "telegen-nvml-close", sampler, Duration.ofSeconds(2), collecting, this::release);
  }

  /**
   * Loads NVML, initialises it and discovers the GPUs.
   *
   * <p>A GPU that NVML counts but that does not answer (its handle refused with {@code
   * NO_PERMISSION}, {@code INSUFFICIENT_POWER}, {@code IRQ_ISSUE} or {@code GPU_IS_LOST}, or its
   * identity unreadable) does not stop the others: it is reported as {@code gpu_up 0} and tried
   * again every collection. When none answers the source still opens, so that the GPUs are
   * picked up once they do.
   *
   * @throws NvmlLoadException with an operator-facing message when NVML is unusable or counts no
   *     GPU
   */
  public static NvmlCollector open(GpuOptions options, long startUnixNanos)
      throws NvmlLoadException {
    return open(options, startUnixNanos, NodeAttribution.none());
  }

  /**
   * As {@link #open(GpuOptions, long)}, with the labels {@code attribution} gives each GPU and MIG
   * device added to that device's series, and those it gives each process to that process's
   * series, every collection.
   */
  public static NvmlCollector open(
      GpuOptions options, long startUnixNanos, NodeAttribution attribution)
      throws NvmlLoadException {
    Nvml nvml = Nvml.load(options.nvmlLibrary());
    int rc = nvml.call(NvmlSymbol.INIT);
    if (rc != NvmlReturn.SUCCESS) {
      throw new NvmlLoadException(
          "nvmlInit_v2 in "
              + nvml.location()
              + " failed: "
              + nvml.describe(rc)
              + (rc == NvmlReturn.DRIVER_NOT_LOADED
                  ? "; is the NVIDIA kernel driver loaded (nvidia-smi works)?"
                  : ""));
    }
    List<NvmlGpu> gpus = new ArrayList<>();
    try {
      Memory out = new Memory(8);
      rc = nvml.call(NvmlSymbol.DEVICE_GET_COUNT, out);
      if (rc != NvmlReturn.SUCCESS) {
        throw new NvmlLoadException("nvmlDeviceGetCount_v2 failed: " + nvml.describe(rc));
      }
      int count = out.getInt(0);
      if (count == 0) {
        throw new NvmlLoadException("the NVIDIA driver is loaded but reports no GPU");
      }
      Memory gpmBuffer = new Memory(NvmlLayout.GPM_METRICS_GET_SIZE);
      List<AbsentGpu> absent = new ArrayList<>();
      Memory probe = new Memory(8);
      for (int i = 0; i < count; i++) {
        GpuSlot found = discover(nvml, i, options, gpmBuffer, probe, null);
        if (found instanceof NvmlGpu gpu) {
          gpus.add(gpu);
        } else if (found instanceof AbsentGpu gone) {
          absent.add(gone);
        }
      }
      Map<String, String> info = systemInfo(nvml);
      if (!nvml.missing().isEmpty()) {
        List<String> names = new ArrayList<>();
        nvml.missing().forEach(s -> names.add(s.exportedName()));
        logger.info(
            "NVIDIA driver "
                + info.get("driver_version")
                + " lacks "
                + String.join(", ", names)
                + "; only the metrics that need them are off");
      }
      return new NvmlCollector(
          nvml,
          options,
          List.copyOf(gpus),
          List.copyOf(absent),
          count,
          gpmBuffer,
          info,
          startUnixNanos,
          attribution);
    } catch (NvmlLoadException | RuntimeException e) {
      gpus.forEach(NvmlGpu::close);
      nvml.call(NvmlSymbol.SHUTDOWN);
      throw e;
    }
  }

  /**
   * GPU {@code index} in full, or what is known of it when it does not answer. The handle is
   * asked for first, the one call a retry costs while it keeps failing.
   *
   * @param labels the labels it had when it answered before, or null
   */
  private static GpuSlot discover(
      Nvml nvml, int index, GpuOptions options, Memory gpmBuffer, Memory probe, Labels labels) {
    int rc = nvml.call(NvmlSymbol.DEVICE_GET_HANDLE_BY_INDEX, index, probe);
    String reason;
    if (rc == NvmlReturn.SUCCESS) {
      try {
        return NvmlGpu.discover(nvml, index, options, gpmBuffer);
      } catch (NvmlLoadException e) {
        rc = NvmlReturn.UNKNOWN;
        reason = e.getMessage();
      }
    } else {
      reason = "nvmlDeviceGetHandleByIndex_v2 returned " + nvml.describe(rc);
    }
    AbsentGpu gpu = AbsentGpu.unseen(index, rc, reason);
    return labels == null ? gpu : new AbsentGpu(index, rc, reason, labels);
  }

  private void reportAbsent(AbsentGpu gpu) {
    answering.report(
        Integer.toString(gpu.index()),
        "GPU "
            + gpu.index()
            + " does not answer: "
            + gpu.reason()
            + "; gpu_up{device=\""
            + gpu.index()
            + "\"} is 0 and it is tried again every collection, the other GPUs are collected. "
            + gpu.advice());
  }

  /**
   * Tries the GPUs that did not answer, and discovers again a GPU whose MIG mode changed (which
   * takes a GPU reset, after which nothing known about it holds).
   */
  private void refreshGpus() {
    List<NvmlGpu> current = gpus;
    List<AbsentGpu> missing = absent;
    List<NvmlGpu> nextGpus = new ArrayList<>();
    List<AbsentGpu> nextAbsent = new ArrayList<>();
    boolean changed = false;
    for (NvmlGpu gpu : current) {
      if (!gpu.migModeChanged()) {
        nextGpus.add(gpu);
        continue;
      }
      changed = true;
      retired.add(gpu);
      logger.info(
          "NVIDIA GPUs: GPU "
              + gpu.index()
              + " ("
              + gpu.name()
              + ", "
              + gpu.uuid()
              + ") MIG mode is now "
              + (gpu.migEnabled() ? "off" : "on")
              + "; discovering it again");
      GpuSlot found = discover(nvml, gpu.index(), options, gpmBuffer, probe, gpu.upLabels());
      if (found instanceof NvmlGpu fresh) {
        nextGpus.add(fresh);
      } else if (found instanceof AbsentGpu gone) {
        nextAbsent.add(gone);
        reportAbsent(gone);
      }
    }
    for (AbsentGpu gone : missing) {
      GpuSlot found = discover(nvml, gone.index(), options, gpmBuffer, probe, gone.labels());
      if (found instanceof NvmlGpu fresh) {
        changed = true;
        nextGpus.add(fresh);
        answering.clear(
            Integer.toString(gone.index()),
            "GPU "
                + gone.index()
                + " ("
                + fresh.name()
                + ", "
                + fresh.uuid()
                + ") answers now; collecting it");
      } else {
        nextAbsent.add(gone);
      }
    }
    if (changed) {
      nextGpus.sort(Comparator.comparingInt(NvmlGpu::index));
      nextAbsent.sort(Comparator.comparingInt(AbsentGpu::index));
      gpus = List.copyOf(nextGpus);
      absent = List.copyOf(nextAbsent);
    }
  }

  private static Map<String, String> systemInfo(Nvml nvml) {
    Map<String, String> info = new LinkedHashMap<>();
    Memory text = new Memory(NvmlLayout.STRING_BUFFER);
    info.put(
        "driver_version",
        nvml.call(NvmlSymbol.SYSTEM_GET_DRIVER_VERSION, text, NvmlLayout.STRING_BUFFER)
                == NvmlReturn.SUCCESS
            ? text.getString(0)
            : "unknown");
    Memory version = new Memory(4);
    // _v2 asks libcuda.so.1, which a container given only the "utility" driver capability lacks
    // (LIBRARY_NOT_FOUND); the unversioned call then still answers the version NVML supports.
    if (nvml.call(NvmlSymbol.SYSTEM_GET_CUDA_DRIVER_VERSION_V2, version) == NvmlReturn.SUCCESS
        || nvml.call(NvmlSymbol.SYSTEM_GET_CUDA_DRIVER_VERSION, version) == NvmlReturn.SUCCESS) {
      int v = version.getInt(0);
      // CUDA encodes 13.1 as 13010.
      info.put("cuda_version", v / 1000 + "." + (v % 1000) / 10);
    }
    return Map.copyOf(info);
  }

  /**
   * Writes every GPU's series into {@code batch}, then publishes the GPU process table the
   * same readings give.
   *
   * @throws IllegalStateException at once when the previous collection has not returned
   */
  public void collect(MetricBatch batch) {
    if (!collecting.tryLock()) {
      throw new IllegalStateException(
          "NVIDIA GPUs: the previous collection has not returned (a "
              + "call into the NVIDIA driver at "
              + nvml.location()
              + " is stuck); no second one is "
              + "started beside it. If it lasts, check the driver (nvidia-smi, dmesg for Xid errors)");
    }
    try {
      collectLocked(batch);
    } finally {
      collecting.unlock();
    }
  }

  private void collectLocked(MetricBatch batch) {
    Set<Integer> pids = new HashSet<>();
    GpuProcessSnapshot.Builder table = GpuProcessSnapshot.builder();
    refreshGpus();
    List<AbsentGpu> missing = absent;
    int next = 0;
    // In index order, the GPUs that do not answer among the others.
    for (NvmlGpu gpu : gpus) {
      for (; next < missing.size() && missing.get(next).index() < gpu.index(); next++) {
        batch.gauge("gpu_up", 0, missing.get(next).labels());
      }
      pids.addAll(gpu.read(batch, table, options, startUnixNanos, names, info, attribution));
    }
    for (; next < missing.size(); next++) {
      batch.gauge("gpu_up", 0, missing.get(next).labels());
    }
    names.retainOnly(pids);
    snapshot = table.build();
  }

  /**
   * The processes on each GPU and MIG device and each one's utilisation at the last collection;
   * empty before the first. Without {@code agent.gpu.per_process} it has utilisation but no
   * process. An immutable snapshot, safe to read from any thread.
   */
  public GpuProcessSnapshot snapshot() {
    return snapshot;
  }

  private void sampleSlow() {
    for (NvmlGpu gone; (gone = retired.poll()) != null; ) {
      gone.close();
    }
    for (NvmlGpu gpu : gpus) {
      String key = Integer.toString(gpu.index());
      try {
        gpu.sampleSlow(options);
        sampling.clear(key, "slow sampling (PCIe, GPM) of GPU " + key + " works again");
      } catch (RuntimeException e) {
        sampling.report(
            key,
            "slow sampling (PCIe, GPM) of GPU "
                + key
                + " failed: "
                + e
                + "; its PCIe and GPM series are stale until it works again");
      }
    }
  }

  /** A line for the start-up summary: what was found. */
  public String describe() {
    List<NvmlGpu> gpus = this.gpus;
    List<AbsentGpu> absent = this.absent;
    Map<String, Integer> models = new LinkedHashMap<>();
    gpus.forEach(g -> models.merge(g.name(), 1, Integer::sum));
    List<String> parts = new ArrayList<>();
    models.forEach((name, n) -> parts.add(n + " × " + name));
    if (!absent.isEmpty()) {
      List<String> why = new ArrayList<>();
      absent.forEach(a -> why.add("GPU " + a.index() + " not answering: " + a.shortReason()));
      parts.add(
          (gpus.isEmpty() ? count + " GPUs, none answering" : count + " GPUs")
              + " ("
              + String.join(", ", why)
              + "; tried again every collection)");
    }
    StringBuilder sb =
        new StringBuilder(String.join(", ", parts))
            .append(" (driver ")
            .append(info.get("driver_version"));
    if (info.containsKey("cuda_version")) {
      sb.append(", CUDA ").append(info.get("cuda_version"));
    }
    sb.append(") via ").append(nvml.location());
    for (NvmlGpu gpu : gpus) {
      if (gpu.migEnabled()) {
        sb.append("; GPU ")
            .append(gpu.index())
            .append(" in MIG mode with ")
            .append(gpu.migInstances().size())
            .append(" instances");
      }
    }
    return sb.toString();
  }

  /** The GPUs that answer. */
  public int gpuCount() {
    return gpus.size();
  }

  /**
   * Stops sampling and shuts NVML down, once neither the sampling thread nor a collection is inside
   * the driver. Waits a bounded time for them; one that stays stuck (no interrupt ends a native
   * call) keeps its GPM samples and NVML as they are, and a daemon thread frees them and shuts
   * NVML down only when it returns, never under it ({@link DeferredShutdown}).
   */
  @Override
  public void close() {
    shutdown.close(
        stuck ->
            logger.warning(
                "NVIDIA GPUs: "
                    + (stuck == DeferredShutdown.Stuck.COLLECTION
                        ? "a collection"
                        : "the slow-sampling thread (PCIe, GPM)")
                    + " is still inside the NVIDIA driver at "
                    + nvml.location()
                    + " at close; its GPM samples are not freed and NVML is not shut down under"
                    + " it, but once it returns. If it never does, check the driver (nvidia-smi,"
                    + " dmesg for Xid errors)"),
        () -> logger.info("NVIDIA GPUs: the stuck driver call returned; NVML is shut down"));
  }

  private void release() {
    for (NvmlGpu gone; (gone = retired.poll()) != null; ) {
      gone.close();
    }
    gpus.forEach(NvmlGpu::close);
    nvml.call(NvmlSymbol.SHUTDOWN);
  }
}
