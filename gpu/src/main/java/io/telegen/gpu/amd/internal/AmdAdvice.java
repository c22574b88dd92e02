package io.telegen.gpu.amd.internal;

/** What an operator can do about an AMD SMI status, in one sentence for a log line. */
final class AmdAdvice {

  private AmdAdvice() {}

  static String forStatus(int rc) {
    return switch (rc) {
      case AmdSmiStatus.NO_PERM ->
          "The agent may not open this GPU's device files (/dev/kfd, /dev/dri/renderD*): add its"
              + " user to the video and render groups, or give the container those devices";
      case AmdSmiStatus.DRIVER_NOT_LOADED ->
          "The amdgpu kernel driver is not loaded: check `lsmod | grep amdgpu` and dmesg";
      case AmdSmiStatus.BUSY ->
          "The GPU is busy (a reset or partition change in progress); it is tried again";
      case AmdSmiStatus.DRM_ERROR, AmdSmiStatus.IO, AmdSmiStatus.FILE_ERROR ->
          "The driver's files for this GPU cannot be read: check dmesg for amdgpu errors and"
              + " `amd-smi list`";
      default -> "Check `amd-smi list` and dmesg for this GPU";
    };
  }
}
