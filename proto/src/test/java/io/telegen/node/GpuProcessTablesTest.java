package io.telegen.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class GpuProcessTablesTest {

  private static final GpuRef NVIDIA_0 = GpuRef.gpu(GpuVendor.NVIDIA, 0, "GPU-aaa");
  private static final GpuRef AMD_0 = GpuRef.gpu(GpuVendor.AMD, 0, "0x1234");

  /** A vendor's table as a GPU source keeps it: replaced whole after each collection. */
  private static final class Published implements GpuProcessTable {
    volatile GpuProcessSnapshot snapshot = GpuProcessSnapshot.empty();

    @Override
    public GpuProcessSnapshot snapshot() {
      return snapshot;
    }
  }

  @Test
  void aNodeWithoutGpuSourcesHasAnEmptyTable() {
    GpuProcessTable table = GpuProcessTables.combine(List.of());

    assertTrue(table.snapshot().isEmpty());
    assertEquals(List.of(), table.gpusOf(1));
    assertEquals(List.of(), table.utilizations());
  }

  @Test
  void theCombinedTableFollowsEachVendorsLatestSnapshot() {
    Published nvidia = new Published();
    Published amd = new Published();
    GpuProcessTable table = GpuProcessTables.combine(List.of(nvidia, amd));
    assertEquals(List.of(), table.gpusOf(100));

    nvidia.snapshot =
        GpuProcessSnapshot.builder().uses(100, NVIDIA_0).utilization(NVIDIA_0, 55).build();
    amd.snapshot = GpuProcessSnapshot.builder().uses(100, AMD_0).utilization(AMD_0, 5).build();

    assertEquals(List.of(NVIDIA_0, AMD_0), table.gpusOf(100));
    assertEquals(55, table.utilization(NVIDIA_0).orElseThrow().percent());
    assertEquals(5, table.utilization(AMD_0).orElseThrow().percent());
    GpuProcessSnapshot first = table.snapshot();
    assertSame(first, table.snapshot(), "merged again although no vendor published");

    amd.snapshot = GpuProcessSnapshot.empty();
    assertEquals(List.of(NVIDIA_0), table.gpusOf(100));
  }

  @Test
  void oneTableIsItsOwnCombination() {
    Published nvidia = new Published();

    assertSame(nvidia, GpuProcessTables.combine(List.of(nvidia)));
  }

  @Test
  void aFixedTableAnswersItsSnapshot() {
    GpuProcessSnapshot snapshot = GpuProcessSnapshot.builder().uses(7, AMD_0).build();

    assertEquals(List.of(AMD_0), GpuProcessTables.of(snapshot).gpusOf(7));
  }
}
