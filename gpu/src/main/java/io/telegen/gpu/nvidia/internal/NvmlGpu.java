package io.telegen.gpu.nvidia.internal;

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
import io.telegen.node.MigDevice;
import io.telegen.source.Labels;
import io.telegen.source.MetricBatch;
import io.telegen.source.ProblemLog;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.logging.Logger;

/**
 * One physical NVIDIA GPU: its identity, MIG instances, the native buffers its reads reuse, and
 * the slow readings (PCIe throughput, GPM) the sampling thread leaves for the next collection.
 *
 * <p>{@link #read} runs on the collection thread and {@link #sampleSlow} on the sampling thread;
 * each has its own buffers, and they share only volatile, immutable readings. Not thread-safe
 * otherwise: {@link NvmlCollector} lets one collection at a time call {@link #read}, and no
 * collection at all when it closes.
 */
final class NvmlGpu implements GpuSlot {

  private static final Logger logger = Logger.getLogger(NvmlGpu.class.getName());

  /** Series per GPU stay bounded however many processes come and go. */
  static final int MAX_PROCESSES = 256;

  private static final String[] THROTTLE_REASONS = {
    "gpu_idle",
    "applications_clocks_setting",
    "sw_power_cap",
    "hw_slowdown",
    "sync_boost",
    "sw_thermal_slowdown",
    "hw_thermal_slowdown",
    "hw_power_brake_slowdown",
    "display_clock_setting"
  };

  private final Nvml nvml;
  private final int index;
  private final String uuid;
  private final String name;
  private final GpuRef ref;
  // The device's own labels (identity), and those plus its attribution's (pod, training job),
  // rebuilt only when the attribution's answer changes.
  private final Labels baseLabels;
  private Labels labels;
  private Labels attributed = Labels.empty();
  private final Map<MigInstance, Labels[]> migAttributed = new IdentityHashMap<>();
  private final boolean migEnabled;
  // Replaced whole on the collection thread when the MIG instances change; the sampling thread
  // reads the latest list.
  private volatile List<MigInstance> migInstances;
  private final int nvlinkLinks;
  private volatile GpmSampler gpm;
  private final boolean gpmSupported;
  private final Memory gpmBuffer;
  // Samplers replaced on the collection thread, freed by the sampling thread at the start of its
  // next pass: the pass that may still use one has ended by then.
  private final Queue<GpmSampler> retired = new ConcurrentLinkedQueue<>();
  // Set by a recovery: handles and GPM samplers are resolved again before the next reads.
  private boolean topologyStale;
  private final Memory migText = new Memory(NvmlLayout.STRING_BUFFER);
  private Labels[] linkLabels;
  private Labels[] throttleLabels;
  private Labels infoLabels;
  private Pointer handle;
  private boolean lost;
  // Says once that this GPU is lost, and once that it answers again.
  private final ProblemLog lostLog = new ProblemLog(logger, "NVIDIA GPUs");

  // Collection-thread buffers.
  private final Memory out = new Memory(8);
  private final Memory out2 = new Memory(8);
  private final Memory memory = new Memory(NvmlLayout.MEMORY_V2_SIZE);
  private final Memory temperature = new Memory(NvmlLayout.TEMPERATURE_V1_SIZE);
  private final Memory fields;
  private final int memoryTemperatureField;
  private Memory processes = new Memory(16L * NvmlLayout.PROCESS_INFO_SIZE);
  private int processCapacity = 16;
  private Memory samples = new Memory(16L * NvmlLayout.PROCESS_SAMPLE_SIZE);
  private int sampleCapacity = 16;
  private long lastSeenTimestamp;
  // The return code of the last process list NVML refused, for the log line.
  private int processListRc = NvmlReturn.SUCCESS;
  // Says once that process lists or samples are unusable, and once that they are fine again.
  private final ProblemLog processLog = new ProblemLog(logger, "NVIDIA GPUs");

  /** An SM reading dropped as impossible: the pid's series is left out, neither 0 nor a value. */
  private static final int IMPOSSIBLE = -1;

  // NVLink: the KiB throughput fields, or NVLink5's byte counters where only they answer.
  private final int nvlinkTxField;
  private final int nvlinkRxField;
  private final int nvlinkUnitBytes;
  // Start times of the driver's counters: one per field request, and energy.
  private final CumulativeStarts fieldStarts;
  private final CumulativeStarts energyStart = new CumulativeStarts(1);

  // Sampling-thread buffer and readings.
  private final Memory slowOut = new Memory(8);
  private volatile long[] pcieBytesPerSecond;

  private NvmlGpu(
      Nvml nvml,
      int index,
      Pointer handle,
      String uuid,
      String name,
      Labels labels,
      boolean migEnabled,
      List<MigInstance> migInstances,
      int nvlinkLinks,
      GpmSampler gpm,
      boolean gpmSupported,
      Memory gpmBuffer,
      GpuOptions options) {
    this.nvml = nvml;
    this.index = index;
    this.handle = handle;
    this.uuid = uuid;
    this.name = name;
    this.ref = GpuRef.gpu(GpuVendor.NVIDIA, index, uuid);
    this.baseLabels = labels;
    this.labels = labels;
    this.migEnabled = migEnabled;
    this.migInstances = migInstances;
    this.nvlinkLinks = nvlinkLinks;
    this.gpm = gpm;
    this.gpmSupported = gpmSupported;
    this.gpmBuffer = gpmBuffer;
    buildDerivedLabels();
    int[] nvlink = nvlinkCounterFields(nvml, handle, nvlinkLinks);
    this.nvlinkTxField = nvlink[0];
    this.nvlinkRxField = nvlink[1];
    this.nvlinkUnitBytes = nvlink[2];
    // One field-values call per cycle fetches memory temperature and every NVLink counter.
    List<int[]> requests = new ArrayList<>();
    if (options.temperature()) {
      requests.add(new int[] {NvmlLayout.FI_DEV_MEMORY_TEMP, 0});
    }
    if (options.pcieThroughput()) {
      for (int link = 0; link < nvlinkLinks; link++) {
        requests.add(new int[] {nvlinkTxField, link});
        requests.add(new int[] {nvlinkRxField, link});
      }
    }
    this.memoryTemperatureField = options.temperature() ? 0 : -1;
    this.fieldStarts = new CumulativeStarts(requests.size());
    this.fields =
        requests.isEmpty()
            ? null
            : new Memory((long) requests.size() * NvmlLayout.FIELD_VALUE_SIZE);
    for (int i = 0; i < requests.size(); i++) {
      fields.setInt(
          (long) i * NvmlLayout.FIELD_VALUE_SIZE + NvmlLayout.FIELD_VALUE_FIELD_ID,
          requests.get(i)[0]);
      fields.setInt(
          (long) i * NvmlLayout.FIELD_VALUE_SIZE + NvmlLayout.FIELD_VALUE_SCOPE_ID,
          requests.get(i)[1]);
    }
  }

