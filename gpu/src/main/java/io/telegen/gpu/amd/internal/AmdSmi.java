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
 * One loaded {@code libamd_smi.so}: a JNA function handle per {@link AmdSmiSymbol}, looked up
 * once, and the struct layouts of the version it reports. A symbol the library lacks makes its
 * calls return {@link AmdSmiStatus#FUNCTION_NOT_FOUND} instead of failing the load, so an older
 * library only switches off what needs the newer call.
 *
 * <p>Arguments are primitives and {@link Pointer}s into buffers the caller owns and reuses; no
 * {@code Structure} is built per call.
 *
 * <p>This class is internal and is hence not for public use. Its APIs are unstable and can
 * change at any time.
 */
public final class AmdSmi {

  /** The name ROCm installs (a link to {@code libamd_smi.so.<major>}). */
  public static final String LIBRARY_NAME = "libamd_smi.so";

  /** Where ROCm installs it when it is not on the library path. */
  public static final Path ROCM_LOCATION = Path.of("/opt/rocm/lib/libamd_smi.so");

  private final String location;
  private final Function[] functions = new Function[AmdSmiSymbol.values().length];
  private final Set<AmdSmiSymbol> missing = EnumSet.noneOf(AmdSmiSymbol.class);
  private final AmdSmiAbi.Version version;

  private AmdSmi(String location, NativeLibrary library) {
    this.location = location;
    for (AmdSmiSymbol symbol : AmdSmiSymbol.values()) {
      try {
        functions[symbol.ordinal()] = library.getFunction(symbol.exportedName());
      } catch (UnsatisfiedLinkError e) {
        missing.add(symbol);
      }
    }
    Memory buffer = new Memory(AmdSmiAbi.VERSION_SIZE);
    buffer.clear();
    Function getVersion = functions[AmdSmiSymbol.GET_LIB_VERSION.ordinal()];
    version =
        getVersion != null && getVersion.invokeInt(new Object[] {buffer}) == AmdSmiStatus.SUCCESS
            ? AmdSmiAbi.decode(buffer)
            : null;
  }

  /**
   * Loads the library at {@code path}, or, when {@code path} is null, {@value #LIBRARY_NAME} from
   * the library path and then from {@code /opt/rocm/lib}.
   *
   * @throws AmdSmiLoadException when the library cannot be opened, lacks a required symbol or
   *     reports no version
   */
  public static AmdSmi load(Path path) throws AmdSmiLoadException {
    if (path != null && !Files.exists(path)) {
      throw new AmdSmiLoadException(
          path.toAbsolutePath() + " does not exist (agent.gpu.amd_smi_library)");
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
              ? LIBRARY_NAME
                  + " is neither on this machine's library path nor in /opt/rocm/lib (is ROCm's"
                  + " amd-smi-lib installed?)"
              : "cannot load " + candidates.get(0) + ": " + lastError,
          path == null);
    }
    AmdSmi smi = new AmdSmi(location, library);
    List<String> requiredMissing = new ArrayList<>();
    for (AmdSmiSymbol symbol : smi.missing) {
      if (symbol.required()) {
        requiredMissing.add(symbol.exportedName());
      }
    }
    if (!requiredMissing.isEmpty()) {
      throw new AmdSmiLoadException(
          location
              + " does not export "
              + String.join(", ", requiredMissing)
              + "; it is not an AMD SMI library, or it is older than ROCm 6");
    }
    if (smi.version == null) {
      throw new AmdSmiLoadException(
          "amdsmi_get_lib_version in " + location + " failed, so its struct layouts are unknown");
    }
    return smi;
  }

  /** Where the library was loaded from. */
  public String location() {
    return location;
  }

  /** The version the library reports and the layouts that go with it. */
  public AmdSmiAbi.Version version() {
    return version;
  }

  /** The struct layouts of this library's generation. */
  public AmdSmiAbi abi() {
    return version.abi();
  }

  /** Whether the library exports {@code symbol}. */
  public boolean has(AmdSmiSymbol symbol) {
    return functions[symbol.ordinal()] != null;
  }

  /** Symbols this library lacks. */
  public Set<AmdSmiSymbol> missing() {
    return Collections.unmodifiableSet(missing);
  }

  /** Calls {@code symbol}; {@link AmdSmiStatus#FUNCTION_NOT_FOUND} when the library lacks it. */
  public int call(AmdSmiSymbol symbol, Object... args) {
    Function function = functions[symbol.ordinal()];
    return function == null ? AmdSmiStatus.FUNCTION_NOT_FOUND : function.invokeInt(args);
  }

  /** The library's own text for {@code code}, with the constant's name for searching the docs. */
  public String describe(int code) {
    Function toString = functions[AmdSmiSymbol.STATUS_CODE_TO_STRING.ordinal()];
    String text = null;
    if (toString != null && code != AmdSmiStatus.FUNCTION_NOT_FOUND) {
      Memory out = new Memory(8);
      out.setPointer(0, null);
      if (toString.invokeInt(new Object[] {code, out}) == AmdSmiStatus.SUCCESS) {
        Pointer p = out.getPointer(0);
        text = p == null ? null : p.getString(0);
      }
    }
    String name = "AMDSMI_STATUS_" + AmdSmiStatus.name(code);
    if (text == null || text.isEmpty()) {
      return name;
    }
    // The library's text already starts with the constant's name ("AMDSMI_STATUS_NO_PERM: ...").
    return text.startsWith(name) ? text : name + " (" + text + ")";
  }

  /** JNA's first line only names the library; the dynamic loader's reason follows it. */
}
