package io.telegen.testsupport;

import static org.junit.jupiter.api.Assertions.fail;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The files other modules' builds make that tests run: the gpu module's fake drivers (built with
 * gcc from {@code gpu/src/test/native} in its {@code generate-test-resources} phase), its NCCL
 * profiler plugin, and the agent jar. They are native programs and libraries loaded by path
 * (JNA, {@code ProcessBuilder}, {@code java -jar}), so they are found where their module's build
 * writes them; a missing one fails the test with the Maven command that builds it.
 *
 * <p>This is the one place that knows those build paths; {@code TestsStayInTheRepositoryTest}
 * fails when another test spells one out.
 */
public final class BuildOutputs {

  private BuildOutputs() {}

  /** The fake {@code libnvidia-ml.so.1} of a current driver (all symbols). */
  public static Path fakeNvml() {
    return built("gpu/target/fake-nvml/full/libnvidia-ml.so.1", "mvn -pl gpu -am test-compile");
  }

  /** The fake {@code libnvidia-ml.so.1} of an R450-era driver, without the newer symbols. */
  public static Path oldDriverFakeNvml() {
    return built(
        "gpu/target/fake-nvml/old-driver/libnvidia-ml.so.1", "mvn -pl gpu -am test-compile");
  }

  /**
   * A fake {@code libamd_smi.so}: {@code current} (AMD SMI 26.x, every entry point), {@code
   * rocm6} (AMD SMI 24.x struct layouts) or {@code missing-symbols} (26.x without
   * amdsmi_get_energy_count and the byte-count VRAM calls).
   */
  public static Path fakeAmdSmi(String variant) {
    return built(
        "gpu/target/fake-amdsmi/" + variant + "/libamd_smi.so", "mvn -pl gpu -am test-compile");
  }

  /** The fake {@code librocm_smi64.so}, playing the same scenario files as the fake AMD SMI. */
  public static Path fakeRocmSmi() {
    return built(
        "gpu/target/fake-amdsmi/rocm-smi/librocm_smi64.so", "mvn -pl gpu -am test-compile");
  }

  /** The C stand-in for NCCL that loads the profiler plugin and drives it. */
  public static Path ncclDriver() {
    Path driver = built("gpu/target/nccl-driver/nccl-driver", "mvn -pl gpu -am test-compile");
    if (!Files.isExecutable(driver)) {
      fail(driver + " is not executable; rebuild it with `mvn -pl gpu -am test-compile`");
    }
    return driver;
  }

  /** The NCCL profiler plugin for this machine's architecture, as the gpu module compiled it. */
  public static Path ncclProfilerPlugin() {
    String arch = System.getProperty("os.arch").contains("aarch64") ? "aarch64" : "x86_64";
    return built(
        "gpu/target/classes/io/telegen/gpu/nccl/linux-" + arch + "/libnccl-profiler-telegen.so",
        "mvn -pl gpu -am compile");
  }

  /** The agent as users run it ({@code java -jar}). */
  public static Path agentJar() {
    return built(
        "receiver-server/target/telegen-agent.jar",
        "mvn -pl receiver-server -am -DskipTests package");
  }

  private static Path built(String relative, String command) {
    Path root = Repository.root();
    Path file = root.resolve(relative);
    if (!Files.isRegularFile(file)) {
      fail(
          file
              + " is missing: build it with `"
              + command
              + "` in "
              + root
              + " (the gpu module's native parts need gcc)");
    }
    return file;
  }
}
