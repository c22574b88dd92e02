package io.telegen.node;

import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;

/**
 * What one process uses: the GPUs and MIG devices it had a context on at the last collection.
 *
 * @param pid the host process id
 * @param devices the GPUs and MIG devices, distinct, in {@link GpuRef} order; a process on a MIG
 *     device appears with that MIG device, not with the whole GPU
 */
public record ProcessGpus(int pid, List<GpuRef> devices) {

  public ProcessGpus {
    devices = List.copyOf(new TreeSet<>(devices));
  }

  /** The whole GPUs: each device's GPU (the parent of a MIG device), distinct and ordered. */
  public List<GpuRef> gpus() {
    TreeSet<GpuRef> gpus = new TreeSet<>();
    for (GpuRef device : devices) {
      gpus.add(device.gpu());
    }
    return List.copyOf(gpus);
  }

  /** The MIG devices among {@link #devices()}; empty when the process uses whole GPUs only. */
  public List<GpuRef> migDevices() {
    List<GpuRef> migs = new ArrayList<>();
    for (GpuRef device : devices) {
      if (device.isMig()) {
        migs.add(device);
      }
    }
    return List.copyOf(migs);
  }

  /** The {@code gpu} label: see {@link GpuRef#gpuLabel(java.util.Collection)}. */
  public String gpuLabel() {
    return GpuRef.gpuLabel(devices);
  }
}
