package io.telegen.agent.assembly;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.telegen.catalog.MetricCatalog;
import io.telegen.node.GpuProcessTable;
import io.telegen.node.GpuRef;
import io.telegen.source.MetricBatch;
import io.telegen.testsupport.BuildOutputs;
import io.telegen.testsupport.GpuTestResources;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The GPU capability: what it says with GPUs off, without a driver, and on the
 * fake NVML's PCIe board, whose GPU process table the rest of the agent joins with.
 */
class GpuAssemblyTest {

  @TempDir Path dir;

  @Test
  void offSaysSoAndBuildsNothing() throws Exception {
    Assembled gpus =
        new GpuAssembly()
            .assemble(
                TestNodes.node(
                    """
        gpu:
          enabled: false
        """));
    assertEquals(List.of("GPUs: off (agent.gpu.enabled: false)"), gpus.findings());
    assertEquals(List.of(), gpus.sources());
    assertTrue(gpus.gpuTables().isEmpty());
  }

  @Test
  void withoutADriverItSaysWhereToPointTheAgent() throws Exception {
    Assembled gpus =
        new GpuAssembly()
            .assemble(
                TestNodes.node(
                    """
        gpu:
          nvml_library: %s
        """
                        .formatted(dir.resolve("no/libnvidia-ml.so.1"))));
    assertEquals(1, gpus.findings().size(), gpus.findings().toString());
    String finding = gpus.findings().get(0);
    assertTrue(finding.startsWith("NVIDIA GPUs: none ("), finding);
    assertTrue(
        finding.endsWith(
            "); set agent.gpu.nvml_library if the driver is installed "
                + "elsewhere, or agent.gpu.nvidia: false"),
        finding);
    assertEquals(List.of(), gpus.sources());
    assertTrue(gpus.gpuTables().isEmpty(), "no GPU source, no GPU process table");
  }

  @Test
  void onTheFakeNvmlItDescribesTheBoardAndContributesItsProcessTable() throws Exception {
    Path library = BuildOutputs.fakeNvml();
    GpuTestResources.useNvmlScenario("pcie-rtx6000ada-fan");
    Assembled gpus =
        new GpuAssembly()
            .assemble(
                TestNodes.node(
                    """
        proc_root: %s
        gpu:
          nvml_library: %s
          poll_interval: 5s
        """
                        .formatted(Files.createDirectories(dir.resolve("proc")), library)));
    try {
      assertEquals(
          List.of(
              "NVIDIA GPUs: 1 × NVIDIA RTX 6000 Ada Generation (driver "
                  + "590.48.01, CUDA 13.1) via "
                  + library
                  + ", every 5s"),
          gpus.findings());
      assertEquals(1, gpus.sources().size());
      ScheduledSource nvidia = gpus.sources().get(0);
      assertEquals("nvml", nvidia.source().name());
      assertEquals(java.time.Duration.ofSeconds(5), nvidia.interval());
      assertTrue(nvidia.exported());

      assertEquals(1, gpus.gpuTables().size());
      GpuProcessTable table = gpus.gpuTables().get(0);
      assertTrue(table.gpusOf(7731).isEmpty(), "nothing before the first collection");
      MetricBatch batch = new MetricBatch(MetricCatalog.load(), TestNodes.START);
      nvidia.source().collect(batch);
      assertEquals("0", GpuRef.gpuLabel(table.gpusOf(7731)));
      assertTrue(table.gpusOf(1).isEmpty());
      assertFalse(
          table.utilizations().isEmpty(),
          "the collection's utilisation is in the table for training");
    } finally {
      gpus.sources().forEach(s -> s.source().close());
    }
  }
}
