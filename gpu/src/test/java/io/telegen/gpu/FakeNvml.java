package io.telegen.gpu;

import static org.junit.jupiter.api.Assertions.fail;

import com.sun.jna.Library;
import com.sun.jna.Native;
import com.sun.jna.NativeLibrary;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * The fake {@code libnvidia-ml.so.1} built from {@code src/test/native/fake-nvml} by this
 * module's {@code generate-test-resources} phase, and its scenario files. The fake reads its
 * scenario from the environment when NVML is initialised; JNA's libc {@code setenv} changes the
 * environment the native code sees, so one test JVM can walk through several scenarios.
 */
public final class FakeNvml {

  private interface LibC extends Library {
    int setenv(String name, String value, int overwrite);

    int unsetenv(String name);
  }

  private static final LibC LIBC = Native.load("c", LibC.class);
  private static final Path MODULE = moduleDir();

  private FakeNvml() {}

  /** The modern-driver fake library. */
  public static Path library() {
    return existing(MODULE.resolve("target/fake-nvml/full/libnvidia-ml.so.1"));
  }

  /** The fake of an R450-era library, without the newer symbols. */
  public static Path oldDriverLibrary() {
    return existing(MODULE.resolve("target/fake-nvml/old-driver/libnvidia-ml.so.1"));
  }

  /** Makes the next {@code nvmlInit_v2} load {@code src/test/resources/nvml/<name>.conf}. */
  public static Path useScenario(String name) {
    Path scenario = existing(MODULE.resolve("src/test/resources/nvml/" + name + ".conf"));
    LIBC.setenv("FAKE_NVML_SCENARIO", scenario.toString(), 1);
    LIBC.unsetenv("FAKE_NVML_LOST_FILE");
    return scenario;
  }

  /** Marks GPUs as lost (GPU_IS_LOST) until the next call; none given brings them all back. */
  public static void loseGpus(Path lostFile, int... indices) throws IOException {
    StringBuilder text = new StringBuilder();
    for (int index : indices) {
      text.append(index).append('\n');
    }
    Files.writeString(lostFile, text);
    LIBC.setenv("FAKE_NVML_LOST_FILE", lostFile.toString(), 1);
  }

  /**
   * Makes the next call of the device entry point {@code symbol} (e.g.
   * {@code nvmlDeviceGetUtilizationRates}) hang "in the driver" until {@link #release}, or until
   * {@code timeoutMs} so that a broken test cannot hang the build; that symbol's calls are counted
   * from now on ({@link #watchedCalls}).
   */
  public static void blockNext(String symbol, int timeoutMs) {
    fake().getFunction("fakeNvmlBlockNext").invokeVoid(new Object[] {symbol, timeoutMs});
  }

  /** Lets the blocked call return. */
  public static void release() {
    fake().getFunction("fakeNvmlRelease").invokeVoid(new Object[0]);
  }

  /** Calls blocked in the fake driver now. */
  public static int blockedCalls() {
    return fake().getFunction("fakeNvmlBlockedCalls").invokeInt(new Object[0]);
  }

  /** Calls of the symbol given to {@link #blockNext} since then. */
  public static long watchedCalls() {
    return fake().getFunction("fakeNvmlWatchedCalls").invokeLong(new Object[0]);
  }

  private static NativeLibrary fake() {
    return NativeLibrary.getInstance(library().toString(), Map.of());
  }

  /** Options on the fake library with the given scenario, and process names from {@code proc}. */
  public static GpuOptions options(String scenario, Path procRoot) {
    useScenario(scenario);
    return GpuOptions.builder().nvmlLibrary(library()).procRoot(procRoot).build();
  }

  private static Path existing(Path path) {
    if (!Files.exists(path)) {
      fail(path + " is missing: build the fake NVML with `mvn -pl gpu generate-test-resources`");
    }
    return path.toAbsolutePath();
  }

  private static Path moduleDir() {
    Path cwd = Path.of("").toAbsolutePath();
    return Files.isDirectory(cwd.resolve("src/test/native")) ? cwd : cwd.resolve("gpu");
  }
}
