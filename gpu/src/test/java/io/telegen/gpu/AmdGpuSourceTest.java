package io.telegen.gpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.telegen.node.DeviceAttributions;
import io.telegen.node.GpuRef;
import io.telegen.node.GpuVendor;
import io.telegen.node.NodeAttribution;
import io.telegen.source.Labels;
import io.telegen.testsupport.GpuTestResources;
import io.telegen.testsupport.LogLines;
import io.telegen.testsupport.NativeEnvironment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.logging.Logger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The AMD SMI source against the fake {@code libamd_smi.so}, loaded through the same JNA path as
 * the real library. Expected values are the scenario files' numbers in the spec's units.
 */
class AmdGpuSourceTest {

  private static final double MIB = 1024.0 * 1024.0;

  @TempDir Path dir;

  private AmdGpuSource source;

  @AfterEach
  void close() {
    if (source != null) {
      source.close();
    }
    NativeEnvironment.unset(GpuTestResources.AMD_SMI_CONTROL_VARIABLE);
  }

  private AmdGpuSource open(String scenario, String variant) throws Exception {
    Path proc = Files.createDirectories(dir.resolve("proc"));
    source = AmdGpuSource.open(FakeAmdSmi.options(scenario, variant, proc), 0);
    return source;
  }

  private static final String[] MI300X_0 = {
    "device", "0",
    "name", "AMD Instinct MI300X",
    "uuid", "000074a1-0000-1000-8000-5b0c9d2fbd40",
    "pci_bus_id", "0000:05:00.0",
    "vendor", "amd",
    "partition_id", "0",
    "compute_partition", "SPX",
    "memory_partition", "NPS1"
  };

  @Test
  void aProcessesPodAndJobAreOnItsProcessSeriesAndNotOnItsGpus() throws Exception {
    Path proc = Files.createDirectories(dir.resolve("proc"));
    Labels rank = Labels.of("job", "llama", "k8s_pod", "trainer-0");
    source =
        AmdGpuSource.open(
            FakeAmdSmi.options("mi300x-spx", FakeAmdSmi.CURRENT, proc),
            0,
            new NodeAttribution(
                DeviceAttributions.none(), pid -> pid == 4101 ? rank : Labels.empty()));
    Series s = Series.collectUntil(source, series -> !series.find("gpu_up").isEmpty());
    assertEquals(
        150 * 1024 * MIB,
        s.value("gpu_process_memory_bytes", "pid", "4101", "job", "llama", "k8s_pod", "trainer-0"));
    assertEquals(
        75, s.value("gpu_process_sm_utilization_percent", "pid", "4101", "k8s_pod", "trainer-0"));
    assertEquals(List.of(), s.find("gpu_process_memory_bytes", "pid", "4102", "job", "llama"));
    assertEquals(List.of(), s.find("gpu_utilization_percent", "job", "llama"), "not its GPU's");
  }

  @Test
  void mi300xReportsTheSpecsMetricsInTheSpecsUnits() throws Exception {
    open("mi300x-spx", FakeAmdSmi.CURRENT);
    Series s = Series.collectUntil(source, series -> series.find("gpu_pcie_tx_bytes").size() == 8);

    assertEquals(8, s.find("gpu_up").size());
    assertEquals(62, s.value("gpu_utilization_percent", MI300X_0));
    assertEquals(31, s.value("gpu_dram_activity_percent", MI300X_0));
    assertEquals(163208757248.0, s.value("gpu_memory_used_bytes", MI300X_0));
    assertEquals(196592 * MIB, s.value("gpu_memory_total_bytes", MI300X_0));
    assertEquals(196592 * MIB - 163208757248.0, s.value("gpu_memory_free_bytes", MI300X_0));
    // no edge sensor on MI300X: the junction (hotspot) one, millidegrees to degrees
    assertEquals(55, s.value("gpu_temperature_celsius", MI300X_0));
    assertEquals(44, s.value("gpu_memory_temperature_celsius", MI300X_0));
    // only the current socket power (the average is UINT32_MAX)
    assertEquals(690, s.value("gpu_power_usage_watts", MI300X_0));
    assertEquals(750, s.value("gpu_power_limit_watts", MI300X_0));
    // the clock is the table entry `current` points at, in Hz
    assertEquals(2100e6, s.value("gpu_sm_clock_hz", MI300X_0));
    assertEquals(1300e6, s.value("gpu_memory_clock_hz", MI300X_0));
    assertEquals(1.2e9, s.value("gpu_pcie_tx_bytes", MI300X_0));
    assertEquals(2.4e9, s.value("gpu_pcie_rx_bytes", MI300X_0));
    assertEquals(0, s.find("gpu_fan_speed_percent").size(), "MI300X is passive");
    // accumulator x 15.2587890625 uJ = accumulator / 65536 J; it grows by 3000000 counts a read
    double joules = s.value("gpu_energy_joules_total", MI300X_0);
    assertEquals(0, (joules * 65536 - 4_000_000_000L) % 3_000_000, 1e-3);
    assertTrue(joules >= 4_000_000_000L / 65536.0);
    assertEquals(7, s.find("gpu_xgmi_rx_bytes_total", "device", "0").size());
    assertTrue(
        s.value("gpu_xgmi_rx_bytes_total", "device", "0", "link", "0") >= 9_000_000_000L * 1024.0);
    assertEquals(
        1,
        s.value(
            "gpu_info", "device", "0", "driver_version", "6.12.12", "library_version", "26.5.0"));

    String[] process = {"device", "0", "pid", "4101", "process_name", "python3"};
    assertEquals(150 * 1024 * MIB, s.value("gpu_process_memory_bytes", process));
    // 228 of the 304 compute units
    assertEquals(75, s.value("gpu_process_sm_utilization_percent", process));

    GpuRef gpu7 = GpuRef.gpu(GpuVendor.AMD, 7, "000774a1-0000-1000-8007-5b0c9d2fbd47");
    assertEquals(List.of(gpu7), source.gpusOf(4108));
    assertEquals(83, source.utilization(gpu7).orElseThrow().percent());
    assertEquals(
        "8 × AMD Instinct MI300X (SPX, NPS1) (driver 6.12.12, AMD SMI 26.5.0) via "
            + FakeAmdSmi.options("mi300x-spx", FakeAmdSmi.CURRENT, dir).amdSmiLibrary(),
        source.describe());
  }

