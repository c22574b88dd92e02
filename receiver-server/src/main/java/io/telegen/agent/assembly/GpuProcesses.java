package io.telegen.agent.assembly;

import io.telegen.frameworks.training.GpuUtilization;
import java.util.Objects;
import java.util.function.IntFunction;

/**
 * Which GPUs each process uses and how busy each GPU is, as the GPU sources saw it at their last
 * collection: what the serving, training and communication sources join their series with.
 *
 * <p>Today's join, kept behind this one type so that the typed GPU process table replaces it in
 * one place.
 *
 * @param present whether a GPU source feeds this table (GPU communication is read only then)
 * @param gpusOfPid pid to the comma-joined indices of the GPUs it uses; null for none
 * @param utilization the whole-GPU utilisation of the GPU source's last collection
 */
public record GpuProcesses(boolean present, IntFunction<String> gpusOfPid,
    GpuUtilization utilization) {

  public GpuProcesses {
    Objects.requireNonNull(gpusOfPid, "gpusOfPid");
    Objects.requireNonNull(utilization, "utilization");
  }

  /** No GPU source: no process has a GPU, no GPU has a utilisation. */
  public static GpuProcesses none() {
    return new GpuProcesses(false, pid -> null, new GpuUtilization());
  }
}
