package io.telegen.gpu.nvidia.internal;

/**
 * {@code nvmlReturn_t} values the agent acts on (nvml.h). A symbol the library does not export
 * is reported as {@link #FUNCTION_NOT_FOUND}, as NVIDIA's own wrappers do, so callers treat a
 * missing function like an unsupported one.
 *
 * <p>This class is internal and is hence not for public use. Its APIs are unstable and can
 * change at any time.
 */
public final class NvmlReturn {

  public static final int SUCCESS = 0;
  public static final int UNINITIALIZED = 1;
  public static final int INVALID_ARGUMENT = 2;
  public static final int NOT_SUPPORTED = 3;
  public static final int NO_PERMISSION = 4;
  public static final int NOT_FOUND = 6;
  public static final int INSUFFICIENT_SIZE = 7;
  public static final int INSUFFICIENT_POWER = 8;
  public static final int DRIVER_NOT_LOADED = 9;
  public static final int IRQ_ISSUE = 11;
  public static final int FUNCTION_NOT_FOUND = 13;
  public static final int GPU_IS_LOST = 15;
  public static final int ARGUMENT_VERSION_MISMATCH = 25;
  public static final int UNKNOWN = 999;

  private NvmlReturn() {}

  /** The constant's name as nvml.h spells it after {@code NVML_ERROR_}, for messages. */
  public static String name(int code) {
    return switch (code) {
      case SUCCESS -> "SUCCESS";
      case UNINITIALIZED -> "UNINITIALIZED";
      case INVALID_ARGUMENT -> "INVALID_ARGUMENT";
      case NOT_SUPPORTED -> "NOT_SUPPORTED";
      case NO_PERMISSION -> "NO_PERMISSION";
      case NOT_FOUND -> "NOT_FOUND";
      case INSUFFICIENT_SIZE -> "INSUFFICIENT_SIZE";
      case INSUFFICIENT_POWER -> "INSUFFICIENT_POWER";
      case DRIVER_NOT_LOADED -> "DRIVER_NOT_LOADED";
      case IRQ_ISSUE -> "IRQ_ISSUE";
      case FUNCTION_NOT_FOUND -> "FUNCTION_NOT_FOUND";
      case GPU_IS_LOST -> "GPU_IS_LOST";
      case ARGUMENT_VERSION_MISMATCH -> "ARGUMENT_VERSION_MISMATCH";
      case UNKNOWN -> "UNKNOWN";
      default -> "ERROR_" + code;
    };
  }
}
