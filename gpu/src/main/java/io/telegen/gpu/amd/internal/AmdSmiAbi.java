package io.telegen.gpu.amd.internal;

import com.sun.jna.Memory;
import com.sun.jna.Pointer;

/**
 * The struct layouts of one generation of AMD SMI, chosen by the version the library reports
 * ({@code amdsmi_get_lib_version}): AMD SMI 26.0 (ROCm 7.0) removed {@code year} from {@code
 * amdsmi_version_t}, widened process and container names to 64 bytes, added {@code cu_occupancy}
 * per process and {@code socket_power} at the head of {@code amdsmi_power_info_t}, shrank {@code
 * amdsmi_asic_info_t}'s market name to 64 bytes and renumbered {@code amdsmi_link_type_t}. Offsets
 * are x86_64, the same numbers the fake library's {@code _Static_assert}s pin.
 *
 * <p>The version struct itself changed, so it is read layout-free: its first {@code uint32_t} is
 * the two-digit year (24 or 25) in the older layout and the major version (26 or more) in the
 * newer one, and the build string pointer sits at offset 16 in both.
 *
 * <p>This class is internal and is hence not for public use. Its APIs are unstable and can
 * change at any time.
 */
public enum AmdSmiAbi {
  /** AMD SMI 24.x and 25.x (ROCm 6.x): {@code amdsmi_version_t} starts with {@code year}. */
  V24(68, 0, 4, -1, 456, 376, 224, 32, 32, 128, -1, 1),
  /** AMD SMI 26.x (ROCm 7.x). */
  V26(192, 8, 12, 0, 320, 216, 320, 64, 64, 160, 272, 2);

  /** {@code sizeof(amdsmi_version_t)}. */
  public static final int VERSION_SIZE = 24;

  static final int VERSION_BUILD = 16;
  static final int ENGINE_USAGE_SIZE = 64;
  static final int ENGINE_GFX = 0;
  static final int ENGINE_UMC = 4;
  static final int VRAM_USAGE_SIZE = 16;
  static final int VRAM_TOTAL_MB = 0;
  static final int VRAM_USED_MB = 4;
  static final int POWER_CAP_INFO_SIZE = 64;
  static final int POWER_CAP = 0;
  static final int FREQUENCIES_SIZE = 280;
  static final int FREQUENCIES_NUM_SUPPORTED = 4;
  static final int FREQUENCIES_CURRENT = 8;
  static final int FREQUENCIES_FREQUENCY = 16;
  static final int MAX_NUM_FREQUENCIES = 33;
  static final int KFD_INFO_SIZE = 64;
  static final int KFD_CURRENT_PARTITION_ID = 12;
  static final int DRIVER_INFO_SIZE = 192;
  static final int DRIVER_VERSION = 0;
  static final int LINK_METRICS_SIZE = 3648;
  static final int LINK_METRICS_LINKS = 8;
  static final int LINK_SIZE = 56;
  // within one links[] entry
  static final int LINK_TYPE = 16;
  static final int LINK_READ_KB = 24;
  static final int LINK_WRITE_KB = 32;
  static final int MAX_LINKS = 64;
  static final int UUID_BUFFER = 64;
  static final int STRING_BUFFER = 256;

  /** The largest {@code amdsmi_asic_info_t} of the layouts, so one buffer serves both. */
  static final int ASIC_INFO_BUFFER = 512;

  static final int UNSUPPORTED_U32 = 0xFFFFFFFF;

  final int powerInfoSize;
  final int powerCurrentSocket;
  final int powerAverageSocket;

  /** Offset of the u64 {@code socket_power}, or -1 in a layout without it. */
  final int powerSocket;

  final int asicInfoSize;
  final int asicComputeUnits;
  final int procInfoSize;
  final int procNameLength;
  final int procPid;
  final int procVram;

  /** Offset of {@code cu_occupancy}, or -1 in a layout without it. */
  final int procCuOccupancy;

  /** {@code AMDSMI_LINK_TYPE_XGMI} in this generation's numbering. */
  final int linkTypeXgmi;

  AmdSmiAbi(
      int powerInfoSize,
      int powerCurrentSocket,
      int powerAverageSocket,
      int powerSocket,
      int asicInfoSize,
      int asicComputeUnits,
      int procInfoSize,
      int procNameLength,
      int procPid,
      int procVram,
      int procCuOccupancy,
      int linkTypeXgmi) {
    this.powerInfoSize = powerInfoSize;
    this.powerCurrentSocket = powerCurrentSocket;
    this.powerAverageSocket = powerAverageSocket;
    this.powerSocket = powerSocket;
    this.asicInfoSize = asicInfoSize;
    this.asicComputeUnits = asicComputeUnits;
    this.procInfoSize = procInfoSize;
    this.procNameLength = procNameLength;
    this.procPid = procPid;
    this.procVram = procVram;
    this.procCuOccupancy = procCuOccupancy;
    this.linkTypeXgmi = linkTypeXgmi;
  }

  /** The library's version as the operator reads it, and the layouts that go with it. */
  public record Version(AmdSmiAbi abi, String text) {}

  /**
   * Decodes what {@code amdsmi_get_lib_version} wrote into {@code version} ({@link
   * #VERSION_SIZE} bytes, zeroed before the call).
   */
  public static Version decode(Memory version) {
    int first = version.getInt(0);
    AmdSmiAbi abi = Integer.compareUnsigned(first, 26) >= 0 ? V26 : V24;
    String numbers =
        abi == V26
            ? first + "." + version.getInt(4) + "." + version.getInt(8)
            : version.getInt(4) + "." + version.getInt(8) + "." + version.getInt(12);
    Pointer build = version.getPointer(VERSION_BUILD);
    String text = build == null ? numbers : build.getString(0);
    return new Version(abi, text.isEmpty() ? numbers : text);
  }
}
