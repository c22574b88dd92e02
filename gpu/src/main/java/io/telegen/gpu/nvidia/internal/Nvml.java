package io.telegen.gpu.nvidia.internal;

import com.sun.jna.Function;
import com.sun.jna.NativeLibrary;
import io.telegen.gpu.internal.NativeLibraries;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * One loaded {@code libnvidia-ml.so.1}: a JNA function handle per {@link NvmlSymbol}, looked up
 * once. A symbol the library lacks makes its calls return {@link NvmlReturn#FUNCTION_NOT_FOUND}
 * instead of failing the load, so an older driver only switches off what needs the newer call.
 *
 * <p>Arguments are primitives and {@link com.sun.jna.Pointer}s into buffers the caller owns and
 * reuses; no {@code Structure} is built per call.
 *
 * <p>This class is internal and is hence not for public use. Its APIs are unstable and can
 * change at any time.
 */
public final class Nvml {

  /** The soname every NVIDIA driver installs; the agent never loads an unversioned name. */
  public static final String LIBRARY_NAME = "libnvidia-ml.so.1";

  private final String location;
  private final Function[] functions = new Function[NvmlSymbol.values().length];
  private final Set<NvmlSymbol> missing = EnumSet.noneOf(NvmlSymbol.class);

  private Nvml(String location, NativeLibrary library) {
    this.location = location;
    for (NvmlSymbol symbol : NvmlSymbol.values()) {
      try {
        functions[symbol.ordinal()] = library.getFunction(symbol.exportedName());
      } catch (UnsatisfiedLinkError e) {
        missing.add(symbol);
      }
    }
  }

  /**
   * Loads the library at {@code path}, or {@value #LIBRARY_NAME} from the system's library path
   * when {@code path} is null.
   *
   * @throws NvmlLoadException when the library cannot be opened or lacks a required symbol
   */
  public static Nvml load(Path path) throws NvmlLoadException {
    String location = path == null ? LIBRARY_NAME : path.toAbsolutePath().toString();
    if (path != null && !Files.exists(path)) {
      throw new NvmlLoadException(location + " does not exist");
    }
    NativeLibrary library;
    try {
      library = NativeLibrary.getInstance(location, Map.of());
    } catch (UnsatisfiedLinkError e) {
      throw new NvmlLoadException(
          path == null
              ? LIBRARY_NAME
                  + " is not on this machine's library path (is the NVIDIA driver installed?)"
              : "cannot load " + location + ": " + NativeLibraries.reason(e.getMessage()));
    }
    Nvml nvml = new Nvml(location, library);
    List<String> requiredMissing = new ArrayList<>();
    for (NvmlSymbol symbol : nvml.missing) {
      if (symbol.required()) {
        requiredMissing.add(symbol.exportedName());
      }
    }
    if (!requiredMissing.isEmpty()) {
      throw new NvmlLoadException(
          location
              + " does not export "
              + String.join(", ", requiredMissing)
              + "; it is not an NVML library, or its driver is too old");
    }
    return nvml;
  }

  /** Where the library was loaded from. */
  public String location() {
    return location;
  }

  /** Whether the library exports {@code symbol}. */
  public boolean has(NvmlSymbol symbol) {
    return functions[symbol.ordinal()] != null;
  }

  /** Symbols this library lacks. */
  public Set<NvmlSymbol> missing() {
    return Collections.unmodifiableSet(missing);
  }

  /** Calls {@code symbol}; {@link NvmlReturn#FUNCTION_NOT_FOUND} when the library lacks it. */
  public int call(NvmlSymbol symbol, Object... args) {
    Function function = functions[symbol.ordinal()];
    return function == null ? NvmlReturn.FUNCTION_NOT_FOUND : function.invokeInt(args);
  }

  /** NVML's own text for {@code code}, with the constant's name for searching the docs. */
  public String describe(int code) {
    Function errorString = functions[NvmlSymbol.ERROR_STRING.ordinal()];
    String text =
        code == NvmlReturn.FUNCTION_NOT_FOUND || errorString == null
            ? "function not found"
            : errorString.invokeString(new Object[] {code}, false);
    return "NVML_ERROR_" + NvmlReturn.name(code) + " (" + text + ")";
  }

  /** JNA's first line only names the library; the dynamic loader's reason follows it. */
}
