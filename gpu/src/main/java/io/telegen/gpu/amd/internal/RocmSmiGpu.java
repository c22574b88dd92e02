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
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.logging.Logger;

/**
 * One AMD GPU (or compute partition) as ROCm SMI enumerates it, by index: its identity, buffers,
 * and the PCIe reading the sampling thread leaves. The same series as {@link AmdSmiGpu} where
 * ROCm SMI has them; it has no xGMI byte counters.
 */
final class RocmSmiGpu implements AmdLibraryCalls.SlowlySampled {

  private static final Logger logger = Logger.getLogger(RocmSmiGpu.class.getName());

  /** One process's use of this GPU, from the collector's system-wide process list. */
  record Usage(int pid, long vramBytes, int cuOccupancyPercent) {}

  private final RocmSmi smi;
  private final int index;
  private final String uuid;
  private final String name;
  private final String partition;
  // The compute partition this device is, or -1 on a board without partitions.
  private final int partitionId;
  private final GpuRef ref;
  private final Labels baseLabels;
  private Labels labels;
  private Labels attributed = Labels.empty();
  private Labels infoLabels;
  private boolean failing;
  private final ProblemLog failingLog = new ProblemLog(logger, "AMD GPUs");

  private final Memory out = new Memory(8);
  private final Memory out2 = new Memory(8);
  private final Memory out3 = new Memory(8);
  private final Memory frequencies = new Memory(AmdSmiAbi.FREQUENCIES_SIZE);
  private final CumulativeStarts energyStart = new CumulativeStarts(1);
  private final Memory slowSent = new Memory(8);
  private final Memory slowReceived = new Memory(8);
  private volatile long[] pcieBytesPerSecond;

  private RocmSmiGpu(
      RocmSmi smi,
      int index,
      String uuid,
      String name,
      String partition,
      int partitionId,
      Labels labels) {
    this.smi = smi;
    this.index = index;
    this.uuid = uuid;
    this.name = name;
    this.partition = partition;
    this.partitionId = partitionId;
    this.ref = GpuRef.gpu(GpuVendor.AMD, index, uuid);
    this.baseLabels = labels;
    this.labels = labels;
  }

