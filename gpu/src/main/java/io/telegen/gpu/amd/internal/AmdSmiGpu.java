package io.telegen.gpu.amd.internal;

import com.sun.jna.Memory;
import com.sun.jna.Pointer;
import io.telegen.gpu.GpuOptions;
import io.telegen.gpu.internal.CumulativeStarts;
import io.telegen.gpu.internal.ProcessLabels;
import io.telegen.node.DeviceAttribution;
import io.telegen.node.DeviceAttributions;
import io.telegen.node.GpuProcessSnapshot;
import io.telegen.node.GpuRef;
import io.telegen.node.GpuVendor;
import io.telegen.source.Labels;
import io.telegen.source.MetricBatch;
import io.telegen.source.ProblemLog;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.logging.Logger;

/**
 * One AMD GPU as AMD SMI enumerates it: a whole board, or one compute partition of an MI300-class
 * board in DPX/QPX/CPX mode, which the library lists as a device of its own. Its identity, the
 * native buffers its reads reuse, and the PCIe throughput the sampling thread leaves for the
 * next collection (the library's call counts packets over one second).
 *
 * <p>{@link #read} runs on the collection thread and {@link #sampleSlow} on the sampling thread;
 * each has its own buffers, and they share only a volatile, immutable reading. {@link
 * AmdSmiCollector} lets one collection at a time call {@link #read}.
 */
final class AmdSmiGpu implements AmdGpuSlot, AmdLibraryCalls.SlowlySampled {

  private static final Logger logger = Logger.getLogger(AmdSmiGpu.class.getName());

  /** Series per GPU stay bounded however many processes come and go. */
  static final int MAX_PROCESSES = 256;

  private static final double MIB = 1024.0 * 1024.0;

  private final AmdSmi smi;
  private final AmdSmiAbi abi;
  private final int index;
  private final Pointer handle;
  private final String uuid;
  private final String name;
  private final String busId;
  private final String partition;
  // The compute partition this device is, or -1 on a board without partitions.
  private final int partitionId;
  private final int computeUnits;
  private final GpuRef ref;
  private final Labels baseLabels;
  private Labels labels;
  private Labels attributed = Labels.empty();
  private Labels infoLabels;
  private Labels[] linkLabels = new Labels[0];
  // Set while the GPU's calls fail with a device error: only gpu_up 0 until it answers again.
  private boolean failing;
  private final ProblemLog failingLog = new ProblemLog(logger, "AMD GPUs");
  private final ProblemLog processLog = new ProblemLog(logger, "AMD GPUs");

  // Collection-thread buffers.
  private final Memory out = new Memory(8);
  private final Memory out2 = new Memory(8);
  private final Memory out3 = new Memory(8);
  private final Memory engine = new Memory(AmdSmiAbi.ENGINE_USAGE_SIZE);
  private final Memory vram = new Memory(AmdSmiAbi.VRAM_USAGE_SIZE);
  private final Memory power;
  private final Memory powerCap = new Memory(AmdSmiAbi.POWER_CAP_INFO_SIZE);
  private final Memory frequencies = new Memory(AmdSmiAbi.FREQUENCIES_SIZE);
  private final Memory links = new Memory(AmdSmiAbi.LINK_METRICS_SIZE);
  private Memory processes;
  private int processCapacity = 16;
  private final CumulativeStarts energyStart = new CumulativeStarts(1);
  // rx of link i at 2i, tx at 2i + 1
  private final CumulativeStarts linkStarts = new CumulativeStarts(2 * AmdSmiAbi.MAX_LINKS);

  // Sampling-thread buffers and reading.
  private final Memory slowSent = new Memory(8);
  private final Memory slowReceived = new Memory(8);
  private volatile long[] pcieBytesPerSecond;

