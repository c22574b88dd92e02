package io.telegen.agent.kubernetes;

import io.telegen.node.GpuRef;
import io.telegen.source.Labels;
import io.telegen.source.MetricBatch;
import io.telegen.source.MetricSource;
import java.util.Objects;

/**
 * {@code gpu_allocation_info 1} per pod container and device it holds, with the device's identity
 * ({@code device}, {@code uuid}, {@code vendor}, and for a MIG device {@code mig_uuid},
 * {@code mig_device}) and the pod: what a query joins on for a device several pods share
 * (time-slicing), whose own series carry no pod so that {@code sum()} counts it once.
 */
public final class GpuAllocationSource implements MetricSource {

  private final KubeletPods kubelet;

  public GpuAllocationSource(KubeletPods kubelet) {
    this.kubelet = Objects.requireNonNull(kubelet, "kubelet");
  }

  @Override
  public String name() {
    return "kubelet";
  }

  @Override
  public void collect(MetricBatch batch) {
    PodDevices pods = kubelet.pods();
    for (GpuRef device : kubelet.devices()) {
      for (PodDevices.Holder holder : pods.holdersOf(device)) {
        Labels labels =
            Labels.of(
                "device",
                device.gpuLabel(),
                "uuid",
                device.uuid(),
                "vendor",
                device.vendor().label());
        if (device.isMig()) {
          labels =
              labels.and("mig_uuid", device.mig().uuid()).and("mig_device", device.mig().label());
        }
        batch.gauge(
            "gpu_allocation_info",
            1,
            labels.and(holder.labels()).and("resource", holder.resource()));
      }
    }
  }

  /** Closes the kubelet client with the source: the scheduler closes its sources at the end. */
  @Override
  public void close() {
    kubelet.close();
  }
}