  @Test
  void radeonWithAFanReportsTheEdgeSensorAverageSocketPowerAndFanPercent() throws Exception {
    open("radeon-pro-w7900-fan", FakeAmdSmi.CURRENT);
    Series s = Series.collect(source);
    String[] gpu = {
      "device", "0",
      "name", "AMD Radeon PRO W7900",
      "uuid", "0bff744c-0000-1000-8031-2a9c0d7e1f55",
      "pci_bus_id", "0000:03:00.0",
      "vendor", "amd"
    };
    assertEquals(40, s.value("gpu_fan_speed_percent", gpu));
    assertEquals(67, s.value("gpu_temperature_celsius", gpu));
    assertEquals(72, s.value("gpu_memory_temperature_celsius", gpu));
    assertEquals(241, s.value("gpu_power_usage_watts", gpu));
    assertEquals(295, s.value("gpu_power_limit_watts", gpu));
    assertEquals(2495e6, s.value("gpu_sm_clock_hz", gpu));
    assertEquals(1249e6, s.value("gpu_memory_clock_hz", gpu));
    assertEquals(50, s.value("gpu_process_sm_utilization_percent", "pid", "8812"));
    assertTrue(
        s.find("gpu_up").get(0).labels().keySet().stream().noneMatch(k -> k.contains("partition")),
        "a Radeon has no partitions");
    assertEquals(0, s.find("gpu_xgmi_tx_bytes_total").size());
  }

  @Test
  void mi250xListsTwoGcdsPerBoardWithPowerOnTheFirst() throws Exception {
    open("mi250x", FakeAmdSmi.CURRENT);
    Series s = Series.collect(source);
    assertEquals(4, s.find("gpu_up", "name", "AMD Instinct MI250X").size());
    assertEquals(41, s.value("gpu_temperature_celsius", "device", "0"));
    assertEquals(472, s.value("gpu_power_usage_watts", "device", "0"));
    assertEquals(0, s.find("gpu_power_usage_watts", "device", "1").size());
    assertEquals(4, s.find("gpu_xgmi_tx_bytes_total", "device", "3").size());
    assertEquals(100, s.value("gpu_process_sm_utilization_percent", "pid", "23001"));
  }

  @Test
  void rocm6LibraryIsReadWithItsOlderStructLayouts() throws Exception {
    open("mi300x-rocm6", FakeAmdSmi.ROCM6);
    Series s = Series.collect(source);
    assertEquals(690, s.value("gpu_power_usage_watts", MI300X_0));
    assertEquals(1, s.value("gpu_info", "device", "1", "library_version", "24.7.1.0"));
    String[] process = {"device", "1", "pid", "4102", "process_name", "pt_main_thread"};
    assertEquals(150 * 1024 * MIB, s.value("gpu_process_memory_bytes", process));
    assertEquals(
        0, s.find("gpu_process_sm_utilization_percent").size(), "24.x has no cu_occupancy");
  }

