package io.telegen.gpu;

import com.sun.jna.NativeLibrary;
import io.telegen.testsupport.BuildOutputs;
import io.telegen.testsupport.GpuTestResources;
import io.telegen.testsupport.NativeEnvironment;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * The fake {@code libnvidia-ml.so.1} built from {@code src/test/native/fake-nvml} by this
 * module's {@code generate-test-resources} phase, and its scenario files. The fake reads its
 * scenario from the environment when NVML is initialised; {@link NativeEnvironment} changes the
 * environment the native code sees, so one test JVM can walk through several scenarios.
 */
public final class FakeNvml {

  private FakeNvml() {}

  /** The modern-driver fake library. */
  public static Path library() {
    return BuildOutputs.fakeNvml();
  }

  /** The fake of an R450-era library, without the newer symbols. */
  public static Path oldDriverLibrary() {
    return BuildOutputs.oldDriverFakeNvml();
  }

  /** Makes the next {@code nvmlInit_v2} load {@code src/test/resources/nvml/<name>.conf}. */
  public static Path useScenario(String name) {
    return GpuTestResources.useNvmlScenario(name);
  }

  /** Marks GPUs as lost (GPU_IS_LOST) until the next call; none given brings them all back. */
  public static void loseGpus(Path lostFile, int... indices) throws IOException {
    StringBuilder text = new StringBuilder();
    for (int index : indices) {
      text.append(index).append('\n');
    }
    Files.writeString(lostFile, text);
    NativeEnvironment.set(GpuTestResources.LOST_FILE_VARIABLE, lostFile.toString());
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
}
