package io.telegen.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class GpuProcessSnapshotTest {

  private static final GpuRef GPU_0 = GpuRef.gpu(GpuVendor.NVIDIA, 0, "GPU-aaa");
  private static final GpuRef GPU_1 = GpuRef.gpu(GpuVendor.NVIDIA, 1, "GPU-bbb");
  private static final GpuRef AMD_0 = GpuRef.gpu(GpuVendor.AMD, 0, "0x1234");
  private static final GpuRef MIG =
      GpuRef.mig(GpuVendor.NVIDIA, 1, "GPU-bbb", new MigDevice("MIG-ccc", 2, 0, "mig-3g.40gb-0"));

  @Test
  void aPidOnTwoGpusUsesBothInIndexOrder() {
    GpuProcessSnapshot snapshot =
        GpuProcessSnapshot.builder().uses(4243, GPU_1).uses(4243, GPU_0).uses(4243, GPU_1).build();

    assertEquals(List.of(GPU_0, GPU_1), snapshot.gpusOf(4243));
    assertEquals("0,1", snapshot.processes().get(4243).gpuLabel());
    assertEquals(List.of(), snapshot.gpusOf(1));
  }

  @Test
  void aPidOnAMigDeviceUsesTheMigDeviceOfItsGpu() {
    ProcessGpus process =
        GpuProcessSnapshot.builder().uses(21198, MIG).build().processes().get(21198);

    assertEquals(List.of(MIG), process.devices());
    assertEquals(List.of(MIG), process.migDevices());
    assertEquals(List.of(GPU_1), process.gpus());
    assertEquals("1", process.gpuLabel());
  }

  @Test
  void utilisationIsLookedUpByTheTypedReference() {
    GpuProcessSnapshot snapshot =
        GpuProcessSnapshot.builder()
            .utilization(GPU_0, 97)
            .utilization(MIG, 12.5)
            .utilization(GPU_0, 98)
            .build();

    assertEquals(Optional.of(new GpuUtilization(GPU_0, 98)), snapshot.utilization(GPU_0));
    assertEquals(12.5, snapshot.utilization(MIG).orElseThrow().percent());
    assertEquals(Optional.empty(), snapshot.utilization(GPU_1));
    assertEquals(
        List.of(new GpuUtilization(GPU_0, 98), new GpuUtilization(MIG, 12.5)),
        snapshot.utilizations());
  }

  @Test
  void mergingTwoVendorsKeepsTheirGpuZeroApart() {
    GpuProcessSnapshot nvidia =
        GpuProcessSnapshot.builder().uses(100, GPU_0).utilization(GPU_0, 90).build();
    GpuProcessSnapshot amd =
        GpuProcessSnapshot.builder()
            .uses(200, AMD_0)
            .uses(100, AMD_0)
            .utilization(AMD_0, 10)
            .build();

    GpuProcessSnapshot merged = GpuProcessSnapshot.merge(List.of(nvidia, amd));

    assertEquals(List.of(GPU_0, AMD_0), merged.gpusOf(100));
    assertEquals(List.of(AMD_0), merged.gpusOf(200));
    assertEquals(90, merged.utilization(GPU_0).orElseThrow().percent());
    assertEquals(10, merged.utilization(AMD_0).orElseThrow().percent());
    assertEquals(
        Map.of(
            100,
            new ProcessGpus(100, List.of(GPU_0, AMD_0)),
            200,
            new ProcessGpus(200, List.of(AMD_0))),
        merged.processes());
  }

  @Test
  void mergingWithEmptySnapshotsReturnsTheOnlyNonEmptyOne() {
    GpuProcessSnapshot nvidia = GpuProcessSnapshot.builder().uses(100, GPU_0).build();

    assertSame(nvidia, GpuProcessSnapshot.merge(List.of(GpuProcessSnapshot.empty(), nvidia)));
    assertSame(GpuProcessSnapshot.empty(), GpuProcessSnapshot.merge(List.of()));
    assertTrue(GpuProcessSnapshot.builder().build().isEmpty());
  }
}