  /** Reads the identity of device {@code index}; the status of the failing call otherwise. */
  static Object discover(RocmSmi smi, int index) {
    Memory text = new Memory(AmdSmiAbi.STRING_BUFFER);
    int rc = smi.call(RocmSmiSymbol.DEV_NAME_GET, index, text, (long) AmdSmiAbi.STRING_BUFFER);
    if (rc != RocmSmiStatus.SUCCESS) {
      return rc;
    }
    String name = text.getString(0);
    Memory value = new Memory(8);
    rc = smi.call(RocmSmiSymbol.DEV_PCI_ID_GET, index, value);
    if (rc != RocmSmiStatus.SUCCESS) {
      return rc;
    }
    long bdfid = value.getLong(0);
    String busId =
        String.format(
            "%04x:%02x:%02x.%x",
            bdfid >>> 32, (bdfid >>> 8) & 0xff, (bdfid >>> 3) & 0x1f, bdfid & 0x7);
    // ROCm SMI has no UUID; its unique id (the ASIC serial) is what identifies the board.
    String uuid =
        smi.call(RocmSmiSymbol.DEV_UNIQUE_ID_GET, index, value) == RocmSmiStatus.SUCCESS
            ? "0x" + Long.toHexString(value.getLong(0))
            : busId;
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
    String partition = null;
    int partitionId = -1;
    if (smi.call(RocmSmiSymbol.DEV_COMPUTE_PARTITION_GET, index, text, AmdSmiAbi.STRING_BUFFER)
        == RocmSmiStatus.SUCCESS) {
      String compute = text.getString(0);
      Memory id = new Memory(4);
      boolean hasId =
          smi.call(RocmSmiSymbol.DEV_PARTITION_ID_GET, index, id) == RocmSmiStatus.SUCCESS;
      if (hasId) {
        labels = labels.and("partition_id", Integer.toString(id.getInt(0)));
        partitionId = id.getInt(0);
      }
      labels = labels.and("compute_partition", compute);
      partition = compute;
      if (smi.call(RocmSmiSymbol.DEV_MEMORY_PARTITION_GET, index, text, AmdSmiAbi.STRING_BUFFER)
          == RocmSmiStatus.SUCCESS) {
        labels = labels.and("memory_partition", text.getString(0));
        partition = partition + ", " + text.getString(0);
      }
    }
    return new RocmSmiGpu(smi, index, uuid, name, partition, partitionId, labels);
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

  String partition() {
    return partition;
  }

  Labels upLabels() {
    return baseLabels;
  }

  GpuRef ref() {
    return ref;
  }

  /**
   * Writes this GPU's series; a GPU whose calls fail with a device error gets {@code gpu_up 0}
   * and nothing else until it answers again.
   *
   * @param usages the processes on this GPU, from the collector's system-wide list
   * @return the pids written
   */
  Set<Integer> read(
      MetricBatch batch,
      GpuProcessSnapshot.Builder table,
      GpuOptions options,
      long startUnixNanos,
      ProcessLabels names,
      Map<String, String> info,
      DeviceAttribution attribution,
      List<Usage> usages) {
    Labels now = attribution.labelsOf(ref);
    if (!now.equals(attributed)) {
      attributed = now;
      labels = DeviceAttributions.onto(baseLabels, now);
      infoLabels = null;
    }
    int rc = smi.call(RocmSmiSymbol.DEV_BUSY_PERCENT_GET, index, out);
    if (RocmSmiStatus.deviceFailed(rc)) {
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
                + ") does not answer: rsmi_dev_busy_percent_get returned "
                + smi.describe(rc)
                + "; gpu_up{vendor=\"amd\",device=\""
                + index
                + "\"} is 0 and its other series stop until it answers again, the other GPUs"
                + " continue. "
                + RocmSmiStatus.advice(rc));
      }
      batch.gauge("gpu_up", 0, labels);
      return Set.of();
    }
    if (failing) {
      failing = false;
      failingLog.clear(
          "failing", "GPU " + index + " (" + name + ", " + uuid + ") answers again; collecting it");
    }
    if (options.utilization() && rc == RocmSmiStatus.SUCCESS) {
      int busy = out.getInt(0);
      batch.gauge("gpu_utilization_percent", busy, labels);
      table.utilization(ref, busy);
      if (smi.call(RocmSmiSymbol.DEV_MEMORY_BUSY_PERCENT_GET, index, out)
          == RocmSmiStatus.SUCCESS) {
        batch.gauge("gpu_dram_activity_percent", out.getInt(0), labels);
      }
    }
    if (options.memory()
        && smi.call(RocmSmiSymbol.DEV_MEMORY_TOTAL_GET, index, 0, out) == RocmSmiStatus.SUCCESS
        && smi.call(RocmSmiSymbol.DEV_MEMORY_USAGE_GET, index, 0, out2) == RocmSmiStatus.SUCCESS) {
      long total = out.getLong(0);
      long used = out2.getLong(0);
      batch.gauge("gpu_memory_used_bytes", used, labels);
      batch.gauge("gpu_memory_total_bytes", total, labels);
      batch.gauge("gpu_memory_free_bytes", Math.max(0, total - used), labels);
    }
    if (options.temperature()) {
      // edge, else junction (MI300 has no edge sensor); millidegrees
      if (smi.call(RocmSmiSymbol.DEV_TEMP_METRIC_GET, index, 0, 0, out) == RocmSmiStatus.SUCCESS
          || smi.call(RocmSmiSymbol.DEV_TEMP_METRIC_GET, index, 1, 0, out)
              == RocmSmiStatus.SUCCESS) {
        batch.gauge("gpu_temperature_celsius", out.getLong(0) / 1000.0, labels);
      }
      if (smi.call(RocmSmiSymbol.DEV_TEMP_METRIC_GET, index, 2, 0, out) == RocmSmiStatus.SUCCESS) {
        batch.gauge("gpu_memory_temperature_celsius", out.getLong(0) / 1000.0, labels);
      }
      if (smi.call(RocmSmiSymbol.DEV_FAN_SPEED_GET, index, 0, out) == RocmSmiStatus.SUCCESS
          && smi.call(RocmSmiSymbol.DEV_FAN_SPEED_MAX_GET, index, 0, out2) == RocmSmiStatus.SUCCESS
          && out2.getLong(0) > 0) {
        batch.gauge("gpu_fan_speed_percent", out.getLong(0) * 100.0 / out2.getLong(0), labels);
      }
    }
    if (options.power()) {
      // average power (older ASICs), else the current socket power (MI300); microwatts
      if (smi.call(RocmSmiSymbol.DEV_POWER_AVE_GET, index, 0, out) == RocmSmiStatus.SUCCESS
          || smi.call(RocmSmiSymbol.DEV_CURRENT_SOCKET_POWER_GET, index, out)
              == RocmSmiStatus.SUCCESS) {
        batch.gauge("gpu_power_usage_watts", out.getLong(0) / 1e6, labels);
      }
      if (smi.call(RocmSmiSymbol.DEV_POWER_CAP_GET, index, 0, out) == RocmSmiStatus.SUCCESS) {
        batch.gauge("gpu_power_limit_watts", out.getLong(0) / 1e6, labels);
      }
      if (smi.call(RocmSmiSymbol.DEV_ENERGY_COUNT_GET, index, out, out2, out3)
          == RocmSmiStatus.SUCCESS) {
        double joules = out.getLong(0) * (double) out2.getFloat(0) / 1e6;
        batch.counter(
            "gpu_energy_joules_total",
            joules,
            energyStart.startOf(0, joules, batch.timeUnixNanos(), startUnixNanos),
            labels);
      }
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
    }
    Set<Integer> pids = new TreeSet<>();
    if (options.perProcess()) {
      for (Usage usage : usages) {
        if (!pids.add(usage.pid()) || pids.size() > AmdSmiGpu.MAX_PROCESSES) {
          continue;
        }
        Labels series = baseLabels.and(names.labelsOf(usage.pid()));
        table.uses(usage.pid(), ref);
        batch.gauge("gpu_process_memory_bytes", usage.vramBytes(), series);
        if (usage.cuOccupancyPercent() >= 0 && usage.cuOccupancyPercent() <= 100) {
          batch.gauge("gpu_process_sm_utilization_percent", usage.cuOccupancyPercent(), series);
        }
      }
    }
    batch.gauge("gpu_up", 1, labels);
    if (infoLabels == null) {
      infoLabels =
          labels
              .and("driver_version", info.get("driver_version"))
              .and("library", "rocm_smi")
              .and("library_version", info.get("library_version"));
    }
    batch.gauge("gpu_info", 1, infoLabels);
    return pids;
  }

  private long clock(int type) {
    if (smi.call(RocmSmiSymbol.DEV_GPU_CLK_FREQ_GET, index, type, frequencies)
        != RocmSmiStatus.SUCCESS) {
      return -1;
    }
    int count = frequencies.getInt(AmdSmiAbi.FREQUENCIES_NUM_SUPPORTED);
    int current = frequencies.getInt(AmdSmiAbi.FREQUENCIES_CURRENT);
    if (current < 0 || current >= Math.min(count, AmdSmiAbi.MAX_NUM_FREQUENCIES)) {
      return -1;
    }
    return frequencies.getLong(AmdSmiAbi.FREQUENCIES_FREQUENCY + 8L * current);
  }

  /**
   * On the sampling thread: PCIe throughput, counted by the library over one second; asked of
   * partition 0 only, the board's link being one for all its partitions.
   */
  @Override
  public void sampleSlow(GpuOptions options) {
    if (!options.pcieThroughput() || failing || partitionId > 0) {
      return;
    }
    int rc =
        smi.call(RocmSmiSymbol.DEV_PCI_THROUGHPUT_GET, index, slowSent, slowReceived, Pointer.NULL);
    pcieBytesPerSecond =
        rc == RocmSmiStatus.SUCCESS
            ? new long[] {slowSent.getLong(0), slowReceived.getLong(0)}
            : null;
  }
}
