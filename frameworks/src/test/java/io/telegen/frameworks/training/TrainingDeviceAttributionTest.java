package io.telegen.frameworks.training;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.telegen.frameworks.training.TrainingProcessDiscovery.TrainingProcess;
import io.telegen.node.GpuProcessSnapshot;
import io.telegen.node.GpuRef;
import io.telegen.node.GpuVendor;
import io.telegen.node.MigDevice;
import io.telegen.source.Labels;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

class TrainingDeviceAttributionTest {

  private static final GpuRef GPU_0 = GpuRef.gpu(GpuVendor.NVIDIA, 0, "GPU-0");
  private static final GpuRef GPU_1 = GpuRef.gpu(GpuVendor.NVIDIA, 1, "GPU-1");
  private static final GpuRef GPU_2 = GpuRef.gpu(GpuVendor.NVIDIA, 2, "GPU-2");
  private static final GpuRef MIG =
      GpuRef.mig(GpuVendor.NVIDIA, 3, "GPU-3", new MigDevice("MIG-a", 1, 0, "mig-1g.10gb-0"));
  private static final Labels LLAMA = Labels.of("job", "llama", "node", "gpu-node-a");

  private static TrainingProcess rank(int pid, String job) {
    return new TrainingProcess(pid, "pytorch", "0", job, "RANK=0");
  }

  @Test
  void theDevicesOfAJobsRanksCarryItsJobAndNodeAndNoOthers() {
    AtomicReference<GpuProcessSnapshot> table =
        new AtomicReference<>(
            GpuProcessSnapshot.builder()
                .uses(3001, GPU_0)
                .uses(3001, GPU_1)
                .uses(3002, GPU_1)
                .uses(4000, GPU_2) // a notebook, not a training process
                .uses(3003, MIG)
                .build());
    TrainingDeviceAttribution attribution = new TrainingDeviceAttribution(table::get, "gpu-node-a");
    assertEquals(Labels.empty(), attribution.labelsOf(GPU_0), "nothing before a discovery");

    attribution.processes(List.of(rank(3001, "llama"), rank(3002, "llama"), rank(3003, "llama")));

    assertEquals(LLAMA, attribution.labelsOf(GPU_0));
    assertEquals(LLAMA, attribution.labelsOf(GPU_1));
    assertEquals(Labels.empty(), attribution.labelsOf(GPU_2));
    assertEquals(LLAMA, attribution.labelsOf(MIG));
    assertEquals(Labels.empty(), attribution.labelsOf(MIG.gpu()), "the MIG device, not its GPU");

    // The next GPU collection: rank 3002 left GPU 1 for GPU 2, and the notebook is gone.
    table.set(GpuProcessSnapshot.builder().uses(3001, GPU_0).uses(3002, GPU_2).build());
    assertEquals(Labels.empty(), attribution.labelsOf(GPU_1));
    assertEquals(LLAMA, attribution.labelsOf(GPU_2));
  }

  @Test
  void aDeviceTwoJobsShareBelongsToNeither() {
    GpuProcessSnapshot table =
        GpuProcessSnapshot.builder().uses(3001, GPU_0).uses(5001, GPU_0).uses(5001, GPU_1).build();
    TrainingDeviceAttribution attribution = new TrainingDeviceAttribution(() -> table, "n");
    attribution.processes(List.of(rank(3001, "llama"), rank(5001, "bert")));

    assertEquals(Labels.empty(), attribution.labelsOf(GPU_0));
    assertEquals(Labels.of("job", "bert", "node", "n"), attribution.labelsOf(GPU_1));
  }
}
