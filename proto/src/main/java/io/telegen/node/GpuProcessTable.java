package io.telegen.node;

import java.util.List;
import java.util.Optional;

/**
 * The node's join of processes and GPUs: which process uses which GPU or MIG device, of which
 * vendor, and how busy each GPU is. A GPU source implements it from its own per-process tables
 * and readings and publishes a new {@link GpuProcessSnapshot} after each collection; serving,
 * training and communication sources ask it for the {@code gpu} and {@code device} labels and
 * the utilisation of a process's GPUs. The agent combines all vendors' tables into one
 * ({@link GpuProcessTables#combine}).
 *
 * <p>Implementations are thread-safe: a source's collection thread publishes, other sources'
 * threads read.
 */
public interface GpuProcessTable {

  /**
   * The table at the last collection; {@link GpuProcessSnapshot#empty()} before the first one.
   * Take one snapshot when several lookups must agree with each other.
   */
  GpuProcessSnapshot snapshot();

  /**
   * The GPUs and MIG devices {@code pid} had a context on at the last collection, in
   * {@link GpuRef} order; empty when it had none or nothing is known (for instance with
   * {@code agent.gpu.per_process: false}).
   */
  default List<GpuRef> gpusOf(int pid) {
    return snapshot().gpusOf(pid);
  }

  /** The latest utilisation of {@code gpu}; empty when its source has none. */
  default Optional<GpuUtilization> utilization(GpuRef gpu) {
    return snapshot().utilization(gpu);
  }

  /** Every utilisation of the last collection, in {@link GpuRef} order. */
  default List<GpuUtilization> utilizations() {
    return snapshot().utilizations();
  }
}
