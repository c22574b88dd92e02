package io.telegen.gpu.amd.internal;

import com.sun.jna.Memory;
import com.sun.jna.Pointer;
import io.telegen.gpu.GpuOptions;
import io.telegen.gpu.internal.ProcessLabels;
import io.telegen.node.DeviceAttribution;
import io.telegen.node.GpuProcessSnapshot;
import io.telegen.node.NodeAttribution;
import io.telegen.source.Labels;
import io.telegen.source.MetricBatch;
import io.telegen.source.ProblemLog;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.logging.Logger;

/**
 * Everything AMD SMI on this node: the loaded library, the discovered GPUs (or GPU partitions),
 * and who calls into it ({@link AmdLibraryCalls}: one collection at a time, and the thread that
 * takes the slow PCIe reading).
 *
 * <p>This class is internal and is hence not for public use. Its APIs are unstable and can
 * change at any time.
 */
public final class AmdSmiCollector implements AmdCollector {

  private static final Logger logger = Logger.getLogger(AmdSmiCollector.class.getName());

  /** {@code AMDSMI_INIT_AMD_GPUS}: GPUs only, not the CPUs the library can also manage. */
  private static final long INIT_AMD_GPUS = 1L << 1;

  private final AmdSmi smi;
  private final GpuOptions options;
  private final List<Pointer> handles;
  // Replaced whole on the collection thread when an absent GPU answers; the sampler reads them.
  private volatile List<AmdSmiGpu> gpus;
  private volatile List<AmdAbsentGpu> absent;
  private final Map<String, String> info;
  private final ProcessLabels names;
  private final long startUnixNanos;
  private final DeviceAttribution attribution;
  private final AmdLibraryCalls calls;
  private final ProblemLog answering = new ProblemLog(logger, "AMD GPUs");
  private volatile GpuProcessSnapshot snapshot = GpuProcessSnapshot.empty();

  private AmdSmiCollector(
      AmdSmi smi,
      GpuOptions options,
      List<Pointer> handles,
      List<AmdSmiGpu> gpus,
      List<AmdAbsentGpu> absent,
      Map<String, String> info,
      long startUnixNanos,
      NodeAttribution attribution) {
    this.smi = smi;
    this.options = options;
    this.handles = handles;
    this.gpus = gpus;
    this.absent = absent;
    this.info = info;
    this.names = new ProcessLabels(options.procRoot(), attribution.processes());
    this.startUnixNanos = startUnixNanos;
    this.attribution = attribution.devices();
    absent.forEach(this::reportAbsent);
    this.calls =
        new AmdLibraryCalls(
            "AMD SMI",
            smi.location(),
            "amd-smi list",
            options,
            () -> this.gpus,
            () -> smi.call(AmdSmiSymbol.SHUT_DOWN));
  }

  /** As {@link #open(GpuOptions, long, NodeAttribution)} without attribution. */
  public static AmdSmiCollector open(GpuOptions options, long startUnixNanos)
      throws AmdSmiLoadException {
    return open(options, startUnixNanos, NodeAttribution.none());
  }

  /**
   * Loads AMD SMI, initialises it for GPUs and discovers them: every processor of every socket,
   * in the library's order, which is its index ({@code device}). A GPU whose identity cannot be
   * read does not stop the others: it is {@code gpu_up 0} and tried again every collection.
   *
   * @throws AmdSmiLoadException with an operator-facing message when AMD SMI is unusable or
   *     lists no GPU
   */
  public static AmdSmiCollector open(
      GpuOptions options, long startUnixNanos, NodeAttribution attribution)
      throws AmdSmiLoadException {
    AmdSmi smi = AmdSmi.load(options.amdSmiLibrary());
    int rc = smi.call(AmdSmiSymbol.INIT, INIT_AMD_GPUS);
    if (rc != AmdSmiStatus.SUCCESS) {
      throw new AmdSmiLoadException(
          "amdsmi_init in "
              + smi.location()
              + " failed: "
              + smi.describe(rc)
              + ". "
              + AmdAdvice.forStatus(rc));
    }
    try {
      List<Pointer> handles = enumerate(smi);
      if (handles.isEmpty()) {
        throw new AmdSmiLoadException(
            "AMD SMI "
                + smi.version().text()
                + " at "
                + smi.location()
                + " lists no GPU (is the amdgpu driver bound to a GPU? check `amd-smi list`)");
      }
      List<AmdSmiGpu> gpus = new ArrayList<>();
      List<AmdAbsentGpu> absent = new ArrayList<>();
      for (int i = 0; i < handles.size(); i++) {
        AmdGpuSlot found = discover(smi, i, handles.get(i), null);
        if (found instanceof AmdSmiGpu gpu) {
          gpus.add(gpu);
        } else if (found instanceof AmdAbsentGpu gone) {
          absent.add(gone);
        }
      }
      Map<String, String> info = systemInfo(smi, gpus);
      if (!smi.missing().isEmpty()) {
        List<String> lacking = new ArrayList<>();
        smi.missing().forEach(s -> lacking.add(s.exportedName()));
        logger.info(
            "AMD SMI "
                + smi.version().text()
                + " at "
                + smi.location()
                + " lacks "
                + String.join(", ", lacking)
                + "; only the metrics that need them are off");
      }
      return new AmdSmiCollector(
          smi,
          options,
          List.copyOf(handles),
          List.copyOf(gpus),
          List.copyOf(absent),
          info,
          startUnixNanos,
          attribution);
    } catch (AmdSmiLoadException | RuntimeException e) {
      smi.call(AmdSmiSymbol.SHUT_DOWN);
      throw e;
    }
  }

