package io.telegen.gpu.nvidia.internal;

import com.sun.jna.Pointer;
import io.telegen.node.GpuRef;
import io.telegen.source.Labels;

/**
 * One MIG device (a compute instance inside a GPU instance) of a MIG-enabled GPU.
 *
 * @param index the MIG device index on the parent, as {@code nvidia-smi -L} numbers them
 * @param profile e.g. {@code 1g.10gb}, from the device's name
 * @param labels the parent's labels plus {@code mig_device}, {@code mig_profile},
 *     {@code gpu_instance_id}, {@code compute_instance_id} and {@code mig_uuid}
 * @param gpm GPM sampler of its GPU instance; null without GPM
 * @param ref the MIG device in the node's GPU process table
 */
record MigInstance(
    Pointer handle,
    int index,
    int gpuInstanceId,
    int computeInstanceId,
    String uuid,
    String profile,
    Labels labels,
    GpmSampler gpm,
    GpuRef ref) {

  /** {@code mig-<profile>-<index>}, e.g. {@code mig-1g.10gb-2}. */
  static String migDevice(String profile, int index) {
    return "mig-" + profile + "-" + index;
  }

  /** The profile in a MIG device name such as {@code NVIDIA H100 80GB HBM3 MIG 1g.10gb}. */
  static String profileFromName(String name) {
    int at = name.lastIndexOf(" MIG ");
    return at < 0 ? "unknown" : name.substring(at + " MIG ".length()).trim();
  }
}