  private AmdSmiGpu(
      AmdSmi smi,
      int index,
      Pointer handle,
      String uuid,
      String name,
      String busId,
      String partition,
      int partitionId,
      int computeUnits,
      Labels labels) {
    this.smi = smi;
    this.abi = smi.abi();
    this.index = index;
    this.handle = handle;
    this.uuid = uuid;
    this.name = name;
    this.busId = busId;
    this.partition = partition;
    this.partitionId = partitionId;
    this.computeUnits = computeUnits;
    this.ref = GpuRef.gpu(GpuVendor.AMD, index, uuid);
    this.baseLabels = labels;
    this.labels = labels;
    this.power = new Memory(abi.powerInfoSize);
    this.processes = new Memory((long) processCapacity * abi.procInfoSize);
  }

  /**
   * Reads the identity of the device behind {@code handle}: UUID, product name, PCI address and,
   * where the board is partitioned, its partition.
   *
   * @throws AmdSmiLoadException with the failing call when its identity cannot be read
   */
  static AmdSmiGpu discover(AmdSmi smi, int index, Pointer handle) throws AmdSmiLoadException {
    Memory text = new Memory(AmdSmiAbi.STRING_BUFFER);
    Memory length = new Memory(4);
    length.setInt(0, AmdSmiAbi.UUID_BUFFER);
    check(
        smi,
        smi.call(AmdSmiSymbol.GET_GPU_DEVICE_UUID, handle, length, text),
        "device_uuid",
        index);
    String uuid = text.getString(0);
    Memory asic = new Memory(AmdSmiAbi.ASIC_INFO_BUFFER);
    asic.clear();
    check(smi, smi.call(AmdSmiSymbol.GET_GPU_ASIC_INFO, handle, asic), "asic_info", index);
    String name = asic.getString(0);
    int cus = asic.getInt(smi.abi().asicComputeUnits);
    Memory bdf = new Memory(8);
    check(smi, smi.call(AmdSmiSymbol.GET_GPU_DEVICE_BDF, handle, bdf), "device_bdf", index);
    String busId = busId(bdf.getLong(0));
    Labels labels =
        Labels.of(
            "device",
            Integer.toString(index),
            "name",
            name,
            "uuid",
            uuid,
            "pci_bus_id",
            busId,
            "vendor",
            "amd");
    // Partitions: the compute mode (SPX/DPX/QPX/CPX) names whether and how the board is split;
    // boards without partitions (MI200, Radeon) answer NOT_SUPPORTED and get no partition labels.
    String partition = null;
    int partitionId = -1;
    if (smi.call(AmdSmiSymbol.GET_GPU_COMPUTE_PARTITION, handle, text, AmdSmiAbi.STRING_BUFFER)
        == AmdSmiStatus.SUCCESS) {
      String compute = text.getString(0);
      Memory kfd = new Memory(AmdSmiAbi.KFD_INFO_SIZE);
      kfd.clear();
      int id =
          smi.call(AmdSmiSymbol.GET_GPU_KFD_INFO, handle, kfd) == AmdSmiStatus.SUCCESS
              ? kfd.getInt(AmdSmiAbi.KFD_CURRENT_PARTITION_ID)
              : AmdSmiAbi.UNSUPPORTED_U32;
      if (id != AmdSmiAbi.UNSUPPORTED_U32) {
        labels = labels.and("partition_id", Integer.toString(id));
        partitionId = id;
      }
      labels = labels.and("compute_partition", compute);
      partition = compute + (id == AmdSmiAbi.UNSUPPORTED_U32 ? "" : " partition " + id);
      if (smi.call(AmdSmiSymbol.GET_GPU_MEMORY_PARTITION, handle, text, AmdSmiAbi.STRING_BUFFER)
          == AmdSmiStatus.SUCCESS) {
        labels = labels.and("memory_partition", text.getString(0));
        partition = partition + ", " + text.getString(0);
      }
    }
    return new AmdSmiGpu(
        smi,
        index,
        handle,
        uuid,
        name,
        busId,
        partition,
        partitionId,
        cus == AmdSmiAbi.UNSUPPORTED_U32 ? 0 : cus,
        labels);
  }

