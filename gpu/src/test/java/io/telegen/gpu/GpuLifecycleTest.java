package io.telegen.gpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.telegen.gpu.nvidia.internal.NvmlCollector;
import io.telegen.testsupport.LogLines;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Predicate;
import java.util.logging.Logger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * GPUs and MIG instances that come and go while the agent runs: a GPU whose handle fails at
 * start (nvml.h: the count includes such GPUs) and MIG repartitioning, against the fake driver's
 * control file.
 */
class GpuLifecycleTest {

  @TempDir Path proc;

  private NvidiaGpuSource source;

  @AfterEach
  void close() {
    if (source != null) {
      source.close();
    }
  }

  @Test
  void aGpuThatFailsAtStartIsUpZeroWhileTheOthersAreCollectedAndIsPickedUpWhenItAnswers()
      throws Exception {
    for (String error :
        List.of("NO_PERMISSION", "INSUFFICIENT_POWER", "IRQ_ISSUE", "GPU_IS_LOST")) {
      failingGpuAtStart(error);
      source.close();
      source = null;
    }
  }

  private void failingGpuAtStart(String error) throws Exception {
    Path control = proc.resolve("control");
    GpuOptions options = options("three-gpus");
    FakeNvml.control(control, "1:" + error);
    try (LogLines log = LogLines.of(Logger.getLogger(NvmlCollector.class.getName()))) {
      source = NvidiaGpuSource.open(options, 0);

      assertEquals(
          "2 × NVIDIA H100 PCIe, 3 GPUs (GPU 1 not answering: "
              + error
              + "; tried again every collection) (driver 590.48.01, CUDA 13.1) via "
              + FakeNvml.library(),
          source.describe());
      Series during = collect();
      assertEquals(1, during.value("gpu_up", "device", "0"));
      assertEquals(1, during.value("gpu_up", "device", "2"));
      assertEquals(
          0,
          during.value(
              "gpu_up",
              "device",
              "1",
              "name",
              "unknown",
              "uuid",
              "unknown",
              "pci_bus_id",
              "unknown",
              "vendor",
              "nvidia"));
      assertEquals(Set.of("0", "2"), devices(during, "gpu_temperature_celsius"));
      assertEquals(Set.of("0", "2"), devices(during, "gpu_process_memory_bytes"));
      assertEquals(62, during.value("gpu_temperature_celsius", "device", "2"));
      assertEquals(0, source.snapshot().gpusOf(9120).get(0).index());
      assertEquals(List.of(), source.snapshot().gpusOf(9121));
      assertEquals(2, source.snapshot().gpusOf(9122).get(0).index());
      collect();
      List<String> warnings =
          log.lines().stream().filter(l -> l.contains("GPU 1 does not answer")).toList();
      assertEquals(1, warnings.size(), log.lines().toString());
      assertTrue(warnings.get(0).contains("NVML_ERROR_" + error), warnings.get(0));

      FakeNvml.control(control);
      Series after = collect();
      assertEquals(
          1,
          after.value("gpu_up", "device", "1", "uuid", "GPU-ec66a787-95e7-41d1-b731-af10506bf2ef"));
      assertEquals(List.of(), after.find("gpu_up", "uuid", "unknown"));
      assertEquals(Set.of("0", "1", "2"), devices(after, "gpu_temperature_celsius"));
      assertEquals(21960327168.0, after.value("gpu_process_memory_bytes", "device", "1"));
      assertEquals(1, source.snapshot().gpusOf(9121).get(0).index());
      assertEquals(
          1,
          log.lines().stream()
              .filter(
                  l ->
                      l.contains("GPU 1 (NVIDIA H100 PCIe, GPU-ec66a787")
                          && l.contains("answers now"))
              .count(),
          log.lines().toString());
      assertEquals(
          "3 × NVIDIA H100 PCIe (driver 590.48.01, CUDA 13.1) via " + FakeNvml.library(),
          source.describe());
    }
  }

  @Test
  void whenNoGpuAnswersTheSourceStillOpensAndPicksThemUp() throws Exception {
    Path control = proc.resolve("control");
    GpuOptions options = options("three-gpus");
    FakeNvml.control(control, "0:NO_PERMISSION", "1:NO_PERMISSION", "2:GPU_IS_LOST");
    source = NvidiaGpuSource.open(options, 0);

    assertTrue(
        source
            .describe()
            .startsWith(
                "3 GPUs, none answering (GPU 0 not answering: "
                    + "NO_PERMISSION, GPU 1 not answering: NO_PERMISSION, GPU 2 not answering: GPU_IS_LOST"),
        source.describe());
    Series during = collect();
    assertEquals(3, during.find("gpu_up").size());
    assertTrue(during.find("gpu_up").stream().allMatch(p -> p.value() == 0));

    FakeNvml.control(control, "1:NO_PERMISSION");
    Series after = collect();
    assertEquals(1, after.value("gpu_up", "device", "0"));
    assertEquals(0, after.value("gpu_up", "device", "1"));
    assertEquals(1, after.value("gpu_up", "device", "2"));
  }

