package io.telegen.node;

import java.util.Objects;

/**
 * The identity of one NVIDIA MIG device (a compute instance inside a GPU instance) on its parent
 * GPU, with the values its {@code gpu_*} series carry as labels.
 *
 * @param uuid the MIG device UUID, the {@code mig_uuid} label ({@code MIG-...}); empty when the
 *     driver did not give one
 * @param gpuInstanceId the GPU instance id on the parent, the {@code gpu_instance_id} label
 * @param computeInstanceId the compute instance id inside its GPU instance, the
 *     {@code compute_instance_id} label
 * @param label the {@code mig_device} label, {@code mig-<profile>-<MIG index>}, e.g.
 *     {@code mig-1g.10gb-2}
 */
public record MigDevice(String uuid, int gpuInstanceId, int computeInstanceId, String label) {

  public MigDevice {
    Objects.requireNonNull(uuid, "uuid");
    Objects.requireNonNull(label, "label");
  }
}
