package io.telegen.gpu.nvidia.internal;

/**
 * The NVML functions the agent calls, by their exported (versioned) names. nvml.h maps the
 * unversioned names to these with {@code #define}s, which JNA cannot see, so binding the plain
 * names would silently get the oldest ABI.
 *
 * <p>This class is internal and is hence not for public use. Its APIs are unstable and can
 * change at any time.
 */
public enum NvmlSymbol {
  INIT("nvmlInit_v2", true),
  SHUTDOWN("nvmlShutdown", true),
  ERROR_STRING("nvmlErrorString", true),
  SYSTEM_GET_DRIVER_VERSION("nvmlSystemGetDriverVersion", false),
  SYSTEM_GET_CUDA_DRIVER_VERSION_V2("nvmlSystemGetCudaDriverVersion_v2", false),
  SYSTEM_GET_CUDA_DRIVER_VERSION("nvmlSystemGetCudaDriverVersion", false),
  DEVICE_GET_COUNT("nvmlDeviceGetCount_v2", true),
  DEVICE_GET_HANDLE_BY_INDEX("nvmlDeviceGetHandleByIndex_v2", true),
  DEVICE_GET_HANDLE_BY_UUID("nvmlDeviceGetHandleByUUID", false),
  DEVICE_GET_NAME("nvmlDeviceGetName", true),
  DEVICE_GET_UUID("nvmlDeviceGetUUID", true),
  DEVICE_GET_PCI_INFO("nvmlDeviceGetPciInfo_v3", true),
  DEVICE_GET_UTILIZATION_RATES("nvmlDeviceGetUtilizationRates", false),
  DEVICE_GET_MEMORY_INFO_V2("nvmlDeviceGetMemoryInfo_v2", false),
  DEVICE_GET_MEMORY_INFO("nvmlDeviceGetMemoryInfo", false),
  DEVICE_GET_TEMPERATURE("nvmlDeviceGetTemperature", false),
  DEVICE_GET_TEMPERATURE_V("nvmlDeviceGetTemperatureV", false),
  DEVICE_GET_POWER_USAGE("nvmlDeviceGetPowerUsage", false),
  DEVICE_GET_ENFORCED_POWER_LIMIT("nvmlDeviceGetEnforcedPowerLimit", false),
  DEVICE_GET_TOTAL_ENERGY_CONSUMPTION("nvmlDeviceGetTotalEnergyConsumption", false),
  DEVICE_GET_CLOCK_INFO("nvmlDeviceGetClockInfo", false),
  DEVICE_GET_PCIE_THROUGHPUT("nvmlDeviceGetPcieThroughput", false),
  DEVICE_GET_ENCODER_UTILIZATION("nvmlDeviceGetEncoderUtilization", false),
  DEVICE_GET_DECODER_UTILIZATION("nvmlDeviceGetDecoderUtilization", false),
  DEVICE_GET_NUM_FANS("nvmlDeviceGetNumFans", false),
  DEVICE_GET_FAN_SPEED("nvmlDeviceGetFanSpeed", false),
  DEVICE_GET_CLOCKS_EVENT_REASONS("nvmlDeviceGetCurrentClocksEventReasons", false),
  DEVICE_GET_CLOCKS_THROTTLE_REASONS("nvmlDeviceGetCurrentClocksThrottleReasons", false),
  DEVICE_GET_COMPUTE_RUNNING_PROCESSES_V3("nvmlDeviceGetComputeRunningProcesses_v3", false),
  DEVICE_GET_COMPUTE_RUNNING_PROCESSES("nvmlDeviceGetComputeRunningProcesses", false),
  DEVICE_GET_MPS_COMPUTE_RUNNING_PROCESSES_V3("nvmlDeviceGetMPSComputeRunningProcesses_v3", false),
  DEVICE_GET_PROCESS_UTILIZATION("nvmlDeviceGetProcessUtilization", false),
  DEVICE_GET_MIG_MODE("nvmlDeviceGetMigMode", false),
  DEVICE_GET_MAX_MIG_DEVICE_COUNT("nvmlDeviceGetMaxMigDeviceCount", false),
  DEVICE_GET_MIG_DEVICE_HANDLE_BY_INDEX("nvmlDeviceGetMigDeviceHandleByIndex", false),
  DEVICE_GET_GPU_INSTANCE_ID("nvmlDeviceGetGpuInstanceId", false),
  DEVICE_GET_COMPUTE_INSTANCE_ID("nvmlDeviceGetComputeInstanceId", false),
  DEVICE_GET_FIELD_VALUES("nvmlDeviceGetFieldValues", false),
  GPM_QUERY_DEVICE_SUPPORT("nvmlGpmQueryDeviceSupport", false),
  GPM_SAMPLE_ALLOC("nvmlGpmSampleAlloc", false),
  GPM_SAMPLE_FREE("nvmlGpmSampleFree", false),
  GPM_SAMPLE_GET("nvmlGpmSampleGet", false),
  GPM_MIG_SAMPLE_GET("nvmlGpmMigSampleGet", false),
  GPM_METRICS_GET("nvmlGpmMetricsGet", false);

  private final String exportedName;
  private final boolean required;

  NvmlSymbol(String exportedName, boolean required) {
    this.exportedName = exportedName;
    this.required = required;
  }

  /** The name the library exports. */
  public String exportedName() {
    return exportedName;
  }

  /** Whether the agent cannot use a library without it. */
  public boolean required() {
    return required;
  }
}
