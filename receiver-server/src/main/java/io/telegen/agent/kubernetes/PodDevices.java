package io.telegen.agent.kubernetes;

import io.telegen.node.GpuRef;
import io.telegen.node.GpuVendor;
import io.telegen.proto.podresources.v1.ContainerDevices;
import io.telegen.proto.podresources.v1.ContainerResources;
import io.telegen.proto.podresources.v1.PodResources;
import io.telegen.source.Labels;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Which container holds which GPU, from one kubelet {@code List}: immutable, replaced whole at
 * each refresh.
 *
 * <p>Device ids are joined with the GPU sources' devices by vendor (the resource's domain:
 * {@code nvidia.com/…}, {@code amd.com/…}) and id: a GPU UUID ({@code nvidia.com/gpu}), a MIG UUID
 * ({@code nvidia.com/mig-<profile>}, or {@code nvidia.com/gpu} under the single MIG strategy), a
 * GPU index (the device plugin's index strategy), or the vendor's own id for AMD. A time-slicing
 * replica {@code GPU-…::N} is its GPU. The kubelet lists a device once per NUMA node it spans;
 * the same container counted twice is one holder.
 */
public final class PodDevices {

  /** One container holding a device. */
  public record Holder(String pod, String namespace, String container, String resource) {

    /** The {@code k8s_pod}, {@code k8s_namespace}, {@code k8s_container} labels. */
    public Labels labels() {
      return Labels.of("k8s_pod", pod, "k8s_namespace", namespace, "k8s_container", container);
    }

    boolean sameContainer(Holder other) {
      return pod.equals(other.pod)
          && namespace.equals(other.namespace)
          && container.equals(other.container);
    }
  }

  private record Key(GpuVendor vendor, String id) {}

  private static final PodDevices NONE = new PodDevices(Map.of(), 0);

  private final Map<Key, List<Holder>> holders;
  private final int podsWithDevices;

  private PodDevices(Map<Key, List<Holder>> holders, int podsWithDevices) {
    this.holders = holders;
    this.podsWithDevices = podsWithDevices;
  }

  /** Nobody holds anything: before the first answer, or while the kubelet is away. */
  public static PodDevices none() {
    return NONE;
  }

  /** The GPU devices of {@code pods}, as the kubelet's {@code List} gives them. */
  public static PodDevices of(List<PodResources> pods) {
    Map<Key, List<Holder>> holders = new HashMap<>();
    Set<String> withDevices = new LinkedHashSet<>();
    for (PodResources pod : pods) {
      for (ContainerResources container : pod.getContainersList()) {
        for (ContainerDevices devices : container.getDevicesList()) {
          GpuVendor vendor = vendorOf(devices.getResourceName());
          if (vendor == null) {
            continue;
          }
          Holder holder =
              new Holder(
                  pod.getName(),
                  pod.getNamespace(),
                  container.getName(),
                  devices.getResourceName());
          for (String id : devices.getDeviceIdsList()) {
            List<Holder> of =
                holders.computeIfAbsent(new Key(vendor, deviceOf(id)), k -> new ArrayList<>());
            if (of.stream().noneMatch(holder::sameContainer)) {
              of.add(holder);
            }
            withDevices.add(pod.getNamespace() + "/" + pod.getName());
          }
        }
      }
    }
    Map<Key, List<Holder>> frozen = new HashMap<>();
    holders.forEach((k, v) -> frozen.put(k, List.copyOf(v)));
    return new PodDevices(Map.copyOf(frozen), withDevices.size());
  }

  /** How many pods hold a GPU device. */
  public int podsWithDevices() {
    return podsWithDevices;
  }

  /**
   * The containers holding {@code device}: a MIG device by its MIG UUID only (a pod holding a MIG
   * device does not hold the parent), a whole GPU by its UUID or index.
   */
  public List<Holder> holdersOf(GpuRef device) {
    if (device.isMig()) {
      String migUuid = device.mig().uuid();
      return migUuid.isEmpty() ? List.of() : find(device.vendor(), migUuid);
    }
    List<Holder> byUuid = find(device.vendor(), device.uuid());
    if (!byUuid.isEmpty()) {
      return byUuid;
    }
    return find(device.vendor(), Integer.toString(device.index()));
  }

  /**
   * The pod labels of {@code device}: those of the one container that holds it; empty when none,
   * or when several share it (time-slicing), so that {@code sum()} over pods never counts a GPU
   * twice. {@code gpu_allocation_info} names every holder of a shared device.
   */
  public Labels labelsOf(GpuRef device) {
    List<Holder> of = holdersOf(device);
    return of.size() == 1 ? of.get(0).labels() : Labels.empty();
  }

  private List<Holder> find(GpuVendor vendor, String id) {
    List<Holder> found = holders.get(new Key(vendor, id));
    return found == null ? List.of() : found;
  }

  /** The vendor of an extended resource by its domain; null for what is not a GPU. */
  static GpuVendor vendorOf(String resourceName) {
    if (resourceName.startsWith("nvidia.com/")) {
      return GpuVendor.NVIDIA;
    }
    if (resourceName.startsWith("amd.com/")) {
      return GpuVendor.AMD;
    }
    return null;
  }

  /** The device of a device id: a time-slicing replica {@code <id>::<n>} is device {@code <id>}. */
  static String deviceOf(String id) {
    int replica = id.lastIndexOf("::");
    return replica < 0 ? id : id.substring(0, replica);
  }
}
