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
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.logging.Logger;

/**
 * The AMD GPUs of a node through ROCm SMI, for ROCm installs without AMD SMI: the loaded library,
 * the GPUs by index, the system-wide process list read once per collection, and the thread that
 * takes the slow PCIe reading.
 *
 * <p>This class is internal and is hence not for public use. Its APIs are unstable and can
 * change at any time.
 */
public final class RocmSmiCollector implements AmdCollector {

  private static final Logger logger = Logger.getLogger(RocmSmiCollector.class.getName());

  /** A GPU ROCm SMI counts whose identity cannot be read; {@code gpu_up 0}, tried again. */
  private record Absent(int index, int rc, String reason, Labels labels) {}

  private final RocmSmi smi;
  private final GpuOptions options;
  private final int count;
  private volatile List<RocmSmiGpu> gpus;
  private volatile List<Absent> absent;
  private final Map<String, String> info;
  private final ProcessLabels names;
  private final long startUnixNanos;
  private final DeviceAttribution attribution;
  private final AmdLibraryCalls calls;
  private final ProblemLog answering = new ProblemLog(logger, "AMD GPUs");
  private final ProblemLog processLog = new ProblemLog(logger, "AMD GPUs");
  private volatile GpuProcessSnapshot snapshot = GpuProcessSnapshot.empty();
  private Memory processes = new Memory(16L * RocmSmi.PROCESS_INFO_SIZE);
  private int processCapacity = 16;
  private final Memory out = new Memory(8);
  private final Memory indices = new Memory(4L * 64);
  private final Memory info1 = new Memory(RocmSmi.PROCESS_INFO_SIZE);

  private RocmSmiCollector(
      RocmSmi smi,
      GpuOptions options,
      int count,
      List<RocmSmiGpu> gpus,
      List<Absent> absent,
      Map<String, String> info,
      long startUnixNanos,
      NodeAttribution attribution) {
    this.smi = smi;
    this.options = options;
    this.count = count;
    this.gpus = gpus;
    this.absent = absent;
    this.info = info;
    this.names = new ProcessLabels(options.procRoot(), attribution.processes());
    this.startUnixNanos = startUnixNanos;
    this.attribution = attribution.devices();
    absent.forEach(this::reportAbsent);
    this.calls =
        new AmdLibraryCalls(
            "ROCm SMI",
            smi.location(),
            "rocm-smi",
            options,
            () -> this.gpus,
            () -> smi.call(RocmSmiSymbol.SHUT_DOWN));
  }

  /**
   * Loads ROCm SMI ({@link GpuOptions#rocmSmiLibrary()}, else the library path, then {@code
   * /opt/rocm/lib}), initialises it and discovers the GPUs by index.
   */
  public static RocmSmiCollector open(
      GpuOptions options, long startUnixNanos, NodeAttribution attribution)
      throws AmdSmiLoadException {
    RocmSmi smi = RocmSmi.load(options.rocmSmiLibrary());
    int rc = smi.call(RocmSmiSymbol.INIT, 0L);
    if (rc != RocmSmiStatus.SUCCESS) {
      throw new AmdSmiLoadException(
          "rsmi_init in "
              + smi.location()
              + " failed: "
              + smi.describe(rc)
              + ". "
              + RocmSmiStatus.advice(rc));
    }
    try {
      Memory n = new Memory(4);
      rc = smi.call(RocmSmiSymbol.NUM_MONITOR_DEVICES, n);
      if (rc != RocmSmiStatus.SUCCESS) {
        throw new AmdSmiLoadException("rsmi_num_monitor_devices failed: " + smi.describe(rc));
      }
      int count = n.getInt(0);
      if (count == 0) {
        throw new AmdSmiLoadException(
            "ROCm SMI "
                + smi.version()
                + " at "
                + smi.location()
                + " lists no GPU (is the amdgpu driver bound to a GPU? check `rocm-smi`)");
      }
      List<RocmSmiGpu> gpus = new ArrayList<>();
      List<Absent> absent = new ArrayList<>();
      for (int i = 0; i < count; i++) {
        Object found = RocmSmiGpu.discover(smi, i);
        if (found instanceof RocmSmiGpu gpu) {
          gpus.add(gpu);
        } else {
          absent.add(absent(smi, i, (Integer) found, null));
        }
      }
      Map<String, String> info = new LinkedHashMap<>();
      Memory text = new Memory(AmdSmiAbi.STRING_BUFFER);
      info.put(
          "driver_version",
          smi.call(RocmSmiSymbol.VERSION_STR_GET, 0, text, AmdSmiAbi.STRING_BUFFER)
                  == RocmSmiStatus.SUCCESS
              ? text.getString(0)
              : "unknown");
      info.put("library_version", smi.version());
      if (!smi.missing().isEmpty()) {
        List<String> lacking = new ArrayList<>();
        smi.missing().forEach(s -> lacking.add(s.exportedName()));
        logger.info(
            "ROCm SMI "
                + smi.version()
                + " at "
                + smi.location()
                + " lacks "
                + String.join(", ", lacking)
                + "; only the metrics that need them are off");
      }
      return new RocmSmiCollector(
          smi,
          options,
          count,
          List.copyOf(gpus),
          List.copyOf(absent),
          Map.copyOf(info),
          startUnixNanos,
          attribution);
    } catch (AmdSmiLoadException | RuntimeException e) {
      smi.call(RocmSmiSymbol.SHUT_DOWN);
      throw e;
    }
  }

