package io.telegen.gpu.nvidia.internal;

/**
 * What discovery found at one NVML index: a GPU that answers, or one NVML counts that does not.
 */
sealed interface GpuSlot permits NvmlGpu, AbsentGpu {

  /** The NVML index. */
  int index();
}
