package io.telegen.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

import io.telegen.testsupport.BuildOutputs;
import io.telegen.testsupport.GpuTestResources;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
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
 * {@code git diff}.
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
}