  /** Every GPU processor of every socket, in the library's order. */
  private static List<Pointer> enumerate(AmdSmi smi) throws AmdSmiLoadException {
    Memory count = new Memory(4);
    count.setInt(0, 0);
    int rc = smi.call(AmdSmiSymbol.GET_SOCKET_HANDLES, count, Pointer.NULL);
    if (rc != AmdSmiStatus.SUCCESS) {
      throw new AmdSmiLoadException("amdsmi_get_socket_handles failed: " + smi.describe(rc));
    }
    int sockets = count.getInt(0);
    List<Pointer> handles = new ArrayList<>();
    if (sockets <= 0) {
      return handles;
    }
    Memory socketHandles = new Memory(8L * sockets);
    rc = smi.call(AmdSmiSymbol.GET_SOCKET_HANDLES, count, socketHandles);
    if (rc != AmdSmiStatus.SUCCESS) {
      throw new AmdSmiLoadException("amdsmi_get_socket_handles failed: " + smi.describe(rc));
    }
    sockets = Math.min(sockets, count.getInt(0));
    for (int s = 0; s < sockets; s++) {
      Pointer socket = socketHandles.getPointer(8L * s);
      count.setInt(0, 0);
      rc = smi.call(AmdSmiSymbol.GET_PROCESSOR_HANDLES, socket, count, Pointer.NULL);
      if (rc != AmdSmiStatus.SUCCESS) {
        throw new AmdSmiLoadException("amdsmi_get_processor_handles failed: " + smi.describe(rc));
      }
      int n = count.getInt(0);
      if (n <= 0) {
        continue;
      }
      Memory processors = new Memory(8L * n);
      rc = smi.call(AmdSmiSymbol.GET_PROCESSOR_HANDLES, socket, count, processors);
      if (rc != AmdSmiStatus.SUCCESS) {
        throw new AmdSmiLoadException("amdsmi_get_processor_handles failed: " + smi.describe(rc));
      }
      for (int p = 0; p < Math.min(n, count.getInt(0)); p++) {
        handles.add(processors.getPointer(8L * p));
      }
    }
    return handles;
  }

  /**
   * The device at {@code index} in full, or what is known of it when it does not answer. The
   * UUID is asked for first, the one call a retry costs while it keeps failing.
   */
  private static AmdGpuSlot discover(AmdSmi smi, int index, Pointer handle, Labels labels) {
    Memory probe = new Memory(AmdSmiAbi.UUID_BUFFER);
    Memory length = new Memory(4);
    length.setInt(0, AmdSmiAbi.UUID_BUFFER);
    int rc = smi.call(AmdSmiSymbol.GET_GPU_DEVICE_UUID, handle, length, probe);
    String reason;
    if (rc == AmdSmiStatus.SUCCESS) {
      try {
        return AmdSmiGpu.discover(smi, index, handle);
      } catch (AmdSmiLoadException e) {
        rc = AmdSmiStatus.UNKNOWN;
        reason = e.getMessage();
      }
    } else {
      reason = "amdsmi_get_gpu_device_uuid returned " + smi.describe(rc);
    }
    AmdAbsentGpu gpu = AmdAbsentGpu.unseen(index, rc, reason);
    return labels == null ? gpu : new AmdAbsentGpu(index, rc, reason, labels);
  }