  @Test
  void aLibraryWithoutASymbolLosesOnlyWhatNeedsIt() throws Exception {
    open("mi300x-missing-symbols", FakeAmdSmi.MISSING_SYMBOLS);
    Series s = Series.collect(source);
    assertEquals(0, s.find("gpu_energy_joules_total").size());
    // amdsmi_get_gpu_vram_usage in MB: 163208757248 bytes are 155648 MiB
    assertEquals(196592 * MIB, s.value("gpu_memory_total_bytes", MI300X_0));
    assertEquals(155648 * MIB, s.value("gpu_memory_used_bytes", MI300X_0));
    assertEquals(690, s.value("gpu_power_usage_watts", MI300X_0));
  }

  @Test
  void cpxNps4ListsEveryPartitionWithPhysicalSensorsOnPartitionZero() throws Exception {
    open("mi300x-cpx-nps4", FakeAmdSmi.CURRENT);
    Series s = Series.collect(source);
    assertEquals(64, s.find("gpu_up").size());
    String[] partition3 = {
      "device",
      "3",
      "partition_id",
      "3",
      "compute_partition",
      "CPX",
      "memory_partition",
      "NPS4",
      "pci_bus_id",
      "0000:05:00.3"
    };
    assertEquals(196592 / 8 * MIB, s.value("gpu_memory_total_bytes", partition3));
    assertEquals(0, s.find("gpu_temperature_celsius", "device", "3").size());
    assertEquals(55, s.value("gpu_temperature_celsius", "device", "0", "partition_id", "0"));
    assertEquals(8, s.find("gpu_temperature_celsius").size());
    assertEquals(8, s.find("gpu_power_usage_watts").size());
    assertTrue(source.describe().startsWith("64 × AMD Instinct MI300X (CPX, NPS4) "));
    // one second per PCIe call on a real library: only partition 0 of each board asks
    Series later = Series.collectUntil(source, x -> x.find("gpu_pcie_tx_bytes").size() == 8);
    assertEquals(8, later.find("gpu_pcie_tx_bytes", "partition_id", "0").size());
  }

  @Test
  void aGpuThatRefusesAtStartIsDownAndTheOthersAreCollected() throws Exception {
    open("mi300x-gpu-2-no-permission", FakeAmdSmi.CURRENT);
    Series s = Series.collect(source);
    assertEquals(
        0, s.value("gpu_up", "device", "2", "name", "unknown", "uuid", "unknown", "vendor", "amd"));
    assertEquals(3, s.find("gpu_up", "name", "AMD Instinct MI300X").size());
    assertEquals(3, s.find("gpu_utilization_percent").size());
    assertTrue(
        source.describe().contains("4 GPUs (GPU 2 not answering: NO_PERM"), source.describe());
  }

  @Test
  void aGpuThatFailsMidRunIsDownUntilItAnswersAgainAndIsLoggedOnceEachWay() throws Exception {
    open("mi250x", FakeAmdSmi.CURRENT);
    Path control = dir.resolve("control");
    try (LogLines log =
        LogLines.of(
            Logger.getLogger(AmdGpuSource.class.getPackageName() + ".amd.internal"),
            l -> l.contains("GPU 1 "))) {
      FakeAmdSmi.control(control, "1:DRM_ERROR");
      Series failing = Series.collect(source);
      Series.collect(source);
      assertEquals(0, failing.value("gpu_up", "device", "1", "name", "AMD Instinct MI250X"));
      assertEquals(0, failing.find("gpu_utilization_percent", "device", "1").size());
      assertEquals(1, failing.value("gpu_up", "device", "0"));

      FakeAmdSmi.control(control);
      Series back = Series.collect(source);
      Series.collect(source);
      assertEquals(1, back.value("gpu_up", "device", "1"));
      assertEquals(91, back.value("gpu_utilization_percent", "device", "1"));
      List<String> lines = log.lines();
      assertEquals(2, lines.size(), lines.toString());
      assertTrue(
          lines
              .get(0)
              .contains(
                  "does not answer: amdsmi_get_gpu_activity returned" + " AMDSMI_STATUS_DRM_ERROR"),
          lines.get(0));
      assertTrue(lines.get(1).contains("answers again"), lines.get(1));
    }
  }

  @Test
  void withoutTheDriverOpeningSaysWhatToDo() {
    NativeEnvironment.unset(GpuTestResources.AMD_SMI_SCENARIO_VARIABLE);
    GpuOptions options =
        GpuOptions.builder()
            .amdSmiLibrary(io.telegen.testsupport.BuildOutputs.fakeAmdSmi(FakeAmdSmi.CURRENT))
            .build();
    GpuUnavailableException e =
        assertThrows(GpuUnavailableException.class, () -> AmdGpuSource.open(options, 0));
    assertTrue(e.getMessage().contains("AMDSMI_STATUS_DRIVER_NOT_LOADED"), e.getMessage());
    assertTrue(e.getMessage().contains("amdgpu kernel driver is not loaded"), e.getMessage());
  }

