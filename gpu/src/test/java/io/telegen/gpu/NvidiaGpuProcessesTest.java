package io.telegen.gpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.telegen.gpu.nvidia.internal.NvmlCollector;
import io.telegen.node.GpuProcessSnapshot;
import io.telegen.node.GpuRef;
import io.telegen.node.GpuVendor;
import io.telegen.node.MigDevice;
import io.telegen.testsupport.LogLines;
import io.telegen.testsupport.NativeEnvironment;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.logging.Logger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What NVML says about processes, as real drivers say it: per-process utilisation samples with
 * their own timestamps in no order (and impossible values among them), MIG parents that refuse
 * their aggregate process list to an unprivileged container, and MPS clients that only the MPS
 * list names.
 */
class NvidiaGpuProcessesTest {

  private static final String H100_MIG = "GPU-9be4bcfc-49b6-4a08-b2e6-cc3ababced20";

  @TempDir Path proc;

  private NvidiaGpuSource source;

  @AfterEach
  void close() {
    if (source != null) {
      source.close();
    }
    NativeEnvironment.unset(FakeNvml.UNPRIVILEGED_VARIABLE);
  }

  @Test
  void everyProcessHasItsExactUtilisationWhenSamplesComeUnordered() throws Exception {
    try (LogLines log =
        LogLines.of(
            Logger.getLogger(NvmlCollector.class.getPackageName()), l -> l.contains("412"))) {
      source = NvidiaGpuSource.open(FakeNvml.options("many-processes", proc), 0);

      // The second and third cycles pass the newest timestamp the one before saw.
      for (int cycle = 0; cycle < 3; cycle++) {
        Series s = collect();

        Map<Integer, Double> expected = new TreeMap<>();
        Map<Integer, Double> actual = new TreeMap<>();
        for (int i = 0; i < 40; i++) {
          int pid = 50000 + i;
          // The scenario's sm_util: 1..7 over and over; 50003's older 90 % sample loses.
          expected.put(pid, (double) (i % 7 + 1));
          actual.put(
              pid, s.value("gpu_process_sm_utilization_percent", "pid", Integer.toString(pid)));
        }
        assertEquals(expected, actual, "cycle " + cycle);
        // 412 % is dropped: the process keeps its memory series but has no utilisation.
        assertEquals(List.of(), s.find("gpu_process_sm_utilization_percent", "pid", "50040"));
        assertEquals(4299161600.0, s.value("gpu_process_memory_bytes", "pid", "50040"));
      }
      assertEquals(1, log.lines().size(), log.lines().toString());
      assertTrue(log.lines().get(0).startsWith("WARNING NVIDIA GPUs: GPU 0 ("), log.lines().get(0));
      assertTrue(log.lines().get(0).contains("pid 50040: SM 412 %"), log.lines().get(0));
    }
  }

