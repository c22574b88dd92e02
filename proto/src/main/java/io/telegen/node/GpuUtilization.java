package io.telegen.node;

import java.util.Objects;

/**
 * The utilisation of a GPU or MIG device at its source's last collection: the value that source
 * wrote as {@code gpu_utilization_percent}.
 *
 * @param gpu the GPU or MIG device
 * @param percent percent of the sample period a kernel ran (for a MIG device the GPM graphics
 *     activity of its GPU instance), 0 to 100
 */
public record GpuUtilization(GpuRef gpu, double percent) {

  public GpuUtilization {
    Objects.requireNonNull(gpu, "gpu");
    if (Double.isNaN(percent)) {
      throw new IllegalArgumentException("utilisation of " + gpu + " is NaN");
    }
  }
}
