package io.telegen.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.telegen.testsupport.BuildOutputs;
import io.telegen.testsupport.GpuTestResources;
import io.telegen.testsupport.NativeEnvironment;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * {@code telegen-agent collect} against each fake-NVML scenario prints exactly the series in
 * {@code src/test/resources/collect/<scenario>.prom}: names, labels and values as Prometheus shows
 * them behind the shipped collector config.
 *
 * <p>The expected files were reviewed value by value against the scenario files. After a
 * deliberate change, {@code -Dtelegen.collect.rewrite=true} rewrites them for review with
 * {@code git diff}. The AMD scenarios play the fake {@code libamd_smi.so} the same way, and
 * {@code check} lists the AMD GPUs found.
 */
class GpuCollectTest {

  @TempDir Path dir;

  @ParameterizedTest(name = "{0}")
  @CsvSource({
    "pcie-rtx6000ada-fan, full",
    "h100-mig, full",
    "a100-mig-no-gpm, full",
    "dgx-h100-nvlink, full",
    "gpu-lost, full",
    "gpu-1-no-permission, full",
    "old-driver, old-driver"
  })
  void collectPrintsTheExpectedSeries(String scenario, String variant) throws Exception {
    Path library =
        variant.equals("old-driver") ? BuildOutputs.oldDriverFakeNvml() : BuildOutputs.fakeNvml();
    GpuTestResources.useNvmlScenario(scenario);
    Path proc = Files.createDirectories(dir.resolve("proc"));
    Path config =
        Files.writeString(
            dir.resolve("agent.yaml"),
            """
        agent:
          proc_root: %s
          self_telemetry:
            enabled: false
          gpu:
            nvml_library: %s
            nccl_dir: %s
            sys_root: %s
        """
                .formatted(proc, library, dir.resolve("shm"), dir.resolve("sys")));

    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    // Two cycles 2 s apart: the sampling thread's PCIe and GPM readings (two GPM samples 100 ms
    // apart, 40 ms of PCIe per GPU) are in well before the printed second cycle.
    int code =
        TelegenAgent.run(
            new String[] {"collect", "--config", config.toString(), "--interval", "2s"},
            new PrintStream(out, true, StandardCharsets.UTF_8),
            new PrintStream(err, true, StandardCharsets.UTF_8));

    assertEquals(TelegenAgent.OK, code, err.toString(StandardCharsets.UTF_8));
    String actual = out.toString(StandardCharsets.UTF_8);
    Path expected = Path.of("src/test/resources/collect/" + scenario + ".prom");
    if (Boolean.getBoolean("telegen.collect.rewrite")) {
      Files.writeString(expected, actual);
    }
    if (!Files.exists(expected)) {
      fail(expected + " is missing; the output was:\n" + actual);
    }
    assertEquals(Files.readString(expected), actual);
  }

  /**
   * The same for AMD GPUs, each scenario on the fake {@code libamd_smi.so} build it is written
   * for (or on the fake {@code librocm_smi64.so}, variant {@code rocm-smi}), with {@code agent.gpu.amd: true} and NVIDIA off as in the spec's AMD example; and a
   * workstation with one NVIDIA and one AMD GPU, both vendors on.
   */
  @ParameterizedTest(name = "{0}")
  @CsvSource({
    "mi300x-spx, current, ",
    "mi300x-cpx-nps4, current, ",
    "mi250x, current, ",
    "radeon-pro-w7900-fan, current, ",
    "mi300x-rocm6, rocm6, ",
    "mi300x-missing-symbols, missing-symbols, ",
    "mi300x-gpu-2-no-permission, current, ",
    "radeon-pro-w7900-fan, current, pcie-rtx6000ada-fan",
    "mi300x-spx, rocm-smi, ",
    "radeon-pro-w7900-fan, rocm-smi, "
  })
  void collectPrintsTheExpectedAmdSeries(String scenario, String variant, String nvidiaScenario)
      throws Exception {
    GpuTestResources.useAmdSmiScenario(scenario);
    boolean mixed = nvidiaScenario != null;
    boolean rocm = variant.equals("rocm-smi");
    if (mixed) {
      GpuTestResources.useNvmlScenario(nvidiaScenario);
    }
    Path proc = Files.createDirectories(dir.resolve("proc"));
    Path config =
        Files.writeString(
            dir.resolve("agent.yaml"),
            """
        agent:
          proc_root: %s
          self_telemetry:
            enabled: false
          gpu:
            nvidia: %s
            amd: true
            nvml_library: %s
            %s: %s
            nccl_dir: %s
            sys_root: %s
        """
                .formatted(
                    proc,
                    mixed,
                    BuildOutputs.fakeNvml(),
                    rocm ? "rocm_smi_library" : "amd_smi_library",
                    rocm ? BuildOutputs.fakeRocmSmi() : BuildOutputs.fakeAmdSmi(variant),
                    dir.resolve("shm"),
                    dir.resolve("sys")));
    String name =
        mixed
            ? "mixed-" + nvidiaScenario + "-" + scenario
            : (rocm ? "rocm-smi-" : "amd-") + scenario;
    expect(name, config);
  }

