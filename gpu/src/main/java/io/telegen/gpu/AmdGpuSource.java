package io.telegen.gpu;

import io.telegen.gpu.amd.internal.AmdCollector;
import io.telegen.gpu.amd.internal.AmdSmiCollector;
import io.telegen.gpu.amd.internal.AmdSmiLoadException;
import io.telegen.gpu.amd.internal.RocmSmiCollector;
import io.telegen.node.GpuProcessSnapshot;
import io.telegen.node.GpuProcessTable;
import io.telegen.node.NodeAttribution;
import io.telegen.source.MetricBatch;
import io.telegen.source.MetricSource;

/**
 * AMD GPUs through AMD SMI ({@code libamd_smi.so}, loaded with JNA), or ROCm SMI ({@code
 * librocm_smi64.so}) on installs without it: the same {@code gpu_*}
 * series as the NVIDIA source, with {@code vendor="amd"}, per GPU and per compute partition
 * (MI300 in DPX/QPX/CPX mode, labelled {@code partition_id}, {@code compute_partition}, {@code
 * memory_partition}), per-process VRAM and compute-unit occupancy, and xGMI link counters. See
 * {@code docs/metrics.md} for the list.
 *
 * <p>It is also the AMD part of the node's {@link GpuProcessTable}: after each collection it
 * publishes which pid had memory on which GPU (from AMD SMI's process lists) and the utilisation
 * it read.
 *
 * <p>On a node with NVIDIA GPUs too, both sources number their GPUs from 0: a series is told
 * apart by its {@code vendor} label and its {@code uuid}, which are unique on the node.
 */
public final class AmdGpuSource implements MetricSource, GpuProcessTable {

  private final AmdCollector collector;

  private AmdGpuSource(AmdCollector collector) {
    this.collector = collector;
  }

  /**
   * Loads AMD's library and discovers the GPUs. A configured library wins ({@link
   * GpuOptions#amdSmiLibrary()}, else {@link GpuOptions#rocmSmiLibrary()}); otherwise AMD SMI
   * ({@code libamd_smi.so}), then ROCm SMI ({@code librocm_smi64.so}), each from the library path
   * and then {@code /opt/rocm/lib}. A GPU whose identity cannot be read does not stop the others:
   * it is {@code gpu_up 0} and tried again every collection.
   *
   * @param startUnixNanos start of the agent, the start time of the cumulative counters
   * @param attribution the labels (pod, training job) each device's series get, and those each
   *     process's {@code gpu_process_*} series get, asked every collection
   * @throws GpuUnavailableException when there is no usable AMD SMI library, driver or GPU; the
   *     message is one line for the operator
   */
  public static AmdGpuSource open(
      GpuOptions options, long startUnixNanos, NodeAttribution attribution)
      throws GpuUnavailableException {
    try {
      if (options.amdSmiLibrary() == null && options.rocmSmiLibrary() != null) {
        return new AmdGpuSource(RocmSmiCollector.open(options, startUnixNanos, attribution));
      }
      try {
        return new AmdGpuSource(AmdSmiCollector.open(options, startUnixNanos, attribution));
      } catch (AmdSmiLoadException amd) {
        if (!amd.libraryMissing()) {
          throw amd;
        }
        try {
          return new AmdGpuSource(RocmSmiCollector.open(options, startUnixNanos, attribution));
        } catch (AmdSmiLoadException rocm) {
          throw rocm.libraryMissing()
              ? new AmdSmiLoadException(
                  "neither AMD SMI nor ROCm SMI is installed: "
                      + amd.getMessage()
                      + "; "
                      + rocm.getMessage())
              : rocm;
        }
      }
    } catch (AmdSmiLoadException e) {
      throw new GpuUnavailableException(e.getMessage());
    }
  }

  /** As {@link #open(GpuOptions, long, NodeAttribution)}, without attribution. */
  public static AmdGpuSource open(GpuOptions options, long startUnixNanos)
      throws GpuUnavailableException {
    return open(options, startUnixNanos, NodeAttribution.none());
  }

  /** {@code amd_smi} or {@code rocm_smi}: the library the GPUs are read through. */
  @Override
  public String name() {
    return collector.name();
  }

  /**
   * Writes every GPU's series.
   *
   * @throws IllegalStateException at once, writing nothing, while the previous collection is still
   *     inside the library
   */
  @Override
  public void collect(MetricBatch batch) {
    collector.collect(batch);
  }

  /**
   * The AMD GPUs' process table and utilisation at the last collection; empty before the first,
   * and without processes with {@code agent.gpu.per_process: false}. Immutable; thread-safe.
   */
  @Override
  public GpuProcessSnapshot snapshot() {
    return collector.snapshot();
  }

  /**
   * What was found, for the agent's start-up summary and {@code check}, e.g. {@code 8 × AMD
   * Instinct MI300X (SPX, NPS1) (driver 6.12.12, AMD SMI 26.5.0) via ...}.
   */
  public String describe() {
    return collector.describe();
  }

  @Override
  public void close() {
    collector.close();
  }
}