  @Test
  void unprivilegedH100MigHasEveryInstancesProcessMemoryAndJoin() throws Exception {
    comm(21198, "gpu_burn");
    GpuOptions options = FakeNvml.options("h100-mig", proc);
    FakeNvml.beUnprivileged();
    try (LogLines log =
        LogLines.of(
            Logger.getLogger(NvmlCollector.class.getPackageName()), l -> l.startsWith("WARNING"))) {
      source = NvidiaGpuSource.open(options, 0);

      Series s = collect();

      String[] slice = {
        "device",
        "0",
        "uuid",
        H100_MIG,
        "mig_device",
        "mig-3g.40gb-0",
        "mig_profile",
        "3g.40gb",
        "gpu_instance_id",
        "2",
        "compute_instance_id",
        "0",
        "mig_uuid",
        "MIG-2ce7a541-c516-5dbc-a76e-26cc100d9b55"
      };
      assertEquals(3, s.find("gpu_process_memory_bytes").size());
      assertEquals(2407530496.0, s.value("gpu_process_memory_bytes", with(slice, "pid", "21180")));
      assertEquals(1333788672.0, s.value("gpu_process_memory_bytes", with(slice, "pid", "21181")));
      assertEquals(
          7847542784.0,
          s.value(
              "gpu_process_memory_bytes", with(slice, "pid", "21198", "process_name", "gpu_burn")));

      GpuRef gpu = GpuRef.gpu(GpuVendor.NVIDIA, 0, H100_MIG);
      GpuRef mig =
          GpuRef.mig(
              GpuVendor.NVIDIA,
              0,
              H100_MIG,
              new MigDevice("MIG-2ce7a541-c516-5dbc-a76e-26cc100d9b55", 2, 0, "mig-3g.40gb-0"));
      GpuProcessSnapshot table = source.snapshot();
      for (int pid : List.of(21180, 21181, 21198)) {
        assertEquals(List.of(mig), table.processes().get(pid).devices(), "pid " + pid);
        assertEquals(List.of(gpu), table.processes().get(pid).gpus(), "pid " + pid);
      }
      assertEquals(3, table.processes().size());

      // The whole GPU's memory is refused too; each instance's own is not.
      assertEquals(4, s.find("gpu_memory_used_bytes").size());
      assertTrue(
          s.find("gpu_memory_used_bytes").stream()
              .allMatch(p -> p.labels().containsKey("mig_device")));
      assertEquals(11629756416.0, s.value("gpu_memory_used_bytes", slice));
      // Nothing is missing, so nothing is said.
      assertEquals(List.of(), log.lines());
    }
  }

  @Test
  void unprivilegedA100MigWithoutGpmHasEveryInstancesProcesses() throws Exception {
    GpuOptions options = FakeNvml.options("a100-mig-no-gpm", proc);
    FakeNvml.beUnprivileged();
    source = NvidiaGpuSource.open(options, 0);

    Series s = collect();

    assertEquals(3, s.find("gpu_process_memory_bytes").size());
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
    assertEquals(
        "mig-2g.20gb-1", source.snapshot().processes().get(31877).devices().get(0).mig().label());
  }

  @Test
  void mpsClientsAreReadFromTheMpsListBesideTheServer() throws Exception {
    comm(7001, "nvidia-cuda-mps-server");
    source = NvidiaGpuSource.open(FakeNvml.options("mps", proc), 0);

    Series s = collect();

    assertEquals(
        31457280.0,
        s.value(
            "gpu_process_memory_bytes", "pid", "7001", "process_name", "nvidia-cuda-mps-server"));
    assertEquals(4294967296.0, s.value("gpu_process_memory_bytes", "pid", "7002"));
    // Listed by both calls, reported once.
    assertEquals(6442450944.0, s.value("gpu_process_memory_bytes", "pid", "7003"));
    assertEquals(3951034368.0, s.value("gpu_process_memory_bytes", "pid", "7004"));
    assertEquals(4, s.find("gpu_process_memory_bytes").size());
    assertEquals(41, s.value("gpu_process_sm_utilization_percent", "pid", "7002"));
    assertEquals(12, s.value("gpu_process_sm_utilization_percent", "pid", "7004"));
    assertEquals(0, s.value("gpu_process_sm_utilization_percent", "pid", "7001"));
    GpuRef gpu = GpuRef.gpu(GpuVendor.NVIDIA, 0, "GPU-5d0e3c1a-8b7f-4c62-9e1d-3a4b5c6d7e8f");
    for (int pid : List.of(7001, 7002, 7003, 7004)) {
      assertEquals(List.of(gpu), source.gpusOf(pid), "pid " + pid);
    }
  }

  private static String[] with(String[] labels, String... more) {
    String[] all = java.util.Arrays.copyOf(labels, labels.length + more.length);
    System.arraycopy(more, 0, all, labels.length, more.length);
    return all;
  }

  private void comm(int pid, String name) throws Exception {
    java.nio.file.Files.createDirectories(proc.resolve(Integer.toString(pid)));
    java.nio.file.Files.writeString(proc.resolve(pid + "/comm"), name + "\n");
  }

  private Series collect() throws Exception {
    return Series.collect(source);
  }
}
