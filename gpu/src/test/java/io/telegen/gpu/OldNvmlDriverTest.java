package io.telegen.gpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.telegen.catalog.MetricCatalog;
import io.telegen.source.MetricBatch;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * An R450-era library lacks the {@code _v3} process call, {@code _v2} memory, GPM and the newer
 * clock-event call: the agent falls back to the older calls where they exist and leaves out only
 * what has no older form.
 */
class OldNvmlDriverTest {

  @TempDir Path proc;

  @Test
  void olderCallsStandInForTheMissingNewerOnes() throws Exception {
    FakeNvml.useScenario("old-driver");
    GpuOptions options =
        GpuOptions.builder().nvmlLibrary(FakeNvml.oldDriverLibrary()).procRoot(proc).build();
    try (NvidiaGpuSource source = NvidiaGpuSource.open(options, 0)) {
      MetricBatch batch = new MetricBatch(MetricCatalog.load(), 1);
      source.collect(batch);
      Series s = new Series(batch);

      assertEquals(2, s.find("gpu_up").size());
      String[] v100 = {"device", "0", "name", "Tesla V100-SXM2-32GB"};
      assertEquals(34089205760.0, s.value("gpu_memory_total_bytes", v100));
      assertEquals(14927527936.0, s.value("gpu_memory_used_bytes", v100));
      assertEquals(34089205760.0 - 14927527936.0, s.value("gpu_memory_free_bytes", v100));
      assertEquals(96, s.value("gpu_utilization_percent", v100));
      assertEquals(9, s.find("gpu_throttle_reasons", v100).size());
      assertEquals(6 * 2, s.find("gpu_nvlink_tx_bytes_total").size());
      assertEquals(
          1,
          s.value(
              "gpu_info", "device", "1", "driver_version", "450.80.02", "cuda_version", "11.0"));
      // Through the unversioned call and its 16-byte entries.
      assertEquals(
          14863564800.0, s.value("gpu_process_memory_bytes", "pid", "4410", "device", "0"));
      assertEquals(9740222464.0, s.value("gpu_process_memory_bytes", "pid", "4411", "device", "1"));
      assertTrue(
          s.find("gpu_process_memory_bytes").stream()
              .noneMatch(p -> p.labels().containsKey("gpu_instance_id")));
      assertEquals(List.of(), s.find("gpu_sm_activity_percent"));
    }
  }
}