  private static Absent absent(RocmSmi smi, int index, int rc, Labels labels) {
    return new Absent(
        index,
        rc,
        "rsmi_dev_name_get returned " + smi.describe(rc),
        labels != null
            ? labels
            : Labels.of(
                "device",
                Integer.toString(index),
                "name",
                AmdAbsentGpu.UNKNOWN,
                "uuid",
                AmdAbsentGpu.UNKNOWN,
                "pci_bus_id",
                AmdAbsentGpu.UNKNOWN,
                "vendor",
                "amd"));
  }

  private void reportAbsent(Absent gpu) {
    answering.report(
        Integer.toString(gpu.index()),
        "GPU "
            + gpu.index()
            + " does not answer: "
            + gpu.reason()
            + "; gpu_up{vendor=\"amd\",device=\""
            + gpu.index()
            + "\"} is 0 and it is tried again every collection, the other GPUs are collected. "
            + RocmSmiStatus.advice(gpu.rc()));
  }

  @Override
  public String name() {
    return "rocm_smi";
  }

  @Override
  public void collect(MetricBatch batch) {
    calls.collect(() -> collectNow(batch));
  }

  private void collectNow(MetricBatch batch) {
    refreshAbsent();
    Map<Integer, List<RocmSmiGpu.Usage>> usages = options.perProcess() ? readProcesses() : Map.of();
    Set<Integer> pids = new HashSet<>();
    GpuProcessSnapshot.Builder table = GpuProcessSnapshot.builder();
    List<Absent> missing = absent;
    int next = 0;
    for (RocmSmiGpu gpu : gpus) {
      for (; next < missing.size() && missing.get(next).index() < gpu.index(); next++) {
        batch.gauge("gpu_up", 0, missing.get(next).labels());
      }
      pids.addAll(
          gpu.read(
              batch,
              table,
              options,
              startUnixNanos,
              names,
              info,
              attribution,
              usages.getOrDefault(gpu.index(), List.of())));
    }
    for (; next < missing.size(); next++) {
      batch.gauge("gpu_up", 0, missing.get(next).labels());
    }
    names.retainOnly(pids);
    snapshot = table.build();
  }

  private void refreshAbsent() {
    List<Absent> missing = absent;
    if (missing.isEmpty()) {
      return;
    }
    List<RocmSmiGpu> nextGpus = new ArrayList<>(gpus);
    List<Absent> nextAbsent = new ArrayList<>();
    for (Absent gone : missing) {
      Object found = RocmSmiGpu.discover(smi, gone.index());
      if (found instanceof RocmSmiGpu fresh) {
        nextGpus.add(fresh);
        answering.clear(
            Integer.toString(gone.index()),
            "GPU " + gone.index() + " (" + fresh.name() + ") answers now; collecting it");
      } else {
        nextAbsent.add(gone);
      }
    }
    if (nextAbsent.size() != missing.size()) {
      nextGpus.sort(Comparator.comparingInt(RocmSmiGpu::index));
      gpus = List.copyOf(nextGpus);
      absent = List.copyOf(nextAbsent);
    }
  }