  @Test
  void aConfiguredLibraryThatIsNotThereIsNamedWithItsKey() {
    GpuOptions options =
        GpuOptions.builder().amdSmiLibrary(dir.resolve("nowhere/libamd_smi.so")).build();
    GpuUnavailableException e =
        assertThrows(GpuUnavailableException.class, () -> AmdGpuSource.open(options, 0));
    assertTrue(
        e.getMessage().endsWith("does not exist (agent.gpu.amd_smi_library)"), e.getMessage());
  }

  @Test
  void rocmSmiReadsTheSameNodeInTheSameUnits() throws Exception {
    Path proc = Files.createDirectories(dir.resolve("proc"));
    source = AmdGpuSource.open(FakeAmdSmi.rocmSmiOptions("mi300x-spx", proc), 0);
    assertEquals("rocm_smi", source.name());
    Series s = Series.collectUntil(source, series -> series.find("gpu_pcie_tx_bytes").size() == 8);
    String[] gpu = {
      "device", "0",
      "name", "AMD Instinct MI300X",
      "uuid", "0x74a100001000",
      "pci_bus_id", "0000:05:00.0",
      "vendor", "amd",
      "partition_id", "0",
      "compute_partition", "SPX",
      "memory_partition", "NPS1"
    };
    assertEquals(62, s.value("gpu_utilization_percent", gpu));
    assertEquals(31, s.value("gpu_dram_activity_percent", gpu));
    assertEquals(163208757248.0, s.value("gpu_memory_used_bytes", gpu));
    assertEquals(196592 * MIB, s.value("gpu_memory_total_bytes", gpu));
    assertEquals(55, s.value("gpu_temperature_celsius", gpu));
    assertEquals(44, s.value("gpu_memory_temperature_celsius", gpu));
    // current socket power in uW
    assertEquals(690, s.value("gpu_power_usage_watts", gpu));
    assertEquals(750, s.value("gpu_power_limit_watts", gpu));
    assertEquals(2100e6, s.value("gpu_sm_clock_hz", gpu));
    assertEquals(1.2e9, s.value("gpu_pcie_tx_bytes", gpu));
    assertTrue(s.value("gpu_energy_joules_total", gpu) >= 4_000_000_000L / 65536.0);
    // rsmi_process_info_t.cu_occupancy is already a percent
    String[] process = {"device", "0", "pid", "4101"};
    assertEquals(150 * 1024 * MIB, s.value("gpu_process_memory_bytes", process));
    assertEquals(75, s.value("gpu_process_sm_utilization_percent", process));
    assertEquals(
        1,
        s.value(
            "gpu_info",
            "device",
            "7",
            "driver_version",
            "6.12.12",
            "library",
            "rocm_smi",
            "library_version",
            "7.7.0"));
    GpuRef gpu3 = GpuRef.gpu(GpuVendor.AMD, 3, "0x374a100001000");
    assertEquals(List.of(gpu3), source.gpusOf(4104));
    assertTrue(
        source
            .describe()
            .startsWith(
                "8 × AMD Instinct MI300X (SPX, NPS1) (driver 6.12.12, ROCm SMI 7.7.0) via "),
        source.describe());
  }

  @Test
  void rocmSmiAverageSocketPowerAndFanOnARadeon() throws Exception {
    Path proc = Files.createDirectories(dir.resolve("proc"));
    source = AmdGpuSource.open(FakeAmdSmi.rocmSmiOptions("radeon-pro-w7900-fan", proc), 0);
    Series s = Series.collect(source);
    assertEquals(241, s.value("gpu_power_usage_watts", "device", "0"));
    assertEquals(40, s.value("gpu_fan_speed_percent", "device", "0"));
    assertEquals(67, s.value("gpu_temperature_celsius", "device", "0"));
  }

  @Test
  void rocmSmiGpuThatRefusesAtStartIsDown() throws Exception {
    Path proc = Files.createDirectories(dir.resolve("proc"));
    source = AmdGpuSource.open(FakeAmdSmi.rocmSmiOptions("mi300x-gpu-2-no-permission", proc), 0);
    Series s = Series.collect(source);
    assertEquals(0, s.value("gpu_up", "device", "2", "name", "unknown"));
    assertEquals(3, s.find("gpu_up", "name", "AMD Instinct MI300X").size());
    assertTrue(source.describe().contains("GPU 2 not answering: PERMISSION"), source.describe());
  }

  @Test
  void withNeitherLibraryInstalledOpeningSaysSo() {
    GpuUnavailableException e =
        assertThrows(
            GpuUnavailableException.class,
            () -> AmdGpuSource.open(GpuOptions.builder().build(), 0));
    assertTrue(
        e.getMessage().startsWith("neither AMD SMI nor ROCm SMI is installed: libamd_smi.so is"),
        e.getMessage());
    assertTrue(e.getMessage().contains("librocm_smi64.so is neither"), e.getMessage());
  }
}
