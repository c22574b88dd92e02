package io.telegen.gpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.telegen.testsupport.GpuTestResources;
import io.telegen.testsupport.NativeEnvironment;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The NVML source against the fake {@code libnvidia-ml.so.1}, loaded through the same JNA path as
 * the real driver. Expected values are the scenario files' numbers in the spec's units.
 */
class NvidiaGpuSourceTest {

  @TempDir Path proc;

  private NvidiaGpuSource source;

  @AfterEach
  void close() throws InterruptedException {
    if (source != null) {
      source.close();
      FakeNvml.awaitShutdown();
    }
  }

  @Test
  void pcieBoardReportsEveryDeviceMetricInTheSpecsUnits() throws Exception {
    comm(7731, "deepstream-app");
    source = NvidiaGpuSource.open(FakeNvml.options("pcie-rtx6000ada-fan", proc), 0);

    Series s = collectUntil(series -> !series.find("gpu_pcie_tx_bytes").isEmpty());

    String[] gpu = {
      "device",
      "0",
      "name",
      "NVIDIA RTX 6000 Ada Generation",
      "uuid",
      "GPU-3f98e277-4cbd-47ad-9c90-a9587403e430",
      "pci_bus_id",
      "00000000:41:00.0",
      "vendor",
      "nvidia"
    };
    assertEquals(47, s.value("gpu_utilization_percent", gpu));
    assertEquals(32720814080.0, s.value("gpu_memory_used_bytes", gpu));
    assertEquals(51527024640.0, s.value("gpu_memory_total_bytes", gpu));
    assertEquals(51527024640.0 - 524288000 - 32720814080.0, s.value("gpu_memory_free_bytes", gpu));
    assertEquals(66, s.value("gpu_temperature_celsius", gpu));
    assertEquals(187.43, s.value("gpu_power_usage_watts", gpu), 1e-9);
    assertEquals(300, s.value("gpu_power_limit_watts", gpu));
    assertEquals(2430e6, s.value("gpu_sm_clock_hz", gpu));
    assertEquals(10001e6, s.value("gpu_memory_clock_hz", gpu));
    assertEquals(38912 * 1024, s.value("gpu_pcie_tx_bytes", gpu));
    assertEquals(121344 * 1024, s.value("gpu_pcie_rx_bytes", gpu));
    assertEquals(12, s.value("gpu_encoder_utilization_percent", gpu));
    assertEquals(7, s.value("gpu_decoder_utilization_percent", gpu));
    assertEquals(38, s.value("gpu_fan_speed_percent", gpu));
    assertEquals(1, s.value("gpu_up", gpu));
    assertEquals(1, s.value("gpu_info", "driver_version", "590.48.01", "cuda_version", "13.1"));
    assertEquals(9, s.find("gpu_throttle_reasons", gpu).size());
    assertEquals(0, s.value("gpu_throttle_reasons", "reason", "sw_power_cap"));
    assertTrue(s.value("gpu_energy_joules_total", gpu) >= 96301244.871);

    assertEquals(
        31675383808.0,
        s.value(
            "gpu_process_memory_bytes",
            "pid",
            "7731",
            "process_name",
            "deepstream-app",
            "device",
            "0"));
    assertEquals(46, s.value("gpu_process_sm_utilization_percent", "pid", "7731"));
    // The process table the LLM sources join on for their gpu label.
    assertEquals(
        List.of(
            io.telegen.node.GpuRef.gpu(
                io.telegen.node.GpuVendor.NVIDIA, 0, "GPU-3f98e277-4cbd-47ad-9c90-a9587403e430")),
        source.gpusOf(7731));

    // NOT_SUPPORTED and absent features leave series out rather than zero.
    assertEquals(List.of(), s.find("gpu_memory_temperature_celsius"));
    assertEquals(List.of(), s.find("gpu_nvlink_tx_bytes_total"));
    assertEquals(List.of(), s.find("gpu_sm_activity_percent"));
  }