  /**
   * The system-wide compute process list, then for each pid its GPUs and its use of each: ROCm
   * SMI has no per-GPU list, so this is one list plus a few calls per process.
   */
  private Map<Integer, List<RocmSmiGpu.Usage>> readProcesses() {
    out.setInt(0, processCapacity);
    int rc = smi.call(RocmSmiSymbol.COMPUTE_PROCESS_INFO_GET, processes, out);
    if (rc == RocmSmiStatus.INSUFFICIENT_SIZE) {
      out.setInt(0, 0);
      smi.call(RocmSmiSymbol.COMPUTE_PROCESS_INFO_GET, Pointer.NULL, out);
      processCapacity = Math.min(out.getInt(0) + 8, 4 * AmdSmiGpu.MAX_PROCESSES);
      processes = new Memory((long) processCapacity * RocmSmi.PROCESS_INFO_SIZE);
      out.setInt(0, processCapacity);
      rc = smi.call(RocmSmiSymbol.COMPUTE_PROCESS_INFO_GET, processes, out);
    }
    if (rc != RocmSmiStatus.SUCCESS) {
      if (rc != RocmSmiStatus.FUNCTION_NOT_FOUND && rc != RocmSmiStatus.NOT_SUPPORTED) {
        processLog.report(
            "list",
            "rsmi_compute_process_info_get returned "
                + smi.describe(rc)
                + ", so gpu_process_memory_bytes and the pid to GPU join lack the AMD GPUs'"
                + " processes. "
                + RocmSmiStatus.advice(rc));
      }
      return Map.of();
    }
    processLog.clear("list", "the AMD GPUs' processes are read again");
    int n = Math.min(out.getInt(0), processCapacity);
    Map<Integer, List<RocmSmiGpu.Usage>> byGpu = new HashMap<>();
    for (int i = 0; i < n; i++) {
      int pid = processes.getInt((long) i * RocmSmi.PROCESS_INFO_SIZE + RocmSmi.PROCESS_PID);
      out.setInt(0, 64);
      if (smi.call(RocmSmiSymbol.COMPUTE_PROCESS_GPUS_GET, pid, indices, out)
          != RocmSmiStatus.SUCCESS) {
        continue;
      }
      int devices = Math.min(out.getInt(0), 64);
      for (int d = 0; d < devices; d++) {
        int dv = indices.getInt(4L * d);
        if (smi.call(RocmSmiSymbol.COMPUTE_PROCESS_INFO_BY_DEVICE_GET, pid, dv, info1)
            != RocmSmiStatus.SUCCESS) {
          continue;
        }
        byGpu
            .computeIfAbsent(dv, k -> new ArrayList<>())
            .add(
                new RocmSmiGpu.Usage(
                    pid,
                    info1.getLong(RocmSmi.PROCESS_VRAM),
                    info1.getInt(RocmSmi.PROCESS_CU_OCCUPANCY)));
      }
    }
    return byGpu;
  }

  @Override
  public GpuProcessSnapshot snapshot() {
    return snapshot;
  }

  @Override
  public String describe() {
    Map<String, Integer> models = new LinkedHashMap<>();
    for (RocmSmiGpu g : gpus) {
      models.merge(
          g.name() + (g.partition() == null ? "" : " (" + g.partition() + ")"), 1, Integer::sum);
    }
    List<String> parts = new ArrayList<>();
    models.forEach((model, n) -> parts.add(n + " × " + model));
    if (!absent.isEmpty()) {
      List<String> why = new ArrayList<>();
      absent.forEach(
          a -> why.add("GPU " + a.index() + " not answering: " + RocmSmiStatus.name(a.rc())));
      parts.add(count + " GPUs (" + String.join(", ", why) + "; tried again every collection)");
    }
    return String.join(", ", parts)
        + " (driver "
        + info.get("driver_version")
        + ", ROCm SMI "
        + info.get("library_version")
        + ") via "
        + smi.location();
  }

  /** Stops sampling and shuts ROCm SMI down (see {@link AmdLibraryCalls#close}). */
  @Override
  public void close() {
    calls.close();
  }
}