  /** Reads the identity and topology of GPU {@code index}. */
  static NvmlGpu discover(Nvml nvml, int index, GpuOptions options, Memory gpmBuffer)
      throws NvmlLoadException {
    Memory out = new Memory(8);
    check(nvml, nvml.call(NvmlSymbol.DEVICE_GET_HANDLE_BY_INDEX, index, out), "handle", index);
    Pointer handle = out.getPointer(0);
    String name = string(nvml, NvmlSymbol.DEVICE_GET_NAME, handle, index);
    String uuid = string(nvml, NvmlSymbol.DEVICE_GET_UUID, handle, index);
    Memory pci = new Memory(NvmlLayout.PCI_INFO_SIZE);
    check(nvml, nvml.call(NvmlSymbol.DEVICE_GET_PCI_INFO, handle, pci), "PCI info", index);
    String busId = pci.getString(NvmlLayout.PCI_INFO_BUS_ID);
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
            "nvidia");

    Memory pending = new Memory(4);
    boolean mig =
        nvml.call(NvmlSymbol.DEVICE_GET_MIG_MODE, handle, out, pending) == NvmlReturn.SUCCESS
            && out.getInt(0) == 1;

    boolean gpmSupported = false;
    if (nvml.has(NvmlSymbol.GPM_QUERY_DEVICE_SUPPORT)) {
      Memory support = new Memory(NvmlLayout.GPM_SUPPORT_SIZE);
      support.clear();
      support.setInt(0, NvmlLayout.GPM_SUPPORT_VERSION);
      gpmSupported =
          nvml.call(NvmlSymbol.GPM_QUERY_DEVICE_SUPPORT, handle, support) == NvmlReturn.SUCCESS
              && support.getInt(NvmlLayout.GPM_SUPPORT_IS_SUPPORTED) != 0;
    }

    int links = 0;
    if (!mig) {
      Memory field = new Memory(NvmlLayout.FIELD_VALUE_SIZE);
      field.clear();
      field.setInt(NvmlLayout.FIELD_VALUE_FIELD_ID, NvmlLayout.FI_DEV_NVLINK_LINK_COUNT);
      if (nvml.call(NvmlSymbol.DEVICE_GET_FIELD_VALUES, handle, 1, field) == NvmlReturn.SUCCESS
          && field.getInt(NvmlLayout.FIELD_VALUE_RETURN) == NvmlReturn.SUCCESS) {
        links = (int) fieldValue(field, 0);
      }
    }