  @Test
  void h100InMigModeReportsEachInstanceLikeTheRealCapture() throws Exception {
    comm(21198, "gpu_burn");
    source = NvidiaGpuSource.open(FakeNvml.options("h100-mig", proc), 0);

    Series s = collectUntil(series -> series.find("gpu_utilization_percent").size() == 4);

    assertEquals(
        Set.of("mig-3g.40gb-0", "mig-2g.20gb-1", "mig-1g.10gb-2", "mig-1g.10gb-3"),
        labelValues(s, "gpu_memory_used_bytes", "mig_device"));
    String[] first = {
      "device",
      "0",
      "mig_device",
      "mig-3g.40gb-0",
      "mig_profile",
      "3g.40gb",
      "gpu_instance_id",
      "2",
      "compute_instance_id",
      "0",
      "mig_uuid",
      "MIG-2ce7a541-c516-5dbc-a76e-26cc100d9b55",
      "uuid",
      "GPU-9be4bcfc-49b6-4a08-b2e6-cc3ababced20",
      "name",
      "NVIDIA H100 80GB HBM3"
    };
    assertEquals(11629756416.0, s.value("gpu_memory_used_bytes", first));
    assertEquals(42412802048.0, s.value("gpu_memory_total_bytes", first));
    assertEquals(99.7, s.value("gpu_utilization_percent", first), 1e-9);
    assertEquals(98.4, s.value("gpu_sm_activity_percent", first), 1e-9);
    assertEquals(12.5, s.value("gpu_sm_activity_percent", "gpu_instance_id", "9"), 1e-9);
    assertEquals(
        Set.of("2", "3", "9", "10"), labelValues(s, "gpu_utilization_percent", "gpu_instance_id"));

    // The parent: physical readings, no utilisation (NOT_SUPPORTED on a MIG parent).
    assertEquals(
        11665408000.0,
        s.find("gpu_memory_used_bytes").stream()
            .filter(p -> !p.labels().containsKey("mig_device"))
            .findFirst()
            .orElseThrow()
            .value());
    assertEquals(432.21, s.value("gpu_power_usage_watts"), 1e-9);
    assertEquals(58, s.value("gpu_memory_temperature_celsius"));
    assertEquals(List.of(), s.find("gpu_encoder_utilization_percent"));
    assertEquals(List.of(), s.find("gpu_fan_speed_percent"));
    assertEquals(List.of(), s.find("gpu_nvlink_tx_bytes_total"));

    // Three processes, all on the 3g.40gb instance; MIG has no per-process SM utilisation.
    assertEquals(3, s.find("gpu_process_memory_bytes", "mig_device", "mig-3g.40gb-0").size());
    assertEquals(
        7847542784.0,
        s.value(
            "gpu_process_memory_bytes",
            "pid",
            "21198",
            "process_name",
            "gpu_burn",
            "gpu_instance_id",
            "2"));
    assertEquals(
        "unknown",
        s.find("gpu_process_memory_bytes", "pid", "21180").get(0).labels().get("process_name"));
    assertEquals(List.of(), s.find("gpu_process_sm_utilization_percent"));
  }

  @Test
  void a100MigWithoutGpmHasInstanceMemoryButNoUtilization() throws Exception {
    source = NvidiaGpuSource.open(FakeNvml.options("a100-mig-no-gpm", proc), 0);

    Series s = collect();

    assertEquals(
        Set.of("1", "5", "13"), labelValues(s, "gpu_memory_used_bytes", "gpu_instance_id"));
    assertEquals(List.of(), s.find("gpu_utilization_percent"));
    assertEquals(List.of(), s.find("gpu_sm_activity_percent"));
    assertEquals(2, s.find("gpu_process_memory_bytes", "mig_device", "mig-3g.40gb-0").size());
    assertEquals(
        536870912.0,
        s.value(
            "gpu_process_memory_bytes",
            "pid",
            "31877",
            "mig_device",
            "mig-2g.20gb-1",
            "gpu_instance_id",
            "5"));
  }