  /** {@code amdsmi_bdf_t} as amd-smi prints it: {@code 0000:c1:00.0}. */
  static String busId(long bdf) {
    long function = bdf & 0x7;
    long device = (bdf >>> 3) & 0x1f;
    long bus = (bdf >>> 8) & 0xff;
    long domain = bdf >>> 16;
    return String.format("%04x:%02x:%02x.%x", domain, bus, device, function);
  }

  @Override
  public int index() {
    return index;
  }

  String name() {
    return name;
  }

  String uuid() {
    return uuid;
  }

  String busIdLabel() {
    return busId;
  }

  /** {@code CPX partition 3, NPS4}, or null for a board without partitions. */
  String partition() {
    return partition;
  }

  /** The library's handle, for the node-wide queries asked of any one GPU (the driver version). */
  Pointer handleForInfo() {
    return handle;
  }

  /** {@code gpu_up}'s labels, kept should the GPU stop answering: its own, without attribution. */
  Labels upLabels() {
    return baseLabels;
  }

  /**
   * Writes this GPU's series into {@code batch}, and what its processes use and its utilisation
   * into {@code table}. A GPU whose calls fail with a device error gets {@code gpu_up 0} and
   * nothing else until it answers again.
   *
   * @return the pids seen on this GPU, for process-name cache upkeep
   */
  Set<Integer> read(
      MetricBatch batch,
      GpuProcessSnapshot.Builder table,
      GpuOptions options,
      long startUnixNanos,
      ProcessLabels names,
      Map<String, String> info,
      DeviceAttribution attribution) {
    attribute(attribution);
    // The activity call is the probe: every board answers it, so a device error there is the
    // GPU failing, not a missing sensor.
    int rc = smi.call(AmdSmiSymbol.GET_GPU_ACTIVITY, handle, engine);
    if (AmdSmiStatus.deviceFailed(rc)) {
      if (!failing) {
        failing = true;
        failingLog.report(
            "failing",
            "GPU "
                + index
                + " ("
                + name
                + ", "
                + uuid
                + ") does not answer: amdsmi_get_gpu_activity returned "
                + smi.describe(rc)
                + "; gpu_up{vendor=\"amd\",device=\""
                + index
                + "\"} is 0 and its other series stop until it answers again, the other GPUs"
                + " continue. "
                + AmdAdvice.forStatus(rc));
      }
      batch.gauge("gpu_up", 0, labels);
      return Set.of();
    }
    if (failing) {
      failing = false;
      failingLog.clear(
          "failing", "GPU " + index + " (" + name + ", " + uuid + ") answers again; collecting it");
    }
    if (options.utilization() && rc == AmdSmiStatus.SUCCESS) {
      int gfx = engine.getInt(AmdSmiAbi.ENGINE_GFX);
      if (percent(gfx)) {
        batch.gauge("gpu_utilization_percent", gfx, labels);
        table.utilization(ref, gfx);
      }
      int umc = engine.getInt(AmdSmiAbi.ENGINE_UMC);
      if (percent(umc)) {
        batch.gauge("gpu_dram_activity_percent", umc, labels);
      }
    }
    if (options.memory()) {
      readMemory(batch);
    }
    if (options.temperature()) {
      readTemperature(batch);
      readFan(batch);
    }
    if (options.power()) {
      readPower(batch, startUnixNanos);
    }
    if (options.clock()) {
      long sys = clock(0);
      if (sys >= 0) {
        batch.gauge("gpu_sm_clock_hz", sys, labels);
      }
      long mem = clock(4);
      if (mem >= 0) {
        batch.gauge("gpu_memory_clock_hz", mem, labels);
      }
    }
    if (options.pcieThroughput()) {
      long[] pcie = pcieBytesPerSecond;
      if (pcie != null) {
        batch.gauge("gpu_pcie_tx_bytes", pcie[0], labels);
        batch.gauge("gpu_pcie_rx_bytes", pcie[1], labels);
      }
      readXgmi(batch, startUnixNanos);
    }
    Set<Integer> pids = options.perProcess() ? readProcesses(batch, table, names) : Set.of();
    batch.gauge("gpu_up", 1, labels);
    if (infoLabels == null) {
      infoLabels =
          labels
              .and("driver_version", info.get("driver_version"))
              .and("library", "amd_smi")
              .and("library_version", info.get("library_version"));
    }
    batch.gauge("gpu_info", 1, infoLabels);
    return pids;
  }

