package io.telegen.agent.assembly;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.telegen.gpu.infiniband.InfinibandSource;
import io.telegen.gpu.nccl.NcclCounterSource;
import io.telegen.node.GpuProcessTables;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** GPU communication: NCCL counters and InfiniBand ports, read only beside a GPU source. */
class GpuCommunicationAssemblyTest {

  @TempDir Path dir;

  @Test
  void withoutAGpuSourceNothingIsRead() throws Exception {
    Assembled communication = new GpuCommunicationAssembly().assemble(node());
    assertEquals(List.of(), communication.sources());
    assertEquals(List.of(), communication.findings());
  }

  @Test
  void besideAGpuSourceNcclAndInfinibandAreReadEveryPollInterval() throws Exception {
    NodeContext node = node().withGpuTables(List.of(GpuProcessTables.empty()));
    Assembled communication = new GpuCommunicationAssembly().assemble(node);
    try {
      assertEquals(
          List.of(
              "NCCL: reading counter files in "
                  + dir.resolve("shm")
                  + " (jobs "
                  + "that set NCCL_PROFILER_PLUGIN to the Telegen plugin; `telegen-agent nccl-plugin "
                  + "DIR` writes it)",
              "InfiniBand: none found under "
                  + dir.resolve("sys/class/infiniband")
                  + "; no infiniband_* metrics"),
          communication.findings());
      assertEquals(
          List.of(NcclCounterSource.class, InfinibandSource.class),
          communication.sources().stream().map(s -> s.source().getClass()).toList());
      for (ScheduledSource source : communication.sources()) {
        assertEquals(Duration.ofSeconds(3), source.interval());
      }
    } finally {
      communication.sources().forEach(s -> s.source().close());
    }
  }

  private NodeContext node() throws Exception {
    return TestNodes.node(
        """
        proc_root: %s
        gpu:
          poll_interval: 3s
          nccl_dir: %s
          sys_root: %s
        """
            .formatted(dir.resolve("proc"), dir.resolve("shm"), dir.resolve("sys")));
  }
}
