package io.telegen.gpu.nvidia.internal;

import io.telegen.source.Labels;

/**
 * A GPU that NVML counts but that does not answer: its handle is refused ({@code
 * NO_PERMISSION}, {@code INSUFFICIENT_POWER}, {@code IRQ_ISSUE}, {@code GPU_IS_LOST}) or its
 * identity cannot be read. It is reported as {@code gpu_up 0} under {@link #labels} and tried
 * again every collection.
 *
 * @param index its NVML index
 * @param rc the NVML return code that refused it, or {@link NvmlReturn#UNKNOWN} when the failing
 *     call is only in {@code reason}
 * @param reason what failed, for the log, e.g. {@code nvmlDeviceGetHandleByIndex_v2 returned
 *     NVML_ERROR_NO_PERMISSION (Insufficient Permissions)}
 * @param labels {@code gpu_up}'s labels: what was known of the GPU, {@code unknown} for what
 *     never was (a GPU without a handle has no name, UUID or PCI bus id)
 */
record AbsentGpu(int index, int rc, String reason, Labels labels) implements GpuSlot {

  static final String UNKNOWN = "unknown";

  /** A GPU never seen: only its index is known. */
  static AbsentGpu unseen(int index, int rc, String reason) {
    return new AbsentGpu(
        index,
        rc,
        reason,
        Labels.of(
            "device",
            Integer.toString(index),
            "name",
            UNKNOWN,
            "uuid",
            UNKNOWN,
            "pci_bus_id",
            UNKNOWN,
            "vendor",
            "nvidia"));
  }

  /** Short, for the start-up line: {@code NO_PERMISSION}. */
  String shortReason() {
    return rc == NvmlReturn.UNKNOWN ? reason : NvmlReturn.name(rc);
  }

  /** What the operator can do about {@link #rc}. */
  String advice() {
    return switch (rc) {
      case NvmlReturn.NO_PERMISSION ->
          "The agent may not open this GPU's device file (/dev/nvidia"
              + index
              + "): give the container or service that device, or run it with the rights"
              + " nvidia-smi has";
      case NvmlReturn.INSUFFICIENT_POWER ->
          "The board reports too little power: check its external power cables";
      case NvmlReturn.IRQ_ISSUE ->
          "The kernel could not set up this GPU's interrupts: check dmesg for NVRM errors";
      case NvmlReturn.GPU_IS_LOST ->
          "It has fallen off the bus: check dmesg for Xid 79, then reset (nvidia-smi -r) or"
              + " reseat it";
      default -> "Check nvidia-smi and dmesg for this GPU";
    };
  }
}