  private static boolean percent(int value) {
    return value >= 0 && value <= 100;
  }

  /** Asks {@code attribution} for this device's labels; rebuilt only when the answer changed. */
  private void attribute(DeviceAttribution attribution) {
    Labels now = attribution.labelsOf(ref);
    if (!now.equals(attributed)) {
      attributed = now;
      labels = DeviceAttributions.onto(baseLabels, now);
      linkLabels = new Labels[0];
      infoLabels = null;
    }
  }

  /** VRAM in bytes; where the byte calls are missing or refuse, the MB struct. */
  private void readMemory(MetricBatch batch) {
    long total;
    long used;
    if (smi.call(AmdSmiSymbol.GET_GPU_MEMORY_TOTAL, handle, 0, out) == AmdSmiStatus.SUCCESS
        && smi.call(AmdSmiSymbol.GET_GPU_MEMORY_USAGE, handle, 0, out2) == AmdSmiStatus.SUCCESS) {
      total = out.getLong(0);
      used = out2.getLong(0);
    } else if (smi.call(AmdSmiSymbol.GET_GPU_VRAM_USAGE, handle, vram) == AmdSmiStatus.SUCCESS) {
      // amdsmi_vram_usage_t counts MB (MiB, as amd-smi prints them).
      total = (long) (Integer.toUnsignedLong(vram.getInt(AmdSmiAbi.VRAM_TOTAL_MB)) * MIB);
      used = (long) (Integer.toUnsignedLong(vram.getInt(AmdSmiAbi.VRAM_USED_MB)) * MIB);
    } else {
      return;
    }
    batch.gauge("gpu_memory_used_bytes", used, labels);
    batch.gauge("gpu_memory_total_bytes", total, labels);
    batch.gauge("gpu_memory_free_bytes", Math.max(0, total - used), labels);
  }

  /**
   * The edge sensor; where a board has none (MI300), the junction (hotspot) sensor. The VRAM
   * sensor is the memory temperature. AMD SMI reports millidegrees.
   */
  private void readTemperature(MetricBatch batch) {
    if (smi.call(AmdSmiSymbol.GET_TEMP_METRIC, handle, 0, 0, out) == AmdSmiStatus.SUCCESS
        || smi.call(AmdSmiSymbol.GET_TEMP_METRIC, handle, 1, 0, out) == AmdSmiStatus.SUCCESS) {
      batch.gauge("gpu_temperature_celsius", out.getLong(0) / 1000.0, labels);
    }
    if (smi.call(AmdSmiSymbol.GET_TEMP_METRIC, handle, 2, 0, out) == AmdSmiStatus.SUCCESS) {
      batch.gauge("gpu_memory_temperature_celsius", out.getLong(0) / 1000.0, labels);
    }
  }

  /** Percent of the maximum speed; passive boards (Instinct) answer NOT_SUPPORTED. */
  private void readFan(MetricBatch batch) {
    if (smi.call(AmdSmiSymbol.GET_GPU_FAN_SPEED, handle, 0, out) == AmdSmiStatus.SUCCESS
        && smi.call(AmdSmiSymbol.GET_GPU_FAN_SPEED_MAX, handle, 0, out2) == AmdSmiStatus.SUCCESS
        && out2.getLong(0) > 0) {
      batch.gauge("gpu_fan_speed_percent", out.getLong(0) * 100.0 / out2.getLong(0), labels);
    }
  }