  @Test
  void dgxH100ReportsEightGpusWithNvlinkCountersThatMove() throws Exception {
    source = NvidiaGpuSource.open(FakeNvml.options("dgx-h100-nvlink", proc), 0);

    Series first = collect();
    Series second = collect();

    assertEquals(8, first.find("gpu_up").size());
    assertEquals(8 * 18, first.find("gpu_nvlink_tx_bytes_total").size());
    assertEquals(8 * 18, first.find("gpu_nvlink_rx_bytes_total").size());
    double before = first.value("gpu_nvlink_tx_bytes_total", "device", "3", "link", "5");
    double after = second.value("gpu_nvlink_tx_bytes_total", "device", "3", "link", "5");
    assertTrue(after > before, "NVLink counters are cumulative: " + before + " -> " + after);
    assertEquals(0, (after - before) % 1024, "KiB converted to bytes");
    assertTrue(
        second.value("gpu_energy_joules_total", "device", "0")
            > first.value("gpu_energy_joules_total", "device", "0"));
  }

  @Test
  void aLostGpuDropsToUpZeroWhileTheOtherContinuesAndComesBack() throws Exception {
    source = NvidiaGpuSource.open(FakeNvml.options("gpu-lost", proc), 0);
    Path lost = proc.resolve("lost");
    assertEquals(2, collect().find("gpu_up").stream().filter(p -> p.value() == 1).count());

    FakeNvml.loseGpus(lost, 1);
    Series during = collect();
    assertEquals(0, during.value("gpu_up", "device", "1"));
    assertEquals(1, during.value("gpu_up", "device", "0"));
    assertEquals(List.of(), during.find("gpu_temperature_celsius", "device", "1"));
    assertEquals(1, during.find("gpu_temperature_celsius", "device", "0").size());

    FakeNvml.loseGpus(lost);
    Series after = collect();
    assertEquals(1, after.value("gpu_up", "device", "1"));
    assertEquals(1, after.find("gpu_temperature_celsius", "device", "1").size());
  }

  @Test
  void collectionsDoNotWaitForTheSlowPcieCall() throws Exception {
    source = NvidiaGpuSource.open(FakeNvml.options("slow-pcie", proc), 0);

    // The sampling thread is now inside a PCIe call that blocks for 3 s. A collection that made
    // that call itself would carry its value; this one carries everything else and no PCIe.
    Series s = collect();

    assertEquals(List.of(), s.find("gpu_pcie_tx_bytes"));
    assertEquals(47, s.value("gpu_utilization_percent"));
    assertEquals(1, s.value("gpu_up"));
  }

  @Test
  void manyProcessesGrowTheBufferThroughTheTwoCallSizing() throws Exception {
    source = NvidiaGpuSource.open(FakeNvml.options("many-processes", proc), 0);

    Series first = collect();
    Series second = collect();

    for (Series s : List.of(first, second)) {
      assertEquals(41, s.find("gpu_process_memory_bytes").size());
      // 50040's only sample is impossible (412 %): it has memory but no utilisation.
      assertEquals(40, s.find("gpu_process_sm_utilization_percent").size());
      assertEquals(40 * 104857600.0, s.value("gpu_process_memory_bytes", "pid", "50039"));
    }
    assertEquals(7, second.value("gpu_process_sm_utilization_percent", "pid", "50006"));
  }

