package io.telegen.gpu.amd.internal;

/**
 * The AMD SMI functions the agent calls, by the names {@code libamd_smi.so} exports. A library
 * without an optional one only loses what needs it.
 *
 * <p>This class is internal and is hence not for public use. Its APIs are unstable and can
 * change at any time.
 */
public enum AmdSmiSymbol {
  INIT("amdsmi_init", true),
  SHUT_DOWN("amdsmi_shut_down", true),
  GET_LIB_VERSION("amdsmi_get_lib_version", true),
  STATUS_CODE_TO_STRING("amdsmi_status_code_to_string", false),
  GET_SOCKET_HANDLES("amdsmi_get_socket_handles", true),
  GET_PROCESSOR_HANDLES("amdsmi_get_processor_handles", true),
  GET_GPU_DEVICE_UUID("amdsmi_get_gpu_device_uuid", true),
  GET_GPU_DEVICE_BDF("amdsmi_get_gpu_device_bdf", true),
  GET_GPU_ASIC_INFO("amdsmi_get_gpu_asic_info", true),
  GET_GPU_KFD_INFO("amdsmi_get_gpu_kfd_info", false),
  GET_GPU_DRIVER_INFO("amdsmi_get_gpu_driver_info", false),
  GET_GPU_COMPUTE_PARTITION("amdsmi_get_gpu_compute_partition", false),
  GET_GPU_MEMORY_PARTITION("amdsmi_get_gpu_memory_partition", false),
  GET_GPU_ACTIVITY("amdsmi_get_gpu_activity", false),
  GET_GPU_MEMORY_TOTAL("amdsmi_get_gpu_memory_total", false),
  GET_GPU_MEMORY_USAGE("amdsmi_get_gpu_memory_usage", false),
  GET_GPU_VRAM_USAGE("amdsmi_get_gpu_vram_usage", false),
  GET_TEMP_METRIC("amdsmi_get_temp_metric", false),
  GET_POWER_INFO("amdsmi_get_power_info", false),
  GET_POWER_CAP_INFO("amdsmi_get_power_cap_info", false),
  GET_ENERGY_COUNT("amdsmi_get_energy_count", false),
  GET_GPU_FAN_SPEED("amdsmi_get_gpu_fan_speed", false),
  GET_GPU_FAN_SPEED_MAX("amdsmi_get_gpu_fan_speed_max", false),
  GET_CLK_FREQ("amdsmi_get_clk_freq", false),
  GET_GPU_PCI_THROUGHPUT("amdsmi_get_gpu_pci_throughput", false),
  GET_LINK_METRICS("amdsmi_get_link_metrics", false),
  GET_GPU_PROCESS_LIST("amdsmi_get_gpu_process_list", false);

  private final String exportedName;
  private final boolean required;

  AmdSmiSymbol(String exportedName, boolean required) {
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
