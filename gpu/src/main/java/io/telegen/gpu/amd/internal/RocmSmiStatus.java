package io.telegen.gpu.amd.internal;

/**
 * {@code rsmi_status_t} values (rocm_smi.h, a sequential enum). A symbol the library does not
 * export is reported as {@link #FUNCTION_NOT_FOUND}, outside the library's range.
 *
 * <p>This class is internal and is hence not for public use. Its APIs are unstable and can
 * change at any time.
 */
public final class RocmSmiStatus {

  public static final int SUCCESS = 0;
  public static final int INVALID_ARGS = 1;
  public static final int NOT_SUPPORTED = 2;
  public static final int FILE_ERROR = 3;
  public static final int PERMISSION = 4;
  public static final int OUT_OF_RESOURCES = 5;
  public static final int INIT_ERROR = 8;
  public static final int NOT_YET_IMPLEMENTED = 9;
  public static final int NOT_FOUND = 10;
  public static final int INSUFFICIENT_SIZE = 11;
  public static final int NO_DATA = 14;
  public static final int BUSY = 16;
  public static final int FUNCTION_NOT_FOUND = -1000;

  private static final String[] NAMES = {
    "SUCCESS",
    "INVALID_ARGS",
    "NOT_SUPPORTED",
    "FILE_ERROR",
    "PERMISSION",
    "OUT_OF_RESOURCES",
    "INTERNAL_EXCEPTION",
    "INPUT_OUT_OF_BOUNDS",
    "INIT_ERROR",
    "NOT_YET_IMPLEMENTED",
    "NOT_FOUND",
    "INSUFFICIENT_SIZE",
    "INTERRUPT",
    "UNEXPECTED_SIZE",
    "NO_DATA",
    "UNEXPECTED_DATA",
    "BUSY",
    "REFCOUNT_OVERFLOW"
  };

  private RocmSmiStatus() {}

  /** The constant's name after {@code RSMI_STATUS_}, for messages. */
  public static String name(int code) {
    if (code == FUNCTION_NOT_FOUND) {
      return "FUNCTION_NOT_FOUND";
    }
    if (code == -1) {
      return "UNKNOWN_ERROR";
    }
    return code >= 0 && code < NAMES.length
        ? NAMES[code]
        : "ERROR_" + Integer.toUnsignedString(code);
  }

  /** Whether {@code code} says the GPU itself failed the call, not that a reading is absent. */
  public static boolean deviceFailed(int code) {
    return code != SUCCESS
        && code != NOT_SUPPORTED
        && code != NOT_YET_IMPLEMENTED
        && code != NO_DATA
        && code != FUNCTION_NOT_FOUND;
  }

  /** What the operator can do about {@code code}, in one sentence. */
  static String advice(int code) {
    return switch (code) {
      case PERMISSION ->
          "The agent may not read this GPU's files (/dev/kfd, /dev/dri/renderD*, sysfs): add its"
              + " user to the video and render groups, or give the container those devices";
      case INIT_ERROR ->
          "ROCm SMI found no usable amdgpu driver: check `lsmod | grep amdgpu`, dmesg and"
              + " `rocm-smi`";
      case BUSY -> "The GPU is busy (a reset or partition change in progress); it is tried again";
      case FILE_ERROR ->
          "The driver's files for this GPU cannot be read: check dmesg for amdgpu errors and"
              + " `rocm-smi`";
      default -> "Check `rocm-smi` and dmesg for this GPU";
    };
  }
}
