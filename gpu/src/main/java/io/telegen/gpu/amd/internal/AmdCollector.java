package io.telegen.gpu.amd.internal;

import io.telegen.node.GpuProcessSnapshot;
import io.telegen.source.MetricBatch;

/**
 * The AMD GPUs of this node through one library, AMD SMI or ROCm SMI: what {@link
 * io.telegen.gpu.AmdGpuSource} runs on.
 *
 * <p>This class is internal and is hence not for public use. Its APIs are unstable and can
 * change at any time.
 */
public interface AmdCollector extends AutoCloseable {

  /** The source name: {@code amd_smi} or {@code rocm_smi}. */
  String name();

  /**
   * Writes every GPU's series, then publishes the process table the same readings give.
   *
   * @throws IllegalStateException at once when the previous collection has not returned
   */
  void collect(MetricBatch batch);

  /** The processes and utilisation of the last collection. */
  GpuProcessSnapshot snapshot();

  /** A line for the start-up summary and {@code check}. */
  String describe();

  @Override
  void close();
}
