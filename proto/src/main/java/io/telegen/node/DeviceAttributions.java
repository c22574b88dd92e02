package io.telegen.node;

import io.opentelemetry.proto.common.v1.KeyValue;
import io.telegen.source.Labels;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * Several {@link DeviceAttribution}s as one: the Kubernetes pod of a device and the training job
 * of its rank are known to different parts of the agent, and a GPU source takes one attribution.
 */
public final class DeviceAttributions {

  private static final DeviceAttribution NONE = device -> Labels.empty();

  private DeviceAttributions() {}

  /** Nobody is known for any device. */
  public static DeviceAttribution none() {
    return NONE;
  }

  /**
   * The labels of every attribution in {@code attributions}, in order; where two give the same
   * label, the first one's value is kept (an attribution adds to the others, it does not correct
   * them).
   */
  public static DeviceAttribution combine(List<DeviceAttribution> attributions) {
    List<DeviceAttribution> all = List.copyOf(attributions);
    if (all.isEmpty()) {
      return NONE;
    }
    if (all.size() == 1) {
      return all.get(0);
    }
    return device -> labelsOf(all, device);
  }

  /**
   * {@code base} with the labels of {@code added} that it does not have: an attribution never
   * replaces a device's identity ({@code device}, {@code uuid}, ...).
   */
  public static Labels onto(Labels base, Labels added) {
    Labels merged = base;
    for (KeyValue kv : added.attributes()) {
      if (!merged.containsKey(kv.getKey())) {
        merged = merged.and(kv.getKey(), kv.getValue().getStringValue());
      }
    }
    return merged;
  }

  private static Labels labelsOf(List<DeviceAttribution> attributions, GpuRef device) {
    Labels merged = Labels.empty();
    for (DeviceAttribution attribution : attributions) {
      merged = onto(merged, attribution.labelsOf(device));
    }
    return merged;
  }

  /**
   * The attributions of the parts of the agent assembled so far, read by a GPU source assembled
   * before them: the GPU source is built first (the others join their series with its process
   * table) and asks this registry every collection, so an attribution added later counts from
   * the next collection on. Thread-safe.
   */
  public static final class Registry implements DeviceAttribution {
    private final List<DeviceAttribution> attributions = new CopyOnWriteArrayList<>();

    /** Adds {@code attribution} after those added before. */
    public void add(DeviceAttribution attribution) {
      attributions.add(Objects.requireNonNull(attribution, "attribution"));
    }

    /** Whether nothing was added. */
    public boolean isEmpty() {
      return attributions.isEmpty();
    }

    @Override
    public Labels labelsOf(GpuRef device) {
      return attributions.isEmpty()
          ? Labels.empty()
          : DeviceAttributions.labelsOf(attributions, device);
    }
  }
}