  private void readPower(MetricBatch batch, long startUnixNanos) {
    if (smi.call(AmdSmiSymbol.GET_POWER_INFO, handle, power) == AmdSmiStatus.SUCCESS) {
      // Average socket power (MI200 and older, Radeon); MI300 reports only the current one.
      int average = power.getInt(abi.powerAverageSocket);
      int current = power.getInt(abi.powerCurrentSocket);
      int watts = average != AmdSmiAbi.UNSUPPORTED_U32 ? average : current;
      if (watts != AmdSmiAbi.UNSUPPORTED_U32) {
        batch.gauge("gpu_power_usage_watts", Integer.toUnsignedLong(watts), labels);
      }
    }
    if (smi.call(AmdSmiSymbol.GET_POWER_CAP_INFO, handle, 0, powerCap) == AmdSmiStatus.SUCCESS) {
      batch.gauge("gpu_power_limit_watts", powerCap.getLong(AmdSmiAbi.POWER_CAP) / 1e6, labels);
    }
    if (smi.call(AmdSmiSymbol.GET_ENERGY_COUNT, handle, out, out2, out3) == AmdSmiStatus.SUCCESS) {
      // accumulator x resolution (uJ per count) -> J
      double joules = out.getLong(0) * (double) out2.getFloat(0) / 1e6;
      batch.counter(
          "gpu_energy_joules_total",
          joules,
          energyStart.startOf(0, joules, batch.timeUnixNanos(), startUnixNanos),
          labels);
    }
  }

  /** The current clock in Hz: {@code current} indexes the table of supported frequencies. */
  private long clock(int type) {
    if (smi.call(AmdSmiSymbol.GET_CLK_FREQ, handle, type, frequencies) != AmdSmiStatus.SUCCESS) {
      return -1;
    }
    int count = frequencies.getInt(AmdSmiAbi.FREQUENCIES_NUM_SUPPORTED);
    int current = frequencies.getInt(AmdSmiAbi.FREQUENCIES_CURRENT);
    if (current < 0 || current >= Math.min(count, AmdSmiAbi.MAX_NUM_FREQUENCIES)) {
      return -1;
    }
    return frequencies.getLong(AmdSmiAbi.FREQUENCIES_FREQUENCY + 8L * current);
  }

  /** xGMI link counters (KB, cumulative), the AMD counterpart of NVLink bytes. */
  private void readXgmi(MetricBatch batch, long startUnixNanos) {
    if (smi.call(AmdSmiSymbol.GET_LINK_METRICS, handle, links) != AmdSmiStatus.SUCCESS) {
      return;
    }
    int count = Math.min(links.getInt(0), AmdSmiAbi.MAX_LINKS);
    for (int link = 0; link < count; link++) {
      long at = AmdSmiAbi.LINK_METRICS_LINKS + (long) link * AmdSmiAbi.LINK_SIZE;
      if (links.getInt(at + AmdSmiAbi.LINK_TYPE) != abi.linkTypeXgmi) {
        continue;
      }
      Labels series = linkLabels(link);
      double rx = links.getLong(at + AmdSmiAbi.LINK_READ_KB) * 1024.0;
      double tx = links.getLong(at + AmdSmiAbi.LINK_WRITE_KB) * 1024.0;
      long now = batch.timeUnixNanos();
      batch.counter(
          "gpu_xgmi_rx_bytes_total",
          rx,
          linkStarts.startOf(2 * link, rx, now, startUnixNanos),
          series);
      batch.counter(
          "gpu_xgmi_tx_bytes_total",
          tx,
          linkStarts.startOf(2 * link + 1, tx, now, startUnixNanos),
          series);
    }
  }

  private Labels linkLabels(int link) {
    if (link >= linkLabels.length) {
      Labels[] grown = new Labels[link + 1];
      System.arraycopy(linkLabels, 0, grown, 0, linkLabels.length);
      linkLabels = grown;
    }
    if (linkLabels[link] == null) {
      linkLabels[link] = labels.and("link", Integer.toString(link));
    }
    return linkLabels[link];
  }