  @Test
  void migInstancesCreatedDestroyedAndReusedMidRunAreReportedUnderTheirOwnLabelsOnly()
      throws Exception {
    Path control = proc.resolve("control");
    GpuOptions options = options("mig-repartition");
    FakeNvml.control(control);
    source = NvidiaGpuSource.open(options, 0);

    Series start = collectUntil(s -> s.find("gpu_utilization_percent").size() == 2);
    assertEquals(Set.of("mig-3g.40gb-0", "mig-2g.20gb-1"), migDevices(start));
    assertEquals(20.5, start.value("gpu_utilization_percent", "gpu_instance_id", "3"));

    // Created: it appears in the next collection.
    FakeNvml.control(control, "0.2=created");
    Series created = collect();
    assertEquals(Set.of("mig-3g.40gb-0", "mig-2g.20gb-1", "mig-1g.10gb-2"), migDevices(created));
    assertEquals(
        11534336,
        created.value(
            "gpu_memory_used_bytes",
            "mig_device",
            "mig-1g.10gb-2",
            "gpu_instance_id",
            "9",
            "mig_uuid",
            "MIG-11111111-0000-5000-8000-000000000009"));
    assertEquals(
        12.5,
        collectUntil(s -> s.find("gpu_utilization_percent").size() == 3)
            .value("gpu_utilization_percent", "gpu_instance_id", "9"));

    // Destroyed: it disappears in the next collection.
    FakeNvml.control(control, "0.2=created", "0.1=-");
    Series destroyed = collect();
    assertEquals(Set.of("mig-3g.40gb-0", "mig-1g.10gb-2"), migDevices(destroyed));
    assertEquals(List.of(), destroyed.find("gpu_memory_used_bytes", "gpu_instance_id", "3"));

    // Reused: another GPU instance behind the same handle, under its own labels only.
    FakeNvml.control(control, "0.2=created", "0.1=reused");
    Series reused = collect();
    assertEquals(Set.of("mig-3g.40gb-0", "mig-1g.10gb-1", "mig-1g.10gb-2"), migDevices(reused));
    String[] gi5 = {
      "mig_device",
      "mig-1g.10gb-1",
      "mig_profile",
      "1g.10gb",
      "gpu_instance_id",
      "5",
      "mig_uuid",
      "MIG-11111111-0000-5000-8000-000000000005"
    };
    assertEquals(2097152000, reused.value("gpu_memory_used_bytes", gi5));
    assertEquals(
        2097152000,
        reused.value("gpu_process_memory_bytes", "pid", "21195", "gpu_instance_id", "5"));
    for (Series.Point p : reused.all()) {
      assertTrue(
          !"3".equals(p.labels().get("gpu_instance_id"))
              && !"MIG-11111111-0000-5000-8000-000000000003".equals(p.labels().get("mig_uuid")),
          "a series under the destroyed instance's labels: " + p);
    }
    Series sampled =
        collectUntil(s -> s.find("gpu_utilization_percent", "gpu_instance_id", "5").size() == 1);
    assertEquals(66.6, sampled.value("gpu_utilization_percent", "gpu_instance_id", "5"));
    assertEquals(List.of(), sampled.find("gpu_utilization_percent", "gpu_instance_id", "3"));
    assertEquals(
        "MIG-11111111-0000-5000-8000-000000000005",
        source.snapshot().gpusOf(21195).get(0).mig().uuid());
    // The destroyed instance's process is never attributed to another instance. (MIG handles list
    // their own processes, so a process the parent still lists for a gone instance is not read.)
    assertTrue(
        source.snapshot().gpusOf(21190).stream().allMatch(ref -> ref.mig() == null),
        source.snapshot().toString());
  }

  private static Set<String> migDevices(Series s) {
    Set<String> out = new TreeSet<>();
    s.find("gpu_memory_used_bytes").stream()
        .map(p -> p.labels().get("mig_device"))
        .filter(d -> d != null)
        .forEach(out::add);
    return out;
  }

  private static Set<String> devices(Series s, String metric) {
    Set<String> out = new TreeSet<>();
    s.find(metric).forEach(p -> out.add(p.labels().get("device")));
    return out;
  }

  /** The scenario, with GPM sampled every 200 ms so new instances get values quickly. */
  private GpuOptions options(String scenario) {
    FakeNvml.useScenario(scenario);
    return GpuOptions.builder()
        .nvmlLibrary(FakeNvml.library())
        .procRoot(proc)
        .pollInterval(Duration.ofMillis(200))
        .build();
  }

  private Series collect() throws Exception {
    return Series.collect(source);
  }

  private Series collectUntil(Predicate<Series> ready) throws Exception {
    return Series.collectUntil(source, ready);
  }
}
