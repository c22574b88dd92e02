package io.telegen.gpu.nvidia.internal;

/**
 * NVML cannot be used: the library is missing, not NVML, or refuses to initialise.
 *
 * <p>This class is internal and is hence not for public use. Its APIs are unstable and can
 * change at any time.
 */
public final class NvmlLoadException extends Exception {

  public NvmlLoadException(String message) {
    super(message);
  }
}
