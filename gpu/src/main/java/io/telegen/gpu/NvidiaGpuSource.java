package io.telegen.gpu;

import io.telegen.gpu.nvidia.internal.NvmlCollector;
import io.telegen.gpu.nvidia.internal.NvmlLoadException;
import io.telegen.node.DeviceAttributions;
import io.telegen.node.GpuProcessSnapshot;
import io.telegen.node.GpuProcessTable;
import io.telegen.node.NodeAttribution;
import io.telegen.source.MetricBatch;
import io.telegen.source.MetricSource;

/**
 * NVIDIA GPUs through NVML ({@code libnvidia-ml.so.1}, loaded with JNA): the spec's
 * {@code gpu_*} metrics per GPU and per MIG instance, per-process memory and SM use, GPM
 * activity and NVLink counters. See {@code docs/metrics.md} for the full list.
 *
 * <p>It is also the NVIDIA part of the node's {@link GpuProcessTable}: after each collection it
 * publishes which pid had a context on which GPU or MIG device (from NVML's per-process tables)
 * and the utilisation it read, the same values as its {@code gpu_utilization_percent} series.
 */
public final class NvidiaGpuSource implements MetricSource, GpuProcessTable {

  private final NvmlCollector collector;

  private NvidiaGpuSource(NvmlCollector collector) {
    this.collector = collector;
  }

  /**
   * Loads NVML and discovers the GPUs. A GPU the driver counts but that does not answer (its
   * handle refused: no permission, insufficient power, IRQ issue, lost) does not stop the
   * others: it is {@code gpu_up 0} and tried again every collection, and it opens even when no
   * GPU answers yet.
   *
   * @param startUnixNanos start of the agent, the start time of the cumulative counters
   * @throws GpuUnavailableException when there is no usable NVIDIA driver or GPU; the message
   *     is one line for the operator
   */
  public static NvidiaGpuSource open(GpuOptions options, long startUnixNanos)
      throws GpuUnavailableException {
    return open(options, startUnixNanos, NodeAttribution.none());
  }

  /**
   * As {@link #open(GpuOptions, long)}, adding the labels {@code attribution} gives, asked every
   * collection: each GPU and MIG device's (its pod, the training job of its rank) to that
   * device's series ({@code gpu_*} device series and {@code gpu_info}), and each process's (its
   * pod, its job) to that process's {@code gpu_process_*} series, whose process need not be the
   * one the device is attributed to. Pass a combined attribution ({@link
   * DeviceAttributions#combine}) or the registries when several parts of the agent know who uses
   * a device or process.
   */
  public static NvidiaGpuSource open(
      GpuOptions options, long startUnixNanos, NodeAttribution attribution)
      throws GpuUnavailableException {
    try {
      return new NvidiaGpuSource(NvmlCollector.open(options, startUnixNanos, attribution));
    } catch (NvmlLoadException e) {
      throw new GpuUnavailableException(e.getMessage());
    }
  }

  @Override
  public String name() {
    return "nvml";
  }

  /**
   * Writes every GPU's series.
   *
   * @throws IllegalStateException at once, writing nothing, while the previous collection is still
   *     inside the driver: collections never overlap on NVML's buffers
   */
  @Override
  public void collect(MetricBatch batch) {
    collector.collect(batch);
  }

  /**
   * The NVIDIA GPUs' process table and utilisation at the last collection; empty before the
   * first, and without processes with {@code agent.gpu.per_process: false}. Immutable;
   * thread-safe.
   */
  @Override
  public GpuProcessSnapshot snapshot() {
    return collector.snapshot();
  }

  /**
   * What was found, for the agent's start-up summary, e.g. {@code 2 × NVIDIA H100 PCIe, 3 GPUs
   * (GPU 1 not answering: NO_PERMISSION; tried again every collection) (driver ...) via ...}.
   */
  public String describe() {
    return collector.describe();
  }

  @Override
  public void close() {
    collector.close();
  }
}
