package io.telegen.frameworks.training;

import io.telegen.frameworks.training.TrainingProcessDiscovery.TrainingProcess;
import io.telegen.node.DeviceAttribution;
import io.telegen.node.GpuProcessSnapshot;
import io.telegen.node.GpuProcessTable;
import io.telegen.node.GpuRef;
import io.telegen.source.Labels;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * The training job of each GPU and MIG device, for the GPU source's series: a device one or more
 * ranks of one job have a context on gets {@code job} and {@code node}, so that
 * {@code sum(gpu_utilization_percent{job="..."})} and {@code gpu_memory_used_bytes{job="..."} by
 * (node)} work. A device used by no training process gets nothing, and neither does one that
 * processes of two different jobs share: neither job owns it, and a guess would count it twice.
 *
 * <p>Answers from the latest discovered processes and the GPU process table's latest snapshot;
 * the device map is rebuilt only when either changed, so a collection costs one map lookup per
 * device. Thread-safe: the training source publishes, the GPU source's thread reads.
 */
public final class TrainingDeviceAttribution implements DeviceAttribution {

  private final GpuProcessTable gpuProcesses;
  private final String node;
  private volatile List<TrainingProcess> processes = List.of();
  private volatile Cached cached = new Cached(null, null, Map.of());

  private record Cached(
      GpuProcessSnapshot snapshot, List<TrainingProcess> processes, Map<GpuRef, Labels> byDevice) {}

  /**
   * @param gpuProcesses which process uses which device
   * @param node the {@code node} label: the Kubernetes node name, else the host name
   */
  public TrainingDeviceAttribution(GpuProcessTable gpuProcesses, String node) {
    this.gpuProcesses = Objects.requireNonNull(gpuProcesses, "gpuProcesses");
    this.node = Objects.requireNonNull(node, "node");
  }

  /** The training processes found now; used from the next lookup on. */
  void processes(List<TrainingProcess> found) {
    processes = List.copyOf(found);
  }

  @Override
  public Labels labelsOf(GpuRef device) {
    GpuProcessSnapshot snapshot = gpuProcesses.snapshot();
    List<TrainingProcess> now = processes;
    Cached known = cached;
    if (known.snapshot() != snapshot || known.processes() != now) {
      known = new Cached(snapshot, now, byDevice(snapshot, now));
      cached = known;
    }
    return known.byDevice().getOrDefault(device, Labels.empty());
  }

  private Map<GpuRef, Labels> byDevice(GpuProcessSnapshot snapshot, List<TrainingProcess> now) {
    Map<GpuRef, String> jobs = new HashMap<>();
    Set<GpuRef> shared = new HashSet<>();
    for (TrainingProcess process : now) {
      for (GpuRef device : snapshot.gpusOf(process.pid())) {
        String before = jobs.putIfAbsent(device, process.job());
        if (before != null && !before.equals(process.job())) {
          shared.add(device);
        }
      }
    }
    Map<GpuRef, Labels> byDevice = new HashMap<>();
    jobs.forEach(
        (device, job) -> {
          if (!shared.contains(device)) {
            byDevice.put(device, Labels.of("job", job, "node", node));
          }
        });
    return Map.copyOf(byDevice);
  }
}
