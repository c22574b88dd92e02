package io.telegen.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

class GpuRefTest {

  private static final GpuRef NVIDIA_0 = GpuRef.gpu(GpuVendor.NVIDIA, 0, "GPU-aaa");
  private static final GpuRef NVIDIA_1 = GpuRef.gpu(GpuVendor.NVIDIA, 1, "GPU-bbb");
  private static final GpuRef AMD_0 = GpuRef.gpu(GpuVendor.AMD, 0, "0x1234");
  private static final MigDevice SLICE = new MigDevice("MIG-ccc", 9, 0, "mig-1g.10gb-2");

  @Test
  void vendorsLabelAsTheGpuSeriesDo() {
    assertEquals("nvidia", GpuVendor.NVIDIA.label());
    assertEquals("amd", GpuVendor.AMD.label());
  }

  @Test
  void theSameIndexOfTwoVendorsIsTwoGpus() {
    assertNotEquals(NVIDIA_0, AMD_0);
    assertEquals(2, new TreeSet<>(List.of(NVIDIA_0, AMD_0)).size());
    assertEquals("0", NVIDIA_0.gpuLabel());
    assertEquals("0", AMD_0.gpuLabel());
  }

  @Test
  void aMigDeviceKnowsItsParentAndLabelsAsTheParentsIndex() {
    GpuRef mig = GpuRef.mig(GpuVendor.NVIDIA, 0, "GPU-aaa", SLICE);

    assertTrue(mig.isMig());
    assertFalse(NVIDIA_0.isMig());
    assertEquals(NVIDIA_0, mig.gpu());
    assertEquals(NVIDIA_0, NVIDIA_0.gpu());
    assertNotEquals(NVIDIA_0, mig);
    assertEquals("0", mig.gpuLabel());
    assertEquals("mig-1g.10gb-2", mig.mig().label());
    assertEquals(9, mig.mig().gpuInstanceId());
  }

  @Test
  void theGpuLabelOfSeveralDevicesIsTheirDistinctIndicesInOrder() {
    GpuRef mig = GpuRef.mig(GpuVendor.NVIDIA, 1, "GPU-bbb", SLICE);

    assertEquals("0,1", GpuRef.gpuLabel(List.of(NVIDIA_1, NVIDIA_0)));
    assertEquals("1", GpuRef.gpuLabel(List.of(mig, NVIDIA_1)));
    assertEquals(
        "2,10",
        GpuRef.gpuLabel(
            List.of(
                GpuRef.gpu(GpuVendor.NVIDIA, 10, "GPU-x"),
                GpuRef.gpu(GpuVendor.NVIDIA, 2, "GPU-y"))));
    assertEquals("", GpuRef.gpuLabel(List.of()));
  }

  @Test
  void referencesOrderByVendorThenIndexWholeGpuFirst() {
    GpuRef mig = GpuRef.mig(GpuVendor.NVIDIA, 0, "GPU-aaa", SLICE);

    assertEquals(
        List.of(NVIDIA_0, mig, NVIDIA_1, AMD_0),
        List.copyOf(new TreeSet<>(List.of(AMD_0, NVIDIA_1, mig, NVIDIA_0))));
  }

  @Test
  void aNegativeIndexIsRefused() {
    assertThrows(IllegalArgumentException.class, () -> GpuRef.gpu(GpuVendor.AMD, -1, "x"));
  }
}
