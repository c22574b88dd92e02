package io.telegen.gpu;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.metrics.v1.Metric;
import io.opentelemetry.proto.metrics.v1.NumberDataPoint;
import io.telegen.catalog.MetricCatalog;
import io.telegen.node.DeviceAttributions;
import io.telegen.node.GpuRef;
import io.telegen.node.NodeAttribution;
import io.telegen.node.ProcessAttributions;
import io.telegen.source.Labels;
import io.telegen.source.MetricBatch;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The labels a device attribution gives a GPU or MIG device land on that device's series only:
 * not on another device's, not on the parent of a MIG device, not on the per-process series; and
 * those a process attribution gives a process on that process's series only.
 */
class NvidiaDeviceAttributionTest {

  private static final String MIG_3G = "MIG-c83b7d42-1e95-5f6c-a0d8-94b2e7f1c365";

  @TempDir Path proc;

  @Test
  void aWholeGpusJobIsOnItsSeriesAndFollowsTheAttribution() throws Exception {
    AtomicReference<String> job = new AtomicReference<>("llama");
    DeviceAttributions.Registry registry = new DeviceAttributions.Registry();
    registry.add(
        device ->
            device.index() == 1 && job.get() != null
                ? Labels.of("job", job.get(), "node", "gpu-node-a")
                : Labels.empty());
    try (NvidiaGpuSource source =
        NvidiaGpuSource.open(
            FakeNvml.options("two-ranks-on-two-gpus", proc),
            0,
            NodeAttribution.ofDevices(registry))) {
      List<Metric> first = collect(source);
      assertEquals(Map.of("0", "", "1", "llama"), jobByDevice(first, "gpu_utilization_percent"));
      assertEquals(Map.of("0", "", "1", "llama"), jobByDevice(first, "gpu_info"));
      assertEquals(Map.of("0", "", "1", "llama"), jobByDevice(first, "gpu_throttle_reasons"));
      assertEquals(Map.of("0", "", "1", "gpu-node-a"), label(first, "gpu_up", "node"));
      assertEquals(Map.of("0", "", "1", ""), jobByDevice(first, "gpu_process_memory_bytes"));

      job.set("bert");
      assertEquals(
          Map.of("0", "", "1", "bert"), jobByDevice(collect(source), "gpu_memory_used_bytes"));
      job.set(null);
      assertEquals(Map.of("0", "", "1", ""), jobByDevice(collect(source), "gpu_memory_used_bytes"));
    }
  }

  @Test
  void aMigDevicesJobIsOnThatMigDeviceOnly() throws Exception {
    DeviceAttributions.Registry registry = new DeviceAttributions.Registry();
    try (NvidiaGpuSource source =
        NvidiaGpuSource.open(
            FakeNvml.options("h100-mig", proc), 0, NodeAttribution.ofDevices(registry))) {
      registry.add(
          (GpuRef device) ->
              device.isMig() && device.mig().uuid().equals(MIG_3G)
                  ? Labels.of("job", "llama", "node", "gpu-node-a")
                  : Labels.empty());
      List<Metric> metrics = collect(source);
      Map<String, String> jobs = new TreeMap<>();
      for (NumberDataPoint point : points(metrics, "gpu_memory_used_bytes")) {
        jobs.put(
            value(point, "mig_uuid").isEmpty() ? "parent" : value(point, "mig_uuid"),
            value(point, "job"));
      }
      assertEquals("llama", jobs.remove(MIG_3G), jobs.toString());
      assertEquals(List.of(""), List.copyOf(new TreeSet<>(jobs.values())));
      for (NumberDataPoint point : points(metrics, "gpu_process_memory_bytes")) {
        assertEquals("", value(point, "job"), point.toString());
      }
    }
  }

  @Test
  void aProcessesPodAndJobAreOnItsProcessSeriesOnlyAndFollowTheAttribution() throws Exception {
    AtomicReference<Labels> rank1 =
        new AtomicReference<>(Labels.of("job", "llama", "k8s_pod", "trainer-1"));
    ProcessAttributions.Registry processes = new ProcessAttributions.Registry();
    processes.add(pid -> pid == 3002 ? rank1.get() : Labels.empty());
    try (NvidiaGpuSource source =
        NvidiaGpuSource.open(
            FakeNvml.options("two-ranks-on-two-gpus", proc),
            0,
            new NodeAttribution(DeviceAttributions.none(), processes))) {
      List<Metric> first = collect(source);
      // Rank 0 (3001) is on GPUs 0 and 1, rank 1 (3002) on GPU 1.
      assertEquals(
          Map.of("0/3001", "|", "1/3001", "|", "1/3002", "llama|trainer-1"),
          byProcess(first, "job", "k8s_pod"));
      assertEquals(
          Map.of("0", "", "1", ""),
          jobByDevice(first, "gpu_utilization_percent"),
          "a process's job is not its device's");

      rank1.set(Labels.of("job", "llama", "k8s_pod", "trainer-1b"));
      assertEquals("llama|trainer-1b", byProcess(collect(source), "job", "k8s_pod").get("1/3002"));
    }
  }

  /** {@code keys}' values joined by "|", per device/pid of the gpu_process_memory_bytes points. */
  private static Map<String, String> byProcess(List<Metric> metrics, String... keys) {
    Map<String, String> byProcess = new TreeMap<>();
    for (NumberDataPoint point : points(metrics, "gpu_process_memory_bytes")) {
      List<String> values = new ArrayList<>();
      for (String key : keys) {
        values.add(value(point, key));
      }
      byProcess.put(value(point, "device") + "/" + value(point, "pid"), String.join("|", values));
    }
    return byProcess;
  }

  private static List<Metric> collect(NvidiaGpuSource source) {
    MetricBatch batch = new MetricBatch(MetricCatalog.load(), 1);
    source.collect(batch);
    return batch.metrics();
  }

  private static Map<String, String> jobByDevice(List<Metric> metrics, String name) {
    return label(metrics, name, "job");
  }

  /** {@code key} per {@code device} over the points of {@code name} ("" without it). */
  private static Map<String, String> label(List<Metric> metrics, String name, String key) {
    Map<String, String> byDevice = new TreeMap<>();
    for (NumberDataPoint point : points(metrics, name)) {
      byDevice.merge(
          value(point, "device"), value(point, key), (a, b) -> a.equals(b) ? a : a + "|" + b);
    }
    return byDevice;
  }

  private static List<NumberDataPoint> points(List<Metric> metrics, String name) {
    List<NumberDataPoint> points = new ArrayList<>();
    for (Metric metric : metrics) {
      if (metric.getName().equals(name)) {
        points.addAll(
            metric.hasGauge()
                ? metric.getGauge().getDataPointsList()
                : metric.getSum().getDataPointsList());
      }
    }
    if (points.isEmpty()) {
      throw new AssertionError("no " + name);
    }
    return points;
  }

  private static String value(NumberDataPoint point, String key) {
    for (KeyValue kv : point.getAttributesList()) {
      if (kv.getKey().equals(key)) {
        return kv.getValue().getStringValue();
      }
    }
    return "";
  }
}