  private static Map<String, String> systemInfo(AmdSmi smi, List<AmdSmiGpu> gpus) {
    Map<String, String> info = new LinkedHashMap<>();
    String driver = "unknown";
    Memory driverInfo = new Memory(AmdSmiAbi.DRIVER_INFO_SIZE);
    for (AmdSmiGpu gpu : gpus) {
      driverInfo.clear();
      if (smi.call(AmdSmiSymbol.GET_GPU_DRIVER_INFO, gpu.handleForInfo(), driverInfo)
          == AmdSmiStatus.SUCCESS) {
        driver = driverInfo.getString(AmdSmiAbi.DRIVER_VERSION);
        break;
      }
    }
    info.put("driver_version", driver);
    info.put("library_version", smi.version().text());
    return Map.copyOf(info);
  }

  private void reportAbsent(AmdAbsentGpu gpu) {
    answering.report(
        Integer.toString(gpu.index()),
        "GPU "
            + gpu.index()
            + " does not answer: "
            + gpu.reason()
            + "; gpu_up{vendor=\"amd\",device=\""
            + gpu.index()
            + "\"} is 0 and it is tried again every collection, the other GPUs are collected. "
            + gpu.advice());
  }

  /** Tries the GPUs that did not answer at start. */
  private void refreshAbsent() {
    List<AmdAbsentGpu> missing = absent;
    if (missing.isEmpty()) {
      return;
    }
    List<AmdSmiGpu> nextGpus = new ArrayList<>(gpus);
    List<AmdAbsentGpu> nextAbsent = new ArrayList<>();
    boolean changed = false;
    for (AmdAbsentGpu gone : missing) {
      AmdGpuSlot found = discover(smi, gone.index(), handles.get(gone.index()), gone.labels());
      if (found instanceof AmdSmiGpu fresh) {
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
      nextGpus.sort(Comparator.comparingInt(AmdSmiGpu::index));
      gpus = List.copyOf(nextGpus);
      absent = List.copyOf(nextAbsent);
    }
  }

  @Override
  public String name() {
    return "amd_smi";
  }

  @Override
  public void collect(MetricBatch batch) {
    calls.collect(() -> collectNow(batch));
  }

  private void collectNow(MetricBatch batch) {
    refreshAbsent();
    Set<Integer> pids = new HashSet<>();
    GpuProcessSnapshot.Builder table = GpuProcessSnapshot.builder();
    List<AmdAbsentGpu> missing = absent;
    int next = 0;
    for (AmdSmiGpu gpu : gpus) {
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

  @Override
  public GpuProcessSnapshot snapshot() {
    return snapshot;
  }

  /**
   * A line for the start-up summary and {@code check}, e.g. {@code 8 × AMD Instinct MI300X (SPX,
   * NPS1) (driver 6.12.12, AMD SMI 26.5.0) via /opt/rocm/lib/libamd_smi.so}.
   */
  @Override
  public String describe() {
    List<AmdSmiGpu> gpus = this.gpus;
    List<AmdAbsentGpu> absent = this.absent;
    Map<String, Integer> models = new LinkedHashMap<>();
    for (AmdSmiGpu g : gpus) {
      String partition = g.partition();
      String mode =
          partition == null ? "" : " (" + partition.replaceAll(" partition \\d+", "") + ")";
      models.merge(g.name() + mode, 1, Integer::sum);
    }
    List<String> parts = new ArrayList<>();
    models.forEach((model, n) -> parts.add(n + " × " + model));
    if (!absent.isEmpty()) {
      List<String> why = new ArrayList<>();
      absent.forEach(a -> why.add("GPU " + a.index() + " not answering: " + a.shortReason()));
      int all = handles.size();
      parts.add(
          (gpus.isEmpty() ? all + " GPUs, none answering" : all + " GPUs")
              + " ("
              + String.join(", ", why)
              + "; tried again every collection)");
    }
    return String.join(", ", parts)
        + " (driver "
        + info.get("driver_version")
        + ", AMD SMI "
        + info.get("library_version")
        + ") via "
        + smi.location();
  }

  /** The GPUs (or partitions) that answer. */
  public int gpuCount() {
    return gpus.size();
  }

  /** Stops sampling and shuts AMD SMI down (see {@link AmdLibraryCalls#close}). */
  @Override
  public void close() {
    calls.close();
  }
}
