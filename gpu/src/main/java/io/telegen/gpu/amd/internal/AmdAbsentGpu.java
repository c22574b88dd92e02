package io.telegen.gpu.amd.internal;

import io.telegen.source.Labels;

/**
 * A GPU that AMD SMI lists but whose identity cannot be read (its device files refused, the
 * driver's sysfs unreadable). It is reported as {@code gpu_up 0} under {@link #labels} and tried
 * again every collection.
 *
 * @param index its AMD SMI index
 * @param rc the status that refused it, or {@link AmdSmiStatus#UNKNOWN}
 * @param reason what failed, for the log, e.g. {@code amdsmi_get_gpu_device_uuid returned
 *     AMDSMI_STATUS_NO_PERM: Permission Denied}
 * @param labels {@code gpu_up}'s labels: what was known of the GPU, {@code unknown} for what never
 *     was
 */
record AmdAbsentGpu(int index, int rc, String reason, Labels labels) implements AmdGpuSlot {

  static final String UNKNOWN = "unknown";

  /** A GPU never seen: only its index is known. */
  static AmdAbsentGpu unseen(int index, int rc, String reason) {
    return new AmdAbsentGpu(
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
            "amd"));
  }

  /** Short, for the start-up line: {@code NO_PERM}. */
  String shortReason() {
    return rc == AmdSmiStatus.UNKNOWN ? reason : AmdSmiStatus.name(rc);
  }

  /** What the operator can do about {@link #rc}. */
  String advice() {
    return AmdAdvice.forStatus(rc);
  }
}
