package io.telegen.gpu.nvidia.internal;

/**
 * Sizes and field offsets of the NVML structs the agent reads, for x86_64 as nvml.h lays them
 * out (padding included). Buffers are plain native memory read at these offsets, which keeps
 * every call free of reflection and allocation.
 *
 * <p>This class is internal and is hence not for public use. Its APIs are unstable and can
 * change at any time.
 */
public final class NvmlLayout {

  private NvmlLayout() {}

  /** {@code NVML_DEVICE_NAME_V2_BUFFER_SIZE}, also enough for UUIDs and versions. */
  public static final int STRING_BUFFER = 96;

  /** {@code nvmlPciInfo_t}: 68 bytes; {@code busId[32]} ("00000000:00:09.0") at 36. */
  public static final int PCI_INFO_SIZE = 68;

  public static final int PCI_INFO_BUS_ID = 36;

  /** {@code nvmlUtilization_t}: {@code gpu}, {@code memory}, percent. */
  public static final int UTILIZATION_GPU = 0;

  /** {@code nvmlMemory_t}: total, free, used, bytes. */
  public static final int MEMORY_TOTAL = 0;

  public static final int MEMORY_FREE = 8;
  public static final int MEMORY_USED = 16;

  /** {@code nvmlMemory_v2_t}: 40 bytes, version {@code sizeof | 2 << 24}. */
  public static final int MEMORY_V2_SIZE = 40;

  public static final int MEMORY_V2_VERSION = 0x02000028;
  public static final int MEMORY_V2_TOTAL = 8;
  public static final int MEMORY_V2_FREE = 24;
  public static final int MEMORY_V2_USED = 32;

  /** {@code nvmlProcessInfo_t} (v2, used by the {@code _v3} call): 24 bytes. */
  public static final int PROCESS_INFO_SIZE = 24;

  /** {@code nvmlProcessInfo_v1_t}, used by the unversioned call of older drivers: 16 bytes. */
  public static final int PROCESS_INFO_V1_SIZE = 16;

  public static final int PROCESS_INFO_PID = 0;
  public static final int PROCESS_INFO_USED_MEMORY = 8;
  public static final int PROCESS_INFO_GPU_INSTANCE_ID = 16;
  public static final int PROCESS_INFO_COMPUTE_INSTANCE_ID = 20;

  /** {@code usedGpuMemory} when the driver cannot tell (NVML_VALUE_NOT_AVAILABLE). */
  public static final long VALUE_NOT_AVAILABLE = -1L;

  /** gpuInstanceId / computeInstanceId of a process that is not on a MIG instance. */
  public static final int NO_INSTANCE = 0xFFFFFFFF;

  /** {@code nvmlProcessUtilizationSample_t}: 32 bytes; timeStamp in µs. */
  public static final int PROCESS_SAMPLE_SIZE = 32;

  public static final int PROCESS_SAMPLE_PID = 0;
  public static final int PROCESS_SAMPLE_TIMESTAMP = 8;
  public static final int PROCESS_SAMPLE_SM_UTIL = 16;
  public static final int PROCESS_SAMPLE_MEM_UTIL = 20;
  public static final int PROCESS_SAMPLE_ENC_UTIL = 24;
  public static final int PROCESS_SAMPLE_DEC_UTIL = 28;

  /** {@code nvmlFieldValue_t}: 40 bytes; per-field status at 28, value union at 32. */
  public static final int FIELD_VALUE_SIZE = 40;

  public static final int FIELD_VALUE_FIELD_ID = 0;
  public static final int FIELD_VALUE_SCOPE_ID = 4;
  public static final int FIELD_VALUE_TYPE = 24;
  public static final int FIELD_VALUE_RETURN = 28;
  public static final int FIELD_VALUE_VALUE = 32;

  /** {@code nvmlValueType_t}. */
  public static final int VALUE_TYPE_DOUBLE = 0;

