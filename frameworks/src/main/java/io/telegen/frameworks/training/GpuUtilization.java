package io.telegen.frameworks.training;

import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.metrics.v1.Metric;
import io.opentelemetry.proto.metrics.v1.NumberDataPoint;
import io.telegen.source.MetricBatch;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The utilisation of each whole GPU at the GPU source's last collection, taken from the
 * {@code gpu_utilization_percent} points it wrote, so that any GPU source (NVML today) feeds
 * {@code training_gpu_utilization_percent} without a second read of the driver. Thread-safe: the
 * GPU source's thread writes, the training source's thread reads.
 */
public final class GpuUtilization {

  /**
   * One GPU.
   *
   * @param device the {@code device} label, the GPU index
   * @param uuid the GPU's UUID
   * @param percent utilisation, 0 to 100
   */
  public record Device(String device, String uuid, double percent) {}

  private volatile Map<String, Device> byDevice = Map.of();

  /** Takes the whole-GPU utilisation points of a GPU source's batch; MIG instances are skipped. */
  public void observe(MetricBatch batch) {
    Map<String, Device> devices = new HashMap<>();
    for (Metric metric : batch.metrics()) {
      if (!metric.getName().equals("gpu_utilization_percent") || !metric.hasGauge()) {
        continue;
      }
      for (NumberDataPoint point : metric.getGauge().getDataPointsList()) {
        Device device = device(point.getAttributesList(), point);
        if (device != null) {
          devices.put(device.device(), device);
        }
      }
    }
    byDevice = Map.copyOf(devices);
  }

  /** GPU index → utilisation at the last observed collection; empty before the first. */
  public Map<String, Device> byDevice() {
    return byDevice;
  }

  private static Device device(List<KeyValue> attributes, NumberDataPoint point) {
    String index = null;
    String uuid = "";
    for (KeyValue attribute : attributes) {
      switch (attribute.getKey()) {
        case "device" -> index = attribute.getValue().getStringValue();
        case "uuid" -> uuid = attribute.getValue().getStringValue();
        case "mig_device" -> {
          return null;
        }
        default -> { }
      }
    }
    if (index == null) {
      return null;
    }
    double value = point.hasAsDouble() ? point.getAsDouble() : point.getAsInt();
    return new Device(index, uuid, value);
  }
}
