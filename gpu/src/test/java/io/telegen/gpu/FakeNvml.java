package io.telegen.gpu;

import com.sun.jna.Memory;
import com.sun.jna.NativeLibrary;
import io.telegen.testsupport.BuildOutputs;
import io.telegen.testsupport.GpuTestResources;
import io.telegen.testsupport.NativeEnvironment;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The fake {@code libnvidia-ml.so.1} built from {@code src/test/native/fake-nvml} by this
 * module's {@code generate-test-resources} phase, and its scenario files. The fake reads its
 * scenario from the environment when NVML is initialised; {@link NativeEnvironment} changes the
 * environment the native code sees, so one test JVM can walk through several scenarios.
 */
public final class FakeNvml {

  /**
   * Set to {@code 1} before {@code nvmlInit_v2}, the fake answers as to an unprivileged caller: a
   * MIG parent refuses its aggregate processes and memory with NO_PERMISSION.
   */
  public static final String UNPRIVILEGED_VARIABLE = "FAKE_NVML_UNPRIVILEGED";

  private FakeNvml() {}

  /** The modern-driver fake library. */
  public static Path library() {
    return BuildOutputs.fakeNvml();
  }

  /** The fake of an R450-era library, without the newer symbols. */
  public static Path oldDriverLibrary() {
    return BuildOutputs.oldDriverFakeNvml();
  }

  /**
   * Makes the next {@code nvmlInit_v2} load {@code src/test/resources/nvml/<name>.conf}, as seen
   * by a privileged caller.
   */
  public static Path useScenario(String name) {
    NativeEnvironment.unset(UNPRIVILEGED_VARIABLE);
    return GpuTestResources.useNvmlScenario(name);
  }

  /** Makes the next {@code nvmlInit_v2} answer as to a container without extra privileges. */
  public static void beUnprivileged() {
    NativeEnvironment.set(UNPRIVILEGED_VARIABLE, "1");
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
   * Writes the fake's control file (the one {@link #loseGpus} writes) with {@code tokens}: {@code
   * N} a lost GPU, {@code N:ERROR} a GPU whose handle-by-index answers {@code ERROR}, {@code
   * P.S=NAME} / {@code P.S=-} the MIG slot S of GPU P showing the scenario's {@code [mig P.S NAME]}
   * or nothing. No token: every GPU answers and every MIG slot is as at start.
   */
  public static void control(Path file, String... tokens) throws IOException {
    Files.writeString(file, String.join(" ", tokens) + "\n");
    NativeEnvironment.set(GpuTestResources.LOST_FILE_VARIABLE, file.toString());
  }

  /**
   * Waits until the fake's NVML is shut down (its init count back to 0), so that the next {@code
   * nvmlInit_v2} reads a new scenario. A source closed while a call was inside the driver (the
   * 3 s PCIe call of {@code slow-pcie}, a held call) shuts NVML down only once that call returns.
   *
   * @throws AssertionError when NVML is still initialised after 15 s
   */
  public static void awaitShutdown() throws InterruptedException {
    NativeLibrary fake = NativeLibrary.getInstance(library().toString(), Map.of());
    Memory count = new Memory(4);
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
    // NVML_ERROR_UNINITIALIZED (1) once the last nvmlShutdown ran.
    while (fake.getFunction("nvmlDeviceGetCount_v2").invokeInt(new Object[] {count}) != 1) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("the fake NVML is still initialised 15 s after its source closed");
      }
      Thread.sleep(10);
    }
  }

  /** Options on the fake library with the given scenario, and process names from {@code proc}. */
  public static GpuOptions options(String scenario, Path procRoot) {
    useScenario(scenario);
    return GpuOptions.builder().nvmlLibrary(library()).procRoot(procRoot).build();
  }
}
