package io.telegen.gpu.amd.internal;

/**
 * {@code amdsmi_status_t} values the agent acts on (amdsmi.h). A symbol the library does not
 * export is reported as {@link #FUNCTION_NOT_FOUND}, a value outside the library's range, so that
 * callers treat a missing function like an unsupported one.
 *
 * <p>This class is internal and is hence not for public use. Its APIs are unstable and can
 * change at any time.
 */
public final class AmdSmiStatus {

  public static final int SUCCESS = 0;
  public static final int INVAL = 1;
  public static final int NOT_SUPPORTED = 2;
  public static final int NOT_YET_IMPLEMENTED = 3;
  public static final int DRM_ERROR = 6;
  public static final int API_FAILED = 7;
  public static final int TIMEOUT = 8;
  public static final int NO_PERM = 10;
  public static final int IO = 12;
  public static final int FILE_ERROR = 14;
  public static final int OUT_OF_RESOURCES = 15;
  public static final int INIT_ERROR = 18;
  public static final int BUSY = 30;
  public static final int NOT_FOUND = 31;
  public static final int NOT_INIT = 32;
  public static final int DRIVER_NOT_LOADED = 34;
  public static final int NO_DATA = 40;
  public static final int INSUFFICIENT_SIZE = 41;

  /** Not an AMD SMI code: the library lacks the function. */
  public static final int FUNCTION_NOT_FOUND = -1000;

  /** Not an AMD SMI code: a failure found by the agent, described in words. */
  public static final int UNKNOWN = -1001;

  private AmdSmiStatus() {}

  /** The constant's name after {@code AMDSMI_STATUS_}, for messages. */
  public static String name(int code) {
    return switch (code) {
      case SUCCESS -> "SUCCESS";
      case INVAL -> "INVAL";
      case NOT_SUPPORTED -> "NOT_SUPPORTED";
      case NOT_YET_IMPLEMENTED -> "NOT_YET_IMPLEMENTED";
      case DRM_ERROR -> "DRM_ERROR";
      case API_FAILED -> "API_FAILED";
      case TIMEOUT -> "TIMEOUT";
      case NO_PERM -> "NO_PERM";
      case IO -> "IO";
      case FILE_ERROR -> "FILE_ERROR";
      case OUT_OF_RESOURCES -> "OUT_OF_RESOURCES";
      case INIT_ERROR -> "INIT_ERROR";
      case BUSY -> "BUSY";
      case NOT_FOUND -> "NOT_FOUND";
      case NOT_INIT -> "NOT_INIT";
      case DRIVER_NOT_LOADED -> "DRIVER_NOT_LOADED";
      case NO_DATA -> "NO_DATA";
      case INSUFFICIENT_SIZE -> "INSUFFICIENT_SIZE";
      case FUNCTION_NOT_FOUND -> "FUNCTION_NOT_FOUND";
      case UNKNOWN -> "UNKNOWN";
      default -> "ERROR_" + Integer.toUnsignedString(code);
    };
  }

  /**
   * Whether {@code code} says the GPU itself failed the call (its device files, the kernel
   * driver), rather than that the reading does not exist on this board.
   */
  public static boolean deviceFailed(int code) {
    return code != SUCCESS
        && code != NOT_SUPPORTED
        && code != NOT_YET_IMPLEMENTED
        && code != NO_DATA
        && code != FUNCTION_NOT_FOUND;
  }
}