    List<MigInstance> instances =
        mig ? discoverMig(nvml, handle, index, uuid, labels, gpmSupported, gpmBuffer) : List.of();
    if (mig && !gpmSupported) {
      logger.info(
          "GPU "
              + index
              + " ("
              + name
              + ") is in MIG mode without GPM (which needs "
              + "Hopper or newer): NVML has no utilisation for its MIG instances, so "
              + "gpu_utilization_percent is absent for them; memory and processes are reported");
    }
    GpmSampler gpm = gpmSupported && !mig ? GpmSampler.create(nvml, handle, -1, gpmBuffer) : null;
    return new NvmlGpu(
        nvml,
        index,
        handle,
        uuid,
        name,
        labels,
        mig,
        instances,
        links,
        gpm,
        gpmSupported,
        gpmBuffer,
        options);
  }

  private static List<MigInstance> discoverMig(
      Nvml nvml,
      Pointer parent,
      int parentIndex,
      String parentUuid,
      Labels parentLabels,
      boolean gpm,
      Memory gpmBuffer) {
    Memory out = new Memory(8);
    if (nvml.call(NvmlSymbol.DEVICE_GET_MAX_MIG_DEVICE_COUNT, parent, out) != NvmlReturn.SUCCESS) {
      return List.of();
    }
    int max = out.getInt(0);
    List<MigInstance> instances = new ArrayList<>();
    Map<Integer, GpmSampler> samplers = new HashMap<>();
    Memory text = new Memory(NvmlLayout.STRING_BUFFER);
    for (int i = 0; i < max; i++) {
      MigSlot slot = readMigSlot(nvml, parent, i, out, text);
      if (slot == null) {
        continue;
      }
      Pointer mig = slot.handle();
      int gi = slot.gpuInstanceId();
      int ci = slot.computeInstanceId();
      String migUuid = slot.uuid();
      String profile =
          nvml.call(NvmlSymbol.DEVICE_GET_NAME, mig, text, NvmlLayout.STRING_BUFFER)
                  == NvmlReturn.SUCCESS
              ? MigInstance.profileFromName(text.getString(0))
              : "unknown";
      String migDevice = MigInstance.migDevice(profile, i);
      Labels labels =
          parentLabels
              .and("mig_device", migDevice)
              .and("mig_profile", profile)
              .and("gpu_instance_id", Integer.toString(gi))
              .and("compute_instance_id", Integer.toString(ci))
              .and("mig_uuid", migUuid);
      GpmSampler sampler =
          gpm
              ? samplers.computeIfAbsent(gi, g -> GpmSampler.create(nvml, parent, g, gpmBuffer))
              : null;
      GpuRef ref =
          GpuRef.mig(
              GpuVendor.NVIDIA, parentIndex, parentUuid, new MigDevice(migUuid, gi, ci, migDevice));
      instances.add(new MigInstance(mig, i, gi, ci, migUuid, profile, labels, sampler, ref));
    }
    return List.copyOf(instances);
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

  boolean migEnabled() {
    return migEnabled;
  }

  List<MigInstance> migInstances() {
    return migInstances;
  }

  /**
   * {@code gpu_up}'s labels, kept for the GPU should it stop answering: its own, without an
   * attribution that would be stale by then.
   */
  Labels upLabels() {
    return baseLabels;
  }

  int nvlinkLinks() {
    return nvlinkLinks;
  }

  boolean gpm() {
    return gpm != null || migInstances.stream().anyMatch(m -> m.gpm() != null);
  }

  /**
   * Writes this GPU's series into {@code batch}, and what its processes use and its utilisation
   * into {@code table}. A GPU that reports itself lost gets {@code gpu_up 0} and nothing else
   * until it answers again.
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
    if (lost && !recovered()) {
      batch.gauge("gpu_up", 0, labels);
      return Set.of();
    }
    refreshTopology();
    if (options.utilization()
        && !migEnabled
        && ok(nvml.call(NvmlSymbol.DEVICE_GET_UTILIZATION_RATES, handle, out))) {
      int percent = out.getInt(NvmlLayout.UTILIZATION_GPU);
      batch.gauge("gpu_utilization_percent", percent, labels);
      table.utilization(ref, percent);
    }
    if (options.memory()) {
      readMemory(batch, handle, labels);
    }
    if (options.temperature()) {
      readTemperature(batch);
      if (ok(nvml.call(NvmlSymbol.DEVICE_GET_FAN_SPEED, handle, out))) {
        batch.gauge("gpu_fan_speed_percent", out.getInt(0), labels);
      }
    }
    readFields(batch, startUnixNanos);
    if (options.power()) {
      if (ok(nvml.call(NvmlSymbol.DEVICE_GET_POWER_USAGE, handle, out))) {
        batch.gauge("gpu_power_usage_watts", unsigned(out.getInt(0)) / 1000.0, labels);
      }
      if (ok(nvml.call(NvmlSymbol.DEVICE_GET_ENFORCED_POWER_LIMIT, handle, out))) {
        batch.gauge("gpu_power_limit_watts", unsigned(out.getInt(0)) / 1000.0, labels);
      }
      if (ok(nvml.call(NvmlSymbol.DEVICE_GET_TOTAL_ENERGY_CONSUMPTION, handle, out))) {
        double joules = out.getLong(0) / 1000.0;
        batch.counter(
            "gpu_energy_joules_total",
            joules,
            energyStart.startOf(0, joules, batch.timeUnixNanos(), startUnixNanos),
            labels);
      }
    }
    if (options.clock()) {
      if (ok(nvml.call(NvmlSymbol.DEVICE_GET_CLOCK_INFO, handle, NvmlLayout.CLOCK_SM, out))) {
        batch.gauge("gpu_sm_clock_hz", unsigned(out.getInt(0)) * 1e6, labels);
      }
      if (ok(nvml.call(NvmlSymbol.DEVICE_GET_CLOCK_INFO, handle, NvmlLayout.CLOCK_MEM, out))) {
        batch.gauge("gpu_memory_clock_hz", unsigned(out.getInt(0)) * 1e6, labels);
      }
      readThrottleReasons(batch);
    }
    if (options.pcieThroughput()) {
      long[] pcie = pcieBytesPerSecond;
      if (pcie != null) {
        batch.gauge("gpu_pcie_tx_bytes", pcie[0], labels);
        batch.gauge("gpu_pcie_rx_bytes", pcie[1], labels);
      }
    }
    if (options.encoderDecoder() && !migEnabled) {
      if (ok(nvml.call(NvmlSymbol.DEVICE_GET_ENCODER_UTILIZATION, handle, out, out2))) {
        batch.gauge("gpu_encoder_utilization_percent", out.getInt(0), labels);
      }
      if (ok(nvml.call(NvmlSymbol.DEVICE_GET_DECODER_UTILIZATION, handle, out, out2))) {
        batch.gauge("gpu_decoder_utilization_percent", out.getInt(0), labels);
      }
    }
    if (options.utilization() && gpm != null) {
      writeGpm(batch, gpm.values(), labels, null, table);
    }
    for (MigInstance instance : migInstances) {
      if (options.memory()) {
        readMemory(batch, instance.handle(), labelsOf(instance));
      }
      if (options.utilization() && instance.gpm() != null) {
        writeGpm(batch, instance.gpm().values(), labelsOf(instance), instance, table);
      }
    }
    Set<Integer> pids = options.perProcess() ? readProcesses(batch, table, names) : Set.of();

    batch.gauge("gpu_up", lost ? 0 : 1, labels);
    if (infoLabels == null) {
      Labels withDriver = labels.and("driver_version", info.get("driver_version"));
      infoLabels =
          info.containsKey("cuda_version")
              ? withDriver.and("cuda_version", info.get("cuda_version"))
              : withDriver;
    }
    batch.gauge("gpu_info", 1, infoLabels);
    return pids;
  }

  /**
   * Asks {@code attribution} for this GPU's and each MIG device's labels; the label sets are built
   * again only when an answer changed, so a steady node costs one lookup per device per cycle.
   */
  private void attribute(DeviceAttribution attribution) {
    Labels now = attribution.labelsOf(ref);
    if (!now.equals(attributed)) {
      attributed = now;
      labels = DeviceAttributions.onto(baseLabels, now);
      buildDerivedLabels();
      infoLabels = null;
    }
    List<MigInstance> instances = migInstances;
    migAttributed.keySet().retainAll(instances);
    for (MigInstance instance : instances) {
      Labels mine = attribution.labelsOf(instance.ref());
      Labels[] known = migAttributed.get(instance);
      if (known == null || !known[0].equals(mine)) {
        migAttributed.put(
            instance, new Labels[] {mine, DeviceAttributions.onto(instance.labels(), mine)});
      }
    }
  }

  /** A MIG device's labels with its attribution's. */
  private Labels labelsOf(MigInstance instance) {
    Labels[] known = migAttributed.get(instance);
    return known == null ? instance.labels() : known[1];
  }

  // The label sets derived from the GPU's: built once per attribution, since they are most of a
  // cycle's series.
  private void buildDerivedLabels() {
    Labels[] links = new Labels[nvlinkLinks];
    for (int link = 0; link < nvlinkLinks; link++) {
      links[link] = labels.and("link", Integer.toString(link));
    }
    Labels[] throttles = new Labels[THROTTLE_REASONS.length];
    for (int bit = 0; bit < THROTTLE_REASONS.length; bit++) {
      throttles[bit] = labels.and("reason", THROTTLE_REASONS[bit]);
    }
    linkLabels = links;
    throttleLabels = throttles;
  }

  private void readMemory(MetricBatch batch, Pointer device, Labels series) {
    long total;
    long free;
    long used;
    int rc = NvmlReturn.FUNCTION_NOT_FOUND;
    if (nvml.has(NvmlSymbol.DEVICE_GET_MEMORY_INFO_V2)) {
      memory.setInt(0, NvmlLayout.MEMORY_V2_VERSION);
      rc = nvml.call(NvmlSymbol.DEVICE_GET_MEMORY_INFO_V2, device, memory);
    }
    if (ok(rc)) {
      // v2: "used" is allocated memory only; the driver's reserved memory is neither used nor free.
      total = memory.getLong(NvmlLayout.MEMORY_V2_TOTAL);
      free = memory.getLong(NvmlLayout.MEMORY_V2_FREE);
      used = memory.getLong(NvmlLayout.MEMORY_V2_USED);
    } else if (rc != NvmlReturn.FUNCTION_NOT_FOUND && rc != NvmlReturn.NOT_SUPPORTED) {
      return;
    } else {
      // v1 (an older driver, or one whose v2 answers NOT_SUPPORTED): "used" includes reserved.
      if (!ok(nvml.call(NvmlSymbol.DEVICE_GET_MEMORY_INFO, device, memory))) {
        return;
      }
      total = memory.getLong(NvmlLayout.MEMORY_TOTAL);
      free = memory.getLong(NvmlLayout.MEMORY_FREE);
      used = memory.getLong(NvmlLayout.MEMORY_USED);
    }
    batch.gauge("gpu_memory_used_bytes", used, series);
    batch.gauge("gpu_memory_total_bytes", total, series);
    batch.gauge("gpu_memory_free_bytes", free, series);
  }

  /** nvmlDeviceGetTemperatureV where exported (the older call is deprecated in NVML 13.0). */
  private void readTemperature(MetricBatch batch) {
    if (nvml.has(NvmlSymbol.DEVICE_GET_TEMPERATURE_V)) {
      temperature.clear();
      temperature.setInt(0, NvmlLayout.TEMPERATURE_V1_VERSION);
      temperature.setInt(NvmlLayout.TEMPERATURE_V1_SENSOR_TYPE, NvmlLayout.TEMPERATURE_GPU);
      int rc = nvml.call(NvmlSymbol.DEVICE_GET_TEMPERATURE_V, handle, temperature);
      if (ok(rc)) {
        batch.gauge(
            "gpu_temperature_celsius",
            temperature.getInt(NvmlLayout.TEMPERATURE_V1_TEMPERATURE),
            labels);
        return;
      }
      // A driver that moved the struct to a newer version answers VERSION_MISMATCH: the
      // deprecated call still answers there.
      if (rc != NvmlReturn.ARGUMENT_VERSION_MISMATCH) {
        return;
      }
    }
    if (ok(nvml.call(NvmlSymbol.DEVICE_GET_TEMPERATURE, handle, NvmlLayout.TEMPERATURE_GPU, out))) {
      batch.gauge("gpu_temperature_celsius", out.getInt(0), labels);
    }
  }

  /**
   * {tx field, rx field, bytes per unit} for NVLink traffic: the KiB throughput fields 138/139,
   * or NVLink5's byte counters 202/204 where link 0 answers only those (Blackwell).
   */
  private static int[] nvlinkCounterFields(Nvml nvml, Pointer handle, int links) {
    int[] kib = {
      NvmlLayout.FI_DEV_NVLINK_THROUGHPUT_DATA_TX, NvmlLayout.FI_DEV_NVLINK_THROUGHPUT_DATA_RX, 1024
    };
    if (links == 0
        || fieldAnswers(nvml, handle, NvmlLayout.FI_DEV_NVLINK_THROUGHPUT_DATA_TX)
        || !fieldAnswers(nvml, handle, NvmlLayout.FI_DEV_NVLINK_COUNT_XMIT_BYTES)) {
      return kib;
    }
    return new int[] {
      NvmlLayout.FI_DEV_NVLINK_COUNT_XMIT_BYTES, NvmlLayout.FI_DEV_NVLINK_COUNT_RCV_BYTES, 1
    };
  }

  private static boolean fieldAnswers(Nvml nvml, Pointer handle, int fieldId) {
    Memory field = new Memory(NvmlLayout.FIELD_VALUE_SIZE);
    field.clear();
    field.setInt(NvmlLayout.FIELD_VALUE_FIELD_ID, fieldId);
    return nvml.call(NvmlSymbol.DEVICE_GET_FIELD_VALUES, handle, 1, field) == NvmlReturn.SUCCESS
        && field.getInt(NvmlLayout.FIELD_VALUE_RETURN) == NvmlReturn.SUCCESS;
  }

  private void readFields(MetricBatch batch, long startUnixNanos) {
    if (fields == null) {
      return;
    }
    int count = (int) (fields.size() / NvmlLayout.FIELD_VALUE_SIZE);
    if (!ok(nvml.call(NvmlSymbol.DEVICE_GET_FIELD_VALUES, handle, count, fields))) {
      return;
    }
    for (int i = 0; i < count; i++) {
      long at = (long) i * NvmlLayout.FIELD_VALUE_SIZE;
      if (fields.getInt(at + NvmlLayout.FIELD_VALUE_RETURN) != NvmlReturn.SUCCESS) {
        continue;
      }
      int field = fields.getInt(at + NvmlLayout.FIELD_VALUE_FIELD_ID);
      double value = fieldValue(fields, at);
      if (i == memoryTemperatureField) {
        batch.gauge("gpu_memory_temperature_celsius", value, labels);
      } else {
        int link = fields.getInt(at + NvmlLayout.FIELD_VALUE_SCOPE_ID);
        // Cumulative KiB (138/139) or bytes (NVLink5's 202/204).
        double bytes = value * nvlinkUnitBytes;
        batch.counter(
            field == nvlinkTxField ? "gpu_nvlink_tx_bytes_total" : "gpu_nvlink_rx_bytes_total",
            bytes,
            fieldStarts.startOf(i, bytes, batch.timeUnixNanos(), startUnixNanos),
            linkLabels[link]);
      }
    }
  }

  private void readThrottleReasons(MetricBatch batch) {
    NvmlSymbol symbol =
        nvml.has(NvmlSymbol.DEVICE_GET_CLOCKS_EVENT_REASONS)
            ? NvmlSymbol.DEVICE_GET_CLOCKS_EVENT_REASONS
            : NvmlSymbol.DEVICE_GET_CLOCKS_THROTTLE_REASONS;
    if (!ok(nvml.call(symbol, handle, out))) {
      return;
    }
    long mask = out.getLong(0);
    for (int bit = 0; bit < THROTTLE_REASONS.length; bit++) {
      batch.gauge("gpu_throttle_reasons", (mask >>> bit) & 1, throttleLabels[bit]);
    }
  }

  /** GPM readings of the whole GPU ({@code mig} null) or of one MIG instance. */
  private void writeGpm(
      MetricBatch batch,
      double[] values,
      Labels series,
      MigInstance mig,
      GpuProcessSnapshot.Builder table) {
    if (values == null) {
      return;
    }
    // On MIG, GPM is the only source of utilisation, so it fills gpu_utilization_percent.
    if (mig != null && !Double.isNaN(values[GpmSampler.GRAPHICS])) {
      batch.gauge("gpu_utilization_percent", values[GpmSampler.GRAPHICS], series);
      table.utilization(mig.ref(), values[GpmSampler.GRAPHICS]);
    }
    gauge(batch, "gpu_sm_activity_percent", values[GpmSampler.SM], series);
    gauge(batch, "gpu_sm_occupancy_percent", values[GpmSampler.OCCUPANCY], series);
    gauge(batch, "gpu_tensor_activity_percent", values[GpmSampler.TENSOR], series);
    gauge(batch, "gpu_dram_activity_percent", values[GpmSampler.DRAM], series);
  }

  private static void gauge(MetricBatch batch, String name, double value, Labels series) {
    if (!Double.isNaN(value)) {
      batch.gauge(name, value, series);
    }
  }

  /** One entry of an NVML process list, copied out of the reused native buffer. */
  private record ProcessEntry(int pid, long usedMemory, int gpuInstanceId, int computeInstanceId) {}

  private Set<Integer> readProcesses(
      MetricBatch batch, GpuProcessSnapshot.Builder table, ProcessLabels names) {
    Map<Integer, Integer> smUtil = migEnabled ? Map.of() : processUtilization();
    Map<Integer, Labels> seen = new TreeMap<>();
    if (migEnabled) {
      readMigProcesses(batch, table, names, seen);
    } else {
      List<ProcessEntry> entries = runningProcesses(handle);
      if (entries != null) {
        for (ProcessEntry entry : entries) {
          reportProcess(batch, table, names, seen, entry, null);
        }
      }
    }
    if (!migEnabled && smUtil != null) {
      // Only processes busy in the last sample period have samples; the others were idle. A
      // process whose samples were all impossible has no reading at all.
      seen.forEach(
          (pid, series) -> {
            int percent = smUtil.getOrDefault(pid, 0);
            if (percent != IMPOSSIBLE) {
              batch.gauge("gpu_process_sm_utilization_percent", percent, series);
            }
          });
    }
    return seen.keySet();
  }

  /**
   * In MIG mode, each MIG device's own list. nvml.h gives the parent's aggregate list "only if the
   * caller has appropriate privileges" (an unprivileged container gets NO_PERMISSION), while a MIG
   * handle lists its instance's processes to any caller and names the instance without the
   * {@code _v3} entries' instance ids, which older drivers lack. So the MIG handles are always
   * asked; the aggregate only for the instances that refuse (per-instance queries are not
   * supported in vGPU host mode), its entries placed by their instance ids.
   */
  private void readMigProcesses(
      MetricBatch batch,
      GpuProcessSnapshot.Builder table,
      ProcessLabels names,
      Map<Integer, Labels> seen) {
    Set<MigInstance> answered = new HashSet<>();
    List<String> refused = new ArrayList<>();
    for (MigInstance instance : migInstances) {
      List<ProcessEntry> entries = runningProcesses(instance.handle());
      if (entries == null) {
        refused.add(MigInstance.migDevice(instance.profile(), instance.index()));
        continue;
      }
      answered.add(instance);
      for (ProcessEntry entry : entries) {
        reportProcess(batch, table, names, seen, entry, instance);
      }
    }
    if (refused.isEmpty()) {
      processLog.clear(
          "mig",
          "GPU " + index + " (" + name + "): the processes of every MIG device are read again");
      return;
    }
    List<ProcessEntry> aggregate = runningProcesses(handle);
    if (aggregate == null) {
      if (lost) {
        return; // said once already, as the GPU being lost
      }
      processLog.report(
          "mig",
          "GPU "
              + index
              + " ("
              + name
              + ", "
              + uuid
              + ") is in MIG mode and NVML lists the processes neither of MIG device(s) "
              + String.join(", ", refused)
              + " nor of the whole GPU ("
              + nvml.describe(processListRc)
              + "), so gpu_process_memory_bytes and the pid to GPU join lack their processes. "
              + "MIG devices refuse this in vGPU host mode; the whole GPU's list then needs the "
              + "agent to run with the privileges NVML asks for");
      return;
    }
    processLog.clear(
        "mig",
        "GPU " + index + " (" + name + "): the processes of every MIG device are read again");
    for (ProcessEntry entry : aggregate) {
      MigInstance instance = instance(entry.gpuInstanceId(), entry.computeInstanceId());
      boolean listedAlready =
          instance == null ? seen.containsKey(entry.pid()) : answered.contains(instance);
      if (!listedAlready) {
        // Without instance ids (a v1 entry, an unknown instance) it is known by its GPU only.
        reportProcess(batch, table, names, seen, entry, instance);
      }
    }
  }

  private void reportProcess(
      MetricBatch batch,
      GpuProcessSnapshot.Builder table,
      ProcessLabels names,
      Map<Integer, Labels> seen,
      ProcessEntry entry,
      MigInstance instance) {
    int pid = entry.pid();
    // Series per GPU stay bounded however many processes come and go.
    if (seen.size() >= MAX_PROCESSES && !seen.containsKey(pid)) {
      return;
    }
    // A process's series carry the device's identity and the process's own pod and job, not
    // the device's: those may be another process's.
    Labels process = names.labelsOf(pid);
    Labels series = baseLabels.and(process);
    Labels memorySeries = instance == null ? series : instance.labels().and(process);
    table.uses(pid, instance == null ? ref : instance.ref());
    if (entry.usedMemory() != NvmlLayout.VALUE_NOT_AVAILABLE) {
      batch.gauge("gpu_process_memory_bytes", entry.usedMemory(), memorySeries);
    }
    seen.put(pid, series);
  }

  /**
   * The compute processes on {@code device} (a GPU or a MIG handle), then the MPS clients not
   * among them: NVML lists MPS clients only through {@code
   * nvmlDeviceGetMPSComputeRunningProcesses_v3} (the MPS server is a compute process), and some
   * drivers list a client in both. Null when the compute list cannot be read; a driver without
   * the MPS call, or one that refuses it, leaves the compute list as it is.
   */
  private List<ProcessEntry> runningProcesses(Pointer device) {
    boolean v3 = nvml.has(NvmlSymbol.DEVICE_GET_COMPUTE_RUNNING_PROCESSES_V3);
    List<ProcessEntry> compute =
        processList(
            device,
            v3
                ? NvmlSymbol.DEVICE_GET_COMPUTE_RUNNING_PROCESSES_V3
                : NvmlSymbol.DEVICE_GET_COMPUTE_RUNNING_PROCESSES,
            v3);
    if (compute == null || !nvml.has(NvmlSymbol.DEVICE_GET_MPS_COMPUTE_RUNNING_PROCESSES_V3)) {
      return compute;
    }
    List<ProcessEntry> mps =
        processList(device, NvmlSymbol.DEVICE_GET_MPS_COMPUTE_RUNNING_PROCESSES_V3, true);
    if (mps == null || mps.isEmpty()) {
      return compute;
    }
    Set<Integer> pids = new HashSet<>();
    compute.forEach(entry -> pids.add(entry.pid()));
    List<ProcessEntry> merged = new ArrayList<>(compute);
    for (ProcessEntry entry : mps) {
      if (pids.add(entry.pid())) {
        merged.add(entry);
      }
    }
    return merged;
  }

  /** One process list, through NVML's two-call sizing; null (and its code kept) when refused. */
  private List<ProcessEntry> processList(Pointer device, NvmlSymbol symbol, boolean v3) {
    int entrySize = v3 ? NvmlLayout.PROCESS_INFO_SIZE : NvmlLayout.PROCESS_INFO_V1_SIZE;
    out.setInt(0, processCapacity);
    int rc = nvml.call(symbol, device, out, processes);
    if (rc == NvmlReturn.INSUFFICIENT_SIZE) {
      // The list changes between the calls; leave room for processes starting meanwhile.
      processCapacity = out.getInt(0) + 8;
      processes = new Memory((long) processCapacity * NvmlLayout.PROCESS_INFO_SIZE);
      out.setInt(0, processCapacity);
      rc = nvml.call(symbol, device, out, processes);
    }
    if (!ok(rc)) {
      processListRc = rc;
      return null;
    }
    int count = Math.min(out.getInt(0), Math.min(processCapacity, MAX_PROCESSES));
    List<ProcessEntry> entries = new ArrayList<>(count);
    for (int i = 0; i < count; i++) {
      long at = (long) i * entrySize;
      entries.add(
          new ProcessEntry(
              processes.getInt(at + NvmlLayout.PROCESS_INFO_PID),
              processes.getLong(at + NvmlLayout.PROCESS_INFO_USED_MEMORY),
              v3
                  ? processes.getInt(at + NvmlLayout.PROCESS_INFO_GPU_INSTANCE_ID)
                  : NvmlLayout.NO_INSTANCE,
              v3
                  ? processes.getInt(at + NvmlLayout.PROCESS_INFO_COMPUTE_INSTANCE_ID)
                  : NvmlLayout.NO_INSTANCE));
    }
    return entries;
  }

  /**
   * pid → SM % from the samples newer than the last seen; null when unsupported. A pid whose
   * every sample was impossible maps to {@link #IMPOSSIBLE}.
   */
  private Map<Integer, Integer> processUtilization() {
    out.setInt(0, sampleCapacity);
    int rc =
        nvml.call(
            NvmlSymbol.DEVICE_GET_PROCESS_UTILIZATION, handle, samples, out, lastSeenTimestamp);
    if (rc == NvmlReturn.INSUFFICIENT_SIZE) {
      sampleCapacity = out.getInt(0) + 8;
      samples = new Memory((long) sampleCapacity * NvmlLayout.PROCESS_SAMPLE_SIZE);
      out.setInt(0, sampleCapacity);
      rc =
          nvml.call(
              NvmlSymbol.DEVICE_GET_PROCESS_UTILIZATION, handle, samples, out, lastSeenTimestamp);
    }
    if (rc == NvmlReturn.NOT_FOUND) {
      return Map.of();
    }
    if (!ok(rc)) {
      return null;
    }
    // Each sample has its own timestamp and they come in no order (go-nvml#51, nvtop#110): each
    // is judged against the lastSeenTimeStamp passed in, the newest per pid wins, and the last
    // seen moves on only after the loop, to the newest possible sample.
    long since = lastSeenTimestamp;
    long newest = since;
    Map<Integer, Integer> util = new HashMap<>();
    Map<Integer, Long> takenAt = new HashMap<>();
    String impossible = null;
    int count = Math.min(out.getInt(0), sampleCapacity);
    for (int i = 0; i < count; i++) {
      long at = (long) i * NvmlLayout.PROCESS_SAMPLE_SIZE;
      int pid = samples.getInt(at + NvmlLayout.PROCESS_SAMPLE_PID);
      long timestamp = samples.getLong(at + NvmlLayout.PROCESS_SAMPLE_TIMESTAMP);
      if (timestamp <= since) {
        continue;
      }
      int sm = samples.getInt(at + NvmlLayout.PROCESS_SAMPLE_SM_UTIL);
      int mem = samples.getInt(at + NvmlLayout.PROCESS_SAMPLE_MEM_UTIL);
      int enc = samples.getInt(at + NvmlLayout.PROCESS_SAMPLE_ENC_UTIL);
      int dec = samples.getInt(at + NvmlLayout.PROCESS_SAMPLE_DEC_UTIL);
      // Drivers return garbage entries (values far above 100, nvtop#110); one impossible field
      // makes the whole entry suspect, its timestamp included, so it moves nothing on.
      if (Integer.compareUnsigned(sm, 100) > 0
          || Integer.compareUnsigned(mem, 100) > 0
          || Integer.compareUnsigned(enc, 100) > 0
          || Integer.compareUnsigned(dec, 100) > 0) {
        util.putIfAbsent(pid, IMPOSSIBLE);
        if (impossible == null) {
          impossible =
              "pid "
                  + pid
                  + ": SM "
                  + unsigned(sm)
                  + " %, memory "
                  + unsigned(mem)
                  + " %, encoder "
                  + unsigned(enc)
                  + " %, decoder "
                  + unsigned(dec)
                  + " %";
        }
        continue;
      }
      Long previous = takenAt.get(pid);
      if (previous == null || timestamp > previous) {
        takenAt.put(pid, timestamp);
        util.put(pid, sm);
      }
      newest = Math.max(newest, timestamp);
    }
    lastSeenTimestamp = newest;
    if (impossible == null) {
      processLog.clear(
          "samples", "GPU " + index + " (" + name + ") gives possible per-process samples again");
    } else {
      processLog.report(
          "samples",
          "GPU "
              + index
              + " ("
              + name
              + ", "
              + uuid
              + ") returned per-process utilisation samples above 100 % ("
              + impossible
              + "), a known driver fault; they are dropped, and a process with no other sample "
              + "has no gpu_process_sm_utilization_percent until the driver gives a possible one");
    }
    return util;
  }

  private MigInstance instance(int gpuInstanceId, int computeInstanceId) {
    for (MigInstance instance : migInstances) {
      if (instance.gpuInstanceId() == gpuInstanceId
          && instance.computeInstanceId() == computeInstanceId) {
        return instance;
      }
    }
    return null;
  }

  /** On the sampling thread: the calls too slow for a collection (PCIe: 20 ms each), and GPM. */
  void sampleSlow(GpuOptions options) {
    closeRetired();
    if (lost) {
      return;
    }
    if (options.pcieThroughput()) {
      int tx =
          nvml.call(
              NvmlSymbol.DEVICE_GET_PCIE_THROUGHPUT,
              handle,
              NvmlLayout.PCIE_UTIL_TX_BYTES,
              slowOut);
      long txValue = unsigned(slowOut.getInt(0));
      int rx =
          nvml.call(
              NvmlSymbol.DEVICE_GET_PCIE_THROUGHPUT,
              handle,
              NvmlLayout.PCIE_UTIL_RX_BYTES,
              slowOut);
      long rxValue = unsigned(slowOut.getInt(0));
      // NVML reports KB/s; the metric is bytes per second.
      pcieBytesPerSecond =
          tx == NvmlReturn.SUCCESS && rx == NvmlReturn.SUCCESS
              ? new long[] {txValue * 1024, rxValue * 1024}
              : null;
    }
    if (options.utilization()) {
      if (gpm != null) {
        gpm.sample();
      }
      Set<GpmSampler> done = new java.util.HashSet<>();
      for (MigInstance instance : migInstances) {
        if (instance.gpm() != null && done.add(instance.gpm())) {
          instance.gpm().sample();
        }
      }
    }
  }

  void close() {
    closeRetired();
    if (gpm != null) {
      gpm.close();
    }
    Set<GpmSampler> closed = new java.util.HashSet<>();
    for (MigInstance instance : migInstances) {
      if (instance.gpm() != null && closed.add(instance.gpm())) {
        instance.gpm().close();
      }
    }
  }

  /** Tracks GPU_IS_LOST: a lost GPU reports only {@code gpu_up 0} until it answers again. */
  private boolean ok(int rc) {
    if (rc == NvmlReturn.GPU_IS_LOST && !lost) {
      lost = true;
      lostLog.report(
          "lost",
          "GPU "
              + index
              + " ("
              + name
              + ", "
              + uuid
              + ") is lost "
              + nvml.describe(rc)
              + "; gpu_up{device=\""
              + index
              + "\"} is 0 and its other series "
              + "stop until it answers again. Check dmesg for Xid errors; the other GPUs continue");
    }
    return rc == NvmlReturn.SUCCESS;
  }

  private boolean recovered() {
    int rc = nvml.call(NvmlSymbol.DEVICE_GET_POWER_USAGE, handle, out);
    if (rc == NvmlReturn.GPU_IS_LOST) {
      // After a reset the driver may hand out a new handle for the same board.
      Memory byUuid = new Memory(8);
      if (nvml.call(NvmlSymbol.DEVICE_GET_HANDLE_BY_UUID, uuid, byUuid) != NvmlReturn.SUCCESS) {
        return false;
      }
      Pointer fresh = byUuid.getPointer(0);
      if (nvml.call(NvmlSymbol.DEVICE_GET_POWER_USAGE, fresh, out) == NvmlReturn.GPU_IS_LOST) {
        return false;
      }
      handle = fresh;
    }
    lost = false;
    // A reset may hand out new MIG handles and instances; the GPM samples taken before it are void.
    topologyStale = true;
    lostLog.clear(
        "lost", "GPU " + index + " (" + name + ", " + uuid + ") answers again; " + "collecting it");
    return true;
  }

  // ---- Topology: MIG instances and GPM samplers that follow repartitioning and resets ----

  /**
   * True when the GPU's current MIG mode is no longer the one it was discovered in (enabled or
   * disabled by an administrator and a GPU reset): then everything about it is discovered again.
   */
  boolean migModeChanged() {
    return nvml.call(NvmlSymbol.DEVICE_GET_MIG_MODE, handle, out, out2) == NvmlReturn.SUCCESS
        && (out.getInt(0) == 1) != migEnabled;
  }

  /**
   * Before a collection reads anything: rediscovers the MIG instances when the driver's differ
   * from the known ones, and resolves the GPM samplers again after a recovery. nvml.h: a
   * destroyed instance's handle "must be requested again", and "Handles may be reused and their
   * properties can change", so the same handle may now be another instance. The check costs a few
   * calls per MIG slot; series are only ever written under the labels of what answers now.
   */
  private void refreshTopology() {
    if (migEnabled) {
      List<MigInstance> known = migInstances;
      if (!topologyStale && migUnchanged(known)) {
        return;
      }
      List<MigInstance> fresh =
          discoverMig(nvml, handle, index, uuid, baseLabels, gpmSupported, gpmBuffer);
      migInstances = fresh;
      retire(known);
      if (!describeMig(known).equals(describeMig(fresh))) {
        logger.info(
            "NVIDIA GPUs: GPU "
                + index
                + " ("
                + name
                + ", "
                + uuid
                + ") MIG instances changed from ["
                + describeMig(known)
                + "] to ["
                + describeMig(fresh)
                + "]; series follow the new instances");
      }
    } else if (topologyStale && gpmSupported) {
      GpmSampler old = gpm;
      gpm = GpmSampler.create(nvml, handle, -1, gpmBuffer);
      if (old != null) {
        retired.add(old);
      }
    }
    topologyStale = false;
  }

  /**
   * Whether the driver's MIG devices are still {@code known}: the same slots, handles, GPU and
   * compute instance ids and UUIDs, in the order {@link #discoverMig} lists them. When the slot
   * count cannot be read (a lost GPU), the known ones stay until the GPU answers.
   */
  private boolean migUnchanged(List<MigInstance> known) {
    if (nvml.call(NvmlSymbol.DEVICE_GET_MAX_MIG_DEVICE_COUNT, handle, out) != NvmlReturn.SUCCESS) {
      return true;
    }
    int max = out.getInt(0);
    int at = 0;
    for (int i = 0; i < max; i++) {
      MigSlot slot = readMigSlot(nvml, handle, i, out2, migText);
      if (slot == null) {
        continue;
      }
      if (at == known.size()) {
        return false;
      }
      MigInstance k = known.get(at++);
      if (k.index() != i
          || !k.handle().equals(slot.handle())
          || k.gpuInstanceId() != slot.gpuInstanceId()
          || k.computeInstanceId() != slot.computeInstanceId()
          || !k.uuid().equals(slot.uuid())) {
        return false;
      }
    }
    return at == known.size();
  }

  /** What identifies the MIG device in one slot of its parent: the handle and the ids NVML gives it. */
  private record MigSlot(Pointer handle, int gpuInstanceId, int computeInstanceId, String uuid) {}

  /**
   * The MIG device in {@code slot} of {@code parent}, or null for an empty slot (NOT_FOUND, or
   * INVALID_ARGUMENT on some drivers) or one whose GPU instance id cannot be read.
   *
   * @param out an 8-byte buffer; {@code text} a {@link NvmlLayout#STRING_BUFFER} one
   */
  private static MigSlot readMigSlot(Nvml nvml, Pointer parent, int slot, Memory out, Memory text) {
    if (nvml.call(NvmlSymbol.DEVICE_GET_MIG_DEVICE_HANDLE_BY_INDEX, parent, slot, out)
        != NvmlReturn.SUCCESS) {
      return null;
    }
    // The handle is a value now, so the buffer serves the ids too.
    Pointer mig = out.getPointer(0);
    if (nvml.call(NvmlSymbol.DEVICE_GET_GPU_INSTANCE_ID, mig, out) != NvmlReturn.SUCCESS) {
      return null;
    }
    int gi = out.getInt(0);
    int ci =
        nvml.call(NvmlSymbol.DEVICE_GET_COMPUTE_INSTANCE_ID, mig, out) == NvmlReturn.SUCCESS
            ? out.getInt(0)
            : 0;
    String uuid =
        nvml.call(NvmlSymbol.DEVICE_GET_UUID, mig, text, NvmlLayout.STRING_BUFFER)
                == NvmlReturn.SUCCESS
            ? text.getString(0)
            : "";
    return new MigSlot(mig, gi, ci, uuid);
  }

  private static String describeMig(List<MigInstance> instances) {
    List<String> parts = new ArrayList<>();
    for (MigInstance m : instances) {
      parts.add(
          MigInstance.migDevice(m.profile(), m.index())
              + " GI "
              + m.gpuInstanceId()
              + " CI "
              + m.computeInstanceId()
              + " "
              + m.uuid());
    }
    return String.join(", ", parts);
  }

  private void retire(List<MigInstance> instances) {
    Set<GpmSampler> seen = new java.util.HashSet<>();
    for (MigInstance instance : instances) {
      if (instance.gpm() != null && seen.add(instance.gpm())) {
        retired.add(instance.gpm());
      }
    }
  }

  /** Frees the replaced samplers; on the sampling thread, or at close once it has stopped. */
  private void closeRetired() {
    for (GpmSampler sampler; (sampler = retired.poll()) != null; ) {
      sampler.close();
    }
  }

  private static double fieldValue(Memory buffer, long at) {
    long v = at + NvmlLayout.FIELD_VALUE_VALUE;
    return switch (buffer.getInt(at + NvmlLayout.FIELD_VALUE_TYPE)) {
      case NvmlLayout.VALUE_TYPE_DOUBLE -> buffer.getDouble(v);
      case NvmlLayout.VALUE_TYPE_UNSIGNED_INT -> unsigned(buffer.getInt(v));
      case NvmlLayout.VALUE_TYPE_SIGNED_INT -> buffer.getInt(v);
      default -> buffer.getLong(v);
    };
  }

  private static long unsigned(int value) {
    return Integer.toUnsignedLong(value);
  }

  private static void check(Nvml nvml, int rc, String what, int index) throws NvmlLoadException {
    if (rc != NvmlReturn.SUCCESS) {
      throw new NvmlLoadException(
          "cannot read the " + what + " of GPU " + index + ": " + nvml.describe(rc));
    }
  }

  private static String string(Nvml nvml, NvmlSymbol symbol, Pointer handle, int index)
      throws NvmlLoadException {
    Memory text = new Memory(NvmlLayout.STRING_BUFFER);
    check(
        nvml,
        nvml.call(symbol, handle, text, NvmlLayout.STRING_BUFFER),
        symbol == NvmlSymbol.DEVICE_GET_NAME ? "name" : "UUID",
        index);
    return text.getString(0);
  }
}