  @Test
  void checkListsTheAmdGpusFoundBesideTheNvidiaOnes() throws Exception {
    GpuTestResources.useAmdSmiScenario("mi300x-cpx-nps4");
    GpuTestResources.useNvmlScenario("pcie-rtx6000ada-fan");
    Path library = BuildOutputs.fakeAmdSmi("current");
    String check = check(amdConfig(library, true));
    assertTrue(
        check.contains(
            "AMD GPUs: 64 × AMD Instinct MI300X (CPX, NPS4) (driver 6.12.12, AMD SMI 26.5.0) via "
                + library
                + ", every 10s\n"),
        check);
    assertTrue(check.contains("NVIDIA GPUs: 1 × NVIDIA RTX 6000 Ada Generation"), check);
  }

  @Test
  void checkSaysWhatToDoWithoutTheAmdDriver() throws Exception {
    NativeEnvironment.unset(GpuTestResources.AMD_SMI_SCENARIO_VARIABLE);
    String check = check(amdConfig(BuildOutputs.fakeAmdSmi("current"), false));
    assertTrue(
        check.contains(
            "AMD GPUs: none (amdsmi_init in "
                + BuildOutputs.fakeAmdSmi("current")
                + " failed: AMDSMI_STATUS_DRIVER_NOT_LOADED: Processor driver not loaded. The"
                + " amdgpu kernel driver is not loaded: check `lsmod | grep amdgpu` and dmesg);"
                + " set agent.gpu.amd_smi_library if ROCm is installed elsewhere, or"
                + " agent.gpu.amd: false\n"),
        check);
  }

  private Path amdConfig(Path amdLibrary, boolean nvidia) throws Exception {
    Path proc = Files.createDirectories(dir.resolve("proc"));
    return Files.writeString(
        dir.resolve("check.yaml"),
        """
        agent:
          proc_root: %s
          self_telemetry:
            enabled: false
          gpu:
            nvidia: %s
            amd: true
            nvml_library: %s
            amd_smi_library: %s
            nccl_dir: %s
            sys_root: %s
        """
            .formatted(
                proc,
                nvidia,
                BuildOutputs.fakeNvml(),
                amdLibrary,
                dir.resolve("shm"),
                dir.resolve("sys")));
  }

  private static String check(Path config) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    int code =
        TelegenAgent.run(
            new String[] {"check", "--config", config.toString()},
            new PrintStream(out, true, StandardCharsets.UTF_8),
            new PrintStream(err, true, StandardCharsets.UTF_8));
    assertEquals(TelegenAgent.OK, code, err.toString(StandardCharsets.UTF_8));
    return out.toString(StandardCharsets.UTF_8);
  }

  private void expect(String name, Path config) throws Exception {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    int code =
        TelegenAgent.run(
            new String[] {"collect", "--config", config.toString(), "--interval", "2s"},
            new PrintStream(out, true, StandardCharsets.UTF_8),
            new PrintStream(err, true, StandardCharsets.UTF_8));
    assertEquals(TelegenAgent.OK, code, err.toString(StandardCharsets.UTF_8));
    String actual = out.toString(StandardCharsets.UTF_8);
    Path expected = Path.of("src/test/resources/collect/" + name + ".prom");
    if (Boolean.getBoolean("telegen.collect.rewrite")) {
      Files.writeString(expected, actual);
    }
    if (!Files.exists(expected)) {
      fail(expected + " is missing; the output was:\n" + actual);
    }
    assertEquals(Files.readString(expected), actual);
  }
}
