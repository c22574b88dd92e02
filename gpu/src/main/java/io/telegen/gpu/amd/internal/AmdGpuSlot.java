package io.telegen.gpu.amd.internal;

/**
 * What discovery found at one AMD SMI index: a GPU (or GPU partition) that answers, or one the
 * library lists that does not.
 */
sealed interface AmdGpuSlot permits AmdSmiGpu, AmdAbsentGpu {

  /** The library's index: the order of {@code amdsmi_get_processor_handles} over the sockets. */
  int index();
}