  public static final int VALUE_TYPE_UNSIGNED_INT = 1;
  public static final int VALUE_TYPE_UNSIGNED_LONG = 2;
  public static final int VALUE_TYPE_UNSIGNED_LONG_LONG = 3;
  public static final int VALUE_TYPE_SIGNED_LONG_LONG = 4;
  public static final int VALUE_TYPE_SIGNED_INT = 5;

  /** Field ids of {@code nvmlDeviceGetFieldValues}. */
  public static final int FI_DEV_MEMORY_TEMP = 82;

  public static final int FI_DEV_NVLINK_LINK_COUNT = 91;
  public static final int FI_DEV_NVLINK_THROUGHPUT_DATA_TX = 138;
  public static final int FI_DEV_NVLINK_THROUGHPUT_DATA_RX = 139;

  /** NVLink5 (Blackwell) per-link counters in bytes, where 138/139 may not answer. */
  public static final int FI_DEV_NVLINK_COUNT_XMIT_BYTES = 202;

  public static final int FI_DEV_NVLINK_COUNT_RCV_BYTES = 204;

  /** {@code scopeId} asking a per-link field for the sum over all links. */
  public static final int SCOPE_ALL_LINKS = 0xFFFFFFFF;

  /** {@code nvmlGpmSupport_t}: version 1, isSupportedDevice. */
  public static final int GPM_SUPPORT_SIZE = 8;

  public static final int GPM_SUPPORT_VERSION = 1;
  public static final int GPM_SUPPORT_IS_SUPPORTED = 4;

  /**
   * {@code nvmlGpmMetricsGet_t}: a 24-byte header, then {@code NVML_GPM_METRIC_MAX} 40-byte
   * entries. MAX grew from 98 to 333 across headers while the version stayed 1, so the buffer is
   * sized for the largest and {@code numMetrics} says how many entries are used.
   */
  public static final int GPM_METRICS_GET_SIZE = 24 + 40 * 333;

  public static final int GPM_METRICS_GET_VERSION = 1;
  public static final int GPM_METRICS_GET_NUM_METRICS = 4;
  public static final int GPM_METRICS_GET_SAMPLE1 = 8;
  public static final int GPM_METRICS_GET_SAMPLE2 = 16;
  public static final int GPM_METRICS_GET_METRICS = 24;
  public static final int GPM_METRIC_SIZE = 40;
  public static final int GPM_METRIC_ID = 0;
  public static final int GPM_METRIC_RETURN = 4;
  public static final int GPM_METRIC_VALUE = 8;

  /** {@code nvmlGpmMetricId_t} values the agent reads. */
  public static final int GPM_GRAPHICS_UTIL = 1;

  public static final int GPM_SM_UTIL = 2;
  public static final int GPM_SM_OCCUPANCY = 3;
  public static final int GPM_ANY_TENSOR_UTIL = 5;
  public static final int GPM_DRAM_BW_UTIL = 10;

  /** {@code nvmlClockType_t}. */
  public static final int CLOCK_SM = 1;

  public static final int CLOCK_MEM = 2;

  /** {@code nvmlPcieUtilCounter_t}. */
  public static final int PCIE_UTIL_TX_BYTES = 0;

  public static final int PCIE_UTIL_RX_BYTES = 1;

  /** {@code NVML_TEMPERATURE_GPU}. */
  public static final int TEMPERATURE_GPU = 0;

  /**
   * {@code nvmlTemperature_v1_t} of {@code nvmlDeviceGetTemperatureV}: 12 bytes, {@code version}
   * ({@code sizeof | 1 << 24}), {@code sensorType} at 4 (in), signed {@code temperature} °C at 8
   * (out).
   */
  public static final int TEMPERATURE_V1_SIZE = 12;

  public static final int TEMPERATURE_V1_VERSION = 0x0100000C;
  public static final int TEMPERATURE_V1_SENSOR_TYPE = 4;
  public static final int TEMPERATURE_V1_TEMPERATURE = 8;
}
