package io.telegen.gpu.amd.internal;

/**
 * The ROCm SMI functions the agent calls, by the names {@code librocm_smi64.so} exports. A library
 * without an optional one only loses what needs it.
 *
 * <p>This class is internal and is hence not for public use. Its APIs are unstable and can
 * change at any time.
 */
public enum RocmSmiSymbol {
  INIT("rsmi_init", true),
  SHUT_DOWN("rsmi_shut_down", true),
  STATUS_STRING("rsmi_status_string", false),
  VERSION_GET("rsmi_version_get", false),
  VERSION_STR_GET("rsmi_version_str_get", false),
  NUM_MONITOR_DEVICES("rsmi_num_monitor_devices", true),
  DEV_NAME_GET("rsmi_dev_name_get", true),
  DEV_UNIQUE_ID_GET("rsmi_dev_unique_id_get", false),
  DEV_PCI_ID_GET("rsmi_dev_pci_id_get", true),
  DEV_BUSY_PERCENT_GET("rsmi_dev_busy_percent_get", false),
  DEV_MEMORY_BUSY_PERCENT_GET("rsmi_dev_memory_busy_percent_get", false),
  DEV_MEMORY_TOTAL_GET("rsmi_dev_memory_total_get", false),
  DEV_MEMORY_USAGE_GET("rsmi_dev_memory_usage_get", false),
  DEV_TEMP_METRIC_GET("rsmi_dev_temp_metric_get", false),
  DEV_POWER_AVE_GET("rsmi_dev_power_ave_get", false),
  DEV_CURRENT_SOCKET_POWER_GET("rsmi_dev_current_socket_power_get", false),
  DEV_POWER_CAP_GET("rsmi_dev_power_cap_get", false),
  DEV_ENERGY_COUNT_GET("rsmi_dev_energy_count_get", false),
  DEV_FAN_SPEED_GET("rsmi_dev_fan_speed_get", false),
  DEV_FAN_SPEED_MAX_GET("rsmi_dev_fan_speed_max_get", false),
  DEV_GPU_CLK_FREQ_GET("rsmi_dev_gpu_clk_freq_get", false),
  DEV_PCI_THROUGHPUT_GET("rsmi_dev_pci_throughput_get", false),
  DEV_COMPUTE_PARTITION_GET("rsmi_dev_compute_partition_get", false),
  DEV_MEMORY_PARTITION_GET("rsmi_dev_memory_partition_get", false),
  DEV_PARTITION_ID_GET("rsmi_dev_partition_id_get", false),
  COMPUTE_PROCESS_INFO_GET("rsmi_compute_process_info_get", false),
  COMPUTE_PROCESS_GPUS_GET("rsmi_compute_process_gpus_get", false),
  COMPUTE_PROCESS_INFO_BY_DEVICE_GET("rsmi_compute_process_info_by_device_get", false);

  private final String exportedName;
  private final boolean required;

  RocmSmiSymbol(String exportedName, boolean required) {
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
