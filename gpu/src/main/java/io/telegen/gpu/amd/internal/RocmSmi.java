package io.telegen.gpu.amd.internal;

import com.sun.jna.Function;
import com.sun.jna.Memory;
import com.sun.jna.NativeLibrary;
import com.sun.jna.Pointer;
import io.telegen.gpu.internal.NativeLibraries;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;

/**
 * One loaded {@code librocm_smi64.so}, the library older ROCm installs have (deprecated in favour
 * of AMD SMI): a JNA function handle per {@link RocmSmiSymbol}, looked up once; a symbol the
 * library lacks makes its calls return {@link RocmSmiStatus#FUNCTION_NOT_FOUND}.
 *
 * <p>This class is internal and is hence not for public use. Its APIs are unstable and can
 * change at any time.
 */
public final class RocmSmi {

  /** The name ROCm installs. */
  public static final String LIBRARY_NAME = "librocm_smi64.so";

  /** Where ROCm installs it when it is not on the library path. */
  public static final Path ROCM_LOCATION = Path.of("/opt/rocm/lib/librocm_smi64.so");

  /** {@code sizeof(rsmi_process_info_t)} and its fields. */
  static final int PROCESS_INFO_SIZE = 32;

  static final int PROCESS_PID = 0;
  static final int PROCESS_VRAM = 8;
  static final int PROCESS_CU_OCCUPANCY = 24;

  private final String location;
  private final Function[] functions = new Function[RocmSmiSymbol.values().length];
  private final Set<RocmSmiSymbol> missing = EnumSet.noneOf(RocmSmiSymbol.class);
  private final String version;

  private RocmSmi(String location, NativeLibrary library) {
    this.location = location;
    for (RocmSmiSymbol symbol : RocmSmiSymbol.values()) {
      try {
        functions[symbol.ordinal()] = library.getFunction(symbol.exportedName());
      } catch (UnsatisfiedLinkError e) {
        missing.add(symbol);
      }
    }
    // rsmi_version_t {major, minor, patch, build}: the build string at offset 16.
    Memory buffer = new Memory(24);
    buffer.clear();
    String text = "unknown";
    if (call(RocmSmiSymbol.VERSION_GET, buffer) == RocmSmiStatus.SUCCESS) {
      Pointer build = buffer.getPointer(16);
      text =
          build != null
              ? build.getString(0)
              : buffer.getInt(0) + "." + buffer.getInt(4) + "." + buffer.getInt(8);
    }
    this.version = text;
  }

  /**
   * Loads the library at {@code path}, or, when {@code path} is null, {@value #LIBRARY_NAME} from
   * the library path and then from {@code /opt/rocm/lib}.
   */
  public static RocmSmi load(Path path) throws AmdSmiLoadException {
    if (path != null && !Files.exists(path)) {
      throw new AmdSmiLoadException(
          path.toAbsolutePath() + " does not exist (agent.gpu.rocm_smi_library)");
    }
    List<String> candidates =
        path != null
            ? List.of(path.toAbsolutePath().toString())
            : List.of(LIBRARY_NAME, ROCM_LOCATION.toString());
    NativeLibraries.Opened opened = NativeLibraries.firstThatLoads(candidates);
    NativeLibrary library = opened.library();
    String location = opened.location();
    String lastError = opened.lastError();
    if (library == null) {
      throw new AmdSmiLoadException(
          path == null
              ? LIBRARY_NAME + " is neither on this machine's library path nor in /opt/rocm/lib"
              : "cannot load " + candidates.get(0) + ": " + lastError,
          path == null);
    }
    RocmSmi smi = new RocmSmi(location, library);
    List<String> requiredMissing = new ArrayList<>();
    for (RocmSmiSymbol symbol : smi.missing) {
      if (symbol.required()) {
        requiredMissing.add(symbol.exportedName());
      }
    }
    if (!requiredMissing.isEmpty()) {
      throw new AmdSmiLoadException(
          location
              + " does not export "
              + String.join(", ", requiredMissing)
              + "; it is not a ROCm SMI library");
    }
    return smi;
  }

  public String location() {
    return location;
  }

  /** The version the library reports, e.g. {@code 7.7.0}. */
  public String version() {
    return version;
  }

  public boolean has(RocmSmiSymbol symbol) {
    return functions[symbol.ordinal()] != null;
  }

  public Set<RocmSmiSymbol> missing() {
    return Collections.unmodifiableSet(missing);
  }

  /** Calls {@code symbol}; {@link RocmSmiStatus#FUNCTION_NOT_FOUND} when the library lacks it. */
  public int call(RocmSmiSymbol symbol, Object... args) {
    Function function = functions[symbol.ordinal()];
    return function == null ? RocmSmiStatus.FUNCTION_NOT_FOUND : function.invokeInt(args);
  }

  /** The library's own text for {@code code}, which starts with the constant's name. */
  public String describe(int code) {
    String name = "RSMI_STATUS_" + RocmSmiStatus.name(code);
    Function toString = functions[RocmSmiSymbol.STATUS_STRING.ordinal()];
    if (toString == null || code == RocmSmiStatus.FUNCTION_NOT_FOUND) {
      return name;
    }
    Memory out = new Memory(8);
    out.setPointer(0, null);
    if (toString.invokeInt(new Object[] {code, out}) != RocmSmiStatus.SUCCESS) {
      return name;
    }
    Pointer text = out.getPointer(0);
    String s = text == null ? "" : text.getString(0);
    return s.startsWith(name) ? s : name + (s.isEmpty() ? "" : " (" + s + ")");
  }
}