  @Test
  void switchedOffGroupsAreNotRead() throws Exception {
    FakeNvml.useScenario("pcie-rtx6000ada-fan");
    GpuOptions options =
        GpuOptions.builder()
            .nvmlLibrary(FakeNvml.library())
            .procRoot(proc)
            .metric(GpuOptions.MetricGroup.POWER, false)
            .metric(GpuOptions.MetricGroup.CLOCK, false)
            .perProcess(false)
            .build();
    source = NvidiaGpuSource.open(options, 0);

    Series s = collect();

    assertEquals(List.of(), s.find("gpu_power_usage_watts"));
    assertEquals(List.of(), s.find("gpu_energy_joules_total"));
    assertEquals(List.of(), s.find("gpu_sm_clock_hz"));
    assertEquals(List.of(), s.find("gpu_throttle_reasons"));
    assertEquals(List.of(), s.find("gpu_process_memory_bytes"));
    assertEquals(1, s.find("gpu_temperature_celsius").size());
  }

  @Test
  void aMissingLibraryIsOneClearError() {
    GpuOptions options =
        GpuOptions.builder().nvmlLibrary(Path.of("/nonexistent/libnvidia-ml.so.1")).build();
    GpuUnavailableException e =
        assertThrows(GpuUnavailableException.class, () -> NvidiaGpuSource.open(options, 0));
    assertEquals("/nonexistent/libnvidia-ml.so.1 does not exist", e.getMessage());
  }

  @Test
  void aFileThatIsNoLibrarySaysWhyItCannotLoad() throws IOException {
    Path notElf = Files.writeString(proc.resolve("libnvidia-ml.so.1"), "not a shared object");
    GpuOptions options = GpuOptions.builder().nvmlLibrary(notElf).build();
    GpuUnavailableException e =
        assertThrows(GpuUnavailableException.class, () -> NvidiaGpuSource.open(options, 0));
    assertTrue(e.getMessage().startsWith("cannot load " + notElf + ": "), e.getMessage());
    assertTrue(
        e.getMessage().contains("file too short") || e.getMessage().contains("invalid ELF"),
        e.getMessage());
  }

  @Test
  void aLibraryThatIsNotNvmlIsRefusedByName() {
    GpuOptions options = GpuOptions.builder().nvmlLibrary(Path.of(libc())).build();
    GpuUnavailableException e =
        assertThrows(GpuUnavailableException.class, () -> NvidiaGpuSource.open(options, 0));
    assertTrue(e.getMessage().contains("does not export nvmlInit_v2"), e.getMessage());
  }

  @Test
  void aDriverThatFailsToInitialiseSaysSo() {
    GpuOptions options =
        GpuOptions.builder().nvmlLibrary(FakeNvml.library()).procRoot(proc).build();
    NativeEnvironment.unset(GpuTestResources.SCENARIO_VARIABLE);
    GpuUnavailableException e =
        assertThrows(GpuUnavailableException.class, () -> NvidiaGpuSource.open(options, 0));
    assertTrue(e.getMessage().contains("NVML_ERROR_DRIVER_NOT_LOADED"), e.getMessage());
    assertTrue(e.getMessage().contains("is the NVIDIA kernel driver loaded"), e.getMessage());
  }

  private Series collect() throws Exception {
    return Series.collect(source);
  }

  private Series collectUntil(Predicate<Series> ready) throws Exception {
    return Series.collectUntil(source, ready);
  }

  private static Set<String> labelValues(Series s, String metric, String label) {
    Set<String> values = new TreeSet<>();
    s.find(metric)
        .forEach(
            p -> {
              if (p.labels().containsKey(label)) {
                values.add(p.labels().get(label));
              }
            });
    return values;
  }

  private void comm(int pid, String name) throws IOException {
    Files.createDirectories(proc.resolve(Integer.toString(pid)));
    Files.writeString(proc.resolve(pid + "/comm"), name + "\n");
  }

  private static String libc() {
    for (String candidate :
        new String[] {
          "/lib/x86_64-linux-gnu/libc.so.6",
          "/usr/lib64/libc.so.6",
          "/lib/aarch64-linux-gnu/libc.so.6"
        }) {
      if (Files.exists(Path.of(candidate))) {
        return candidate;
      }
    }
    throw new AssertionError("no libc.so.6 found");
  }
}
