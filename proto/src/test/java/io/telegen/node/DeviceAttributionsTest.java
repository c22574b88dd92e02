package io.telegen.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

import io.telegen.source.Labels;
import java.util.List;
import org.junit.jupiter.api.Test;

class DeviceAttributionsTest {

  private static final GpuRef GPU_0 = GpuRef.gpu(GpuVendor.NVIDIA, 0, "GPU-0");
  private static final GpuRef GPU_1 = GpuRef.gpu(GpuVendor.NVIDIA, 1, "GPU-1");

  private static final DeviceAttribution PODS =
      device ->
          device.index() == 0
              ? Labels.of("k8s_pod", "trainer-0", "k8s_namespace", "ml", "k8s_container", "main")
              : Labels.empty();
  private static final DeviceAttribution JOBS =
      device -> Labels.of("job", "llama", "node", "gpu-node-a", "k8s_pod", "wrong");

  @Test
  void combinedAttributionsGiveEveryProvidersLabelsTheFirstValueKept() {
    DeviceAttribution both = DeviceAttributions.combine(List.of(PODS, JOBS));

    assertEquals(
        Labels.of(
            "k8s_pod",
            "trainer-0",
            "k8s_namespace",
            "ml",
            "k8s_container",
            "main",
            "job",
            "llama",
            "node",
            "gpu-node-a"),
        both.labelsOf(GPU_0));
    assertEquals(
        Labels.of("job", "llama", "node", "gpu-node-a", "k8s_pod", "wrong"), both.labelsOf(GPU_1));
    assertEquals(Labels.empty(), DeviceAttributions.combine(List.of()).labelsOf(GPU_0));
    assertSame(PODS, DeviceAttributions.combine(List.of(PODS)));
  }

  @Test
  void anAttributionNeverReplacesADevicesOwnLabels() {
    Labels device = Labels.of("device", "0", "uuid", "GPU-0");

    assertEquals(
        Labels.of("device", "0", "uuid", "GPU-0", "job", "llama"),
        DeviceAttributions.onto(device, Labels.of("device", "7", "job", "llama")));
  }

  @Test
  void aRegistryAnswersWithWhatWasAddedSinceTheSourceTookIt() {
    DeviceAttributions.Registry registry = new DeviceAttributions.Registry();
    DeviceAttribution takenEarly = registry;

    assertEquals(Labels.empty(), takenEarly.labelsOf(GPU_0));
    registry.add(PODS);
    registry.add(JOBS);
    assertEquals(
        DeviceAttributions.combine(List.of(PODS, JOBS)).labelsOf(GPU_0),
        takenEarly.labelsOf(GPU_0));
  }
}