  private Set<Integer> readProcesses(
      MetricBatch batch, GpuProcessSnapshot.Builder table, ProcessLabels names) {
    out.setInt(0, processCapacity);
    int rc = smi.call(AmdSmiSymbol.GET_GPU_PROCESS_LIST, handle, out, processes);
    if (rc == AmdSmiStatus.OUT_OF_RESOURCES) {
      // The list changes between the calls; leave room for processes starting meanwhile.
      processCapacity = Math.min(out.getInt(0) + 8, 4 * MAX_PROCESSES);
      processes = new Memory((long) processCapacity * abi.procInfoSize);
      out.setInt(0, processCapacity);
      rc = smi.call(AmdSmiSymbol.GET_GPU_PROCESS_LIST, handle, out, processes);
    }
    if (rc != AmdSmiStatus.SUCCESS && rc != AmdSmiStatus.OUT_OF_RESOURCES) {
      if (rc != AmdSmiStatus.FUNCTION_NOT_FOUND && rc != AmdSmiStatus.NOT_SUPPORTED) {
        processLog.report(
            "list",
            "GPU "
                + index
                + " ("
                + name
                + ", "
                + uuid
                + "): amdsmi_get_gpu_process_list returned "
                + smi.describe(rc)
                + ", so gpu_process_memory_bytes and the pid to GPU join lack its processes. "
                + AmdAdvice.forStatus(rc));
      }
      return Set.of();
    }
    processLog.clear("list", "GPU " + index + " (" + name + "): its processes are read again");
    int count = Math.min(Math.min(out.getInt(0), processCapacity), MAX_PROCESSES);
    Map<Integer, Labels> seen = new TreeMap<>();
    for (int i = 0; i < count; i++) {
      long at = (long) i * abi.procInfoSize;
      int pid = processes.getInt(at + abi.procPid);
      if (seen.containsKey(pid)) {
        continue;
      }
      // Another pid namespace: the library's own name for it (from the same /proc, or KFD).
      String own = processes.getString(at);
      Labels series =
          baseLabels.and(names.labelsOf(pid, own.length() < abi.procNameLength ? own : null));
      seen.put(pid, series);
      table.uses(pid, ref);
      batch.gauge("gpu_process_memory_bytes", processes.getLong(at + abi.procVram), series);
      if (abi.procCuOccupancy >= 0 && computeUnits > 0) {
        // cu_occupancy counts the compute units the process's queues occupy.
        long cus = Integer.toUnsignedLong(processes.getInt(at + abi.procCuOccupancy));
        if (cus <= computeUnits) {
          batch.gauge("gpu_process_sm_utilization_percent", cus * 100.0 / computeUnits, series);
        }
      }
    }
    return seen.keySet();
  }

  /**
   * On the sampling thread: PCIe throughput, which the library counts over one second per call.
   * The board's link is one for all its partitions, so only partition 0 asks: a pass over a CPX
   * node costs 8 seconds, not 64.
   */
  @Override
  public void sampleSlow(GpuOptions options) {
    if (!options.pcieThroughput() || failing || partitionId > 0) {
      return;
    }
    int rc =
        smi.call(AmdSmiSymbol.GET_GPU_PCI_THROUGHPUT, handle, slowSent, slowReceived, Pointer.NULL);
    // bytes sent and received in that second: already bytes per second
    pcieBytesPerSecond =
        rc == AmdSmiStatus.SUCCESS
            ? new long[] {slowSent.getLong(0), slowReceived.getLong(0)}
            : null;
  }

  private static void check(AmdSmi smi, int rc, String what, int index) throws AmdSmiLoadException {
    if (rc != AmdSmiStatus.SUCCESS) {
      throw new AmdSmiLoadException(
          "amdsmi_get_gpu_" + what + " of GPU " + index + " returned " + smi.describe(rc));
    }
  }
}
