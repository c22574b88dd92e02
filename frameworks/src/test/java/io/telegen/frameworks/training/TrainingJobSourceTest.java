package io.telegen.frameworks.training;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.metrics.v1.Metric;
import io.opentelemetry.proto.metrics.v1.NumberDataPoint;
import io.telegen.catalog.MetricCatalog;
import io.telegen.frameworks.FakeProc;
import io.telegen.node.GpuProcessSnapshot;
import io.telegen.node.GpuRef;
import io.telegen.node.GpuVendor;
import io.telegen.node.MigDevice;
import io.telegen.node.ProcessAttribution;
import io.telegen.source.Labels;
import io.telegen.source.MetricBatch;
import io.telegen.source.PartialCollectionException;
import io.telegen.testsupport.TestFiles;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The training source on a fake node whose rank 0 holds an event file written by the real
 * tensorboardX package and whose Keras worker holds one in TensorFlow's tensor encoding.
 */
class TrainingJobSourceTest {

  private static final MetricCatalog CATALOG = MetricCatalog.load();
  private static final GpuRef GPU_0 = GpuRef.gpu(GpuVendor.NVIDIA, 0, "GPU-aaaa");
  private static final GpuRef GPU_1 = GpuRef.gpu(GpuVendor.NVIDIA, 1, "GPU-bbbb");

  @TempDir Path temp;

  private Path proc;
  private final AtomicLong nanos = new AtomicLong();

  /** The node's GPU process table as the GPU sources last published it. */
  private volatile GpuProcessSnapshot gpus =
      GpuProcessSnapshot.builder().uses(3001, GPU_0).uses(3002, GPU_1).build();

  private TrainingJobSource source;

  @BeforeEach
  void fakeNode() throws IOException {
    proc = FakeProc.copy("training/proc-training-node", temp);
    copyFixture(
        "tfevents/hf_trainer/events.out.tfevents.1700000000.fixture-host",
        "runs/llama/events.out.tfevents.1764320000.node-a.3001.0");
    copyFixture(
        "tfevents/keras_train/events.out.tfevents.1700000000.fixture-host.v2",
        "keras/logs/train/events.out.tfevents.1764320000.node-a.3100.1.v2");
    source =
        TrainingJobSource.builder(
                new TrainingProcessDiscovery(proc, Set.of("pytorch", "tensorflow"), List.of()))
            .node("node-a")
            .gpuProcesses(() -> gpus)
            .nanoTime(nanos::get)
            .build();
  }

  @Test
  void reportsTheLatestLossStepLearningRateGradNormAndEpochOfATensorboardXRun() throws Exception {
    Map<String, Double> rank0 =
        valuesOf(collect(), "run_dir", temp.resolve("runs/llama").toString());

    assertEquals(
        Map.of(
            "training_loss", 1.75,
            "training_learning_rate", (double) 2.0e-5f, // simple_value is a float32
            "training_gradient_norm", 0.5,
            "training_epoch", 1.0,
            "training_step", 40.0,
            "telegen_agent_tfevents_corrupt_records_total", 0.0),
        rank0);
  }

  @Test
  void readsTensorflowTensorScalarsAndLabelsTheRunWithItsProcess() throws Exception {
    MetricBatch batch = collect();
    String runDir = temp.resolve("keras/logs/train").toString();
    assertEquals(
        Map.of(
            "training_loss", 0.25,
            "training_learning_rate", (double) 0.00025f,
            "training_step", 2.0,
            "telegen_agent_tfevents_corrupt_records_total", 0.0),
        valuesOf(batch, "run_dir", runDir));
    assertEquals(
        Map.of(
            "job",
            "keras_mnist",
            "framework",
            "tensorflow",
            "rank",
            "1",
            "node",
            "node-a",
            "pid",
            "3100",
            "run_dir",
            runDir),
        labelsOf(batch, "training_loss", runDir));
    assertEquals(
        Map.of(
            "job",
            "llama-finetune",
            "framework",
            "pytorch",
            "rank",
            "0",
            "node",
            "node-a",
            "pid",
            "3001",
            "run_dir",
            temp.resolve("runs/llama").toString()),
        labelsOf(batch, "training_loss", temp.resolve("runs/llama").toString()));
  }

  @Test
  void aRanksSeriesCarryItsPodAndItsPidCarriesItsJobForWhatItUses() throws Exception {
    Labels pod = Labels.of("k8s_pod", "llama-0", "k8s_namespace", "ml", "k8s_container", "trainer");
    source =
        TrainingJobSource.builder(
                new TrainingProcessDiscovery(proc, Set.of("pytorch", "tensorflow"), List.of()))
            .node("node-a")
            .gpuProcesses(() -> gpus)
            .owners(pid -> pid == 3001 ? pod : Labels.empty())
            .nanoTime(nanos::get)
            .build();
    gpus = GpuProcessSnapshot.builder().uses(3001, GPU_0).utilization(GPU_0, 87).build();

    MetricBatch batch = collect();
    Map<String, String> rank0 =
        labelsOf(batch, "training_loss", temp.resolve("runs/llama").toString());
    assertEquals("llama-0", rank0.get("k8s_pod"), rank0.toString());
    assertEquals("ml", rank0.get("k8s_namespace"));
    assertEquals("trainer", rank0.get("k8s_container"));
    assertEquals(
        "llama-finetune", rank0.get("job"), "the pod adds to the rank's labels, never replaces");
    Map<String, String> keras =
        labelsOf(batch, "training_loss", temp.resolve("keras/logs/train").toString());
    assertFalse(keras.containsKey("k8s_pod"), keras.toString());
    assertEquals(
        "llama-0", labels(points(batch, "training_gpu_utilization_percent").get(0)).get("k8s_pod"));

    ProcessAttribution jobs = source.processAttribution();
    assertEquals(Labels.of("job", "llama-finetune", "node", "node-a"), jobs.labelsOf(3001));
    assertEquals(Labels.of("job", "keras_mnist", "node", "node-a"), jobs.labelsOf(3100));
    assertEquals(Labels.empty(), jobs.labelsOf(1), "not a rank");
  }

  @Test
  void gpuUtilizationOfEachRankComesFromTheGpusItsProcessUses() throws Exception {
    gpus =
        GpuProcessSnapshot.builder()
            .uses(3001, GPU_0)
            .uses(3002, GPU_1)
            .utilization(GPU_0, 87)
            .utilization(GPU_1, 12)
            .build();

    assertEquals(
        Map.of("3001@0/GPU-aaaa/rank0", 87.0, "3002@1/GPU-bbbb/rank1", 12.0),
        gpuUtilizationByPid(collect()));
  }

  @Test
  void noGpuUtilizationIsReportedBeforeTheGpuSourceReadOne() throws Exception {
    assertEquals(Map.of(), gpuUtilizationByPid(collect()));
  }

  @Test
  void aRankOnTwoGpusGetsTheUtilizationOfEach() throws Exception {
    gpus =
        GpuProcessSnapshot.builder()
            .uses(3001, GPU_1)
            .uses(3001, GPU_0)
            .utilization(GPU_0, 87)
            .utilization(GPU_1, 12)
            .build();

    assertEquals(
        Map.of("3001@0/GPU-aaaa/rank0", 87.0, "3001@1/GPU-bbbb/rank0", 12.0),
        gpuUtilizationByPid(collect()));
  }

  @Test
  void theSameIndexOnTwoVendorsIsTwoGpusWithTheirOwnUtilization() throws Exception {
    GpuRef amd0 = GpuRef.gpu(GpuVendor.AMD, 0, "0x6fe1a2b3c4d5e6f7");
    gpus =
        GpuProcessSnapshot.builder()
            .uses(3001, GPU_0)
            .uses(3002, amd0)
            .utilization(GPU_0, 87)
            .utilization(amd0, 31)
            .build();

    assertEquals(
        Map.of("3001@0/GPU-aaaa/rank0", 87.0, "3002@0/0x6fe1a2b3c4d5e6f7/rank1", 31.0),
        gpuUtilizationByPid(collect()));
  }

  @Test
  void aRankOnAMigDeviceGetsNoWholeGpuUtilization() throws Exception {
    GpuRef slice =
        GpuRef.mig(
            GpuVendor.NVIDIA, 0, "GPU-aaaa", new MigDevice("MIG-cccc", 2, 0, "mig-3g.40gb-0"));
    gpus =
        GpuProcessSnapshot.builder()
            .uses(3001, slice)
            .uses(3002, GPU_1)
            .utilization(slice, 99.7)
            .utilization(GPU_1, 12)
            .build();

    assertEquals(Map.of("3002@1/GPU-bbbb/rank1", 12.0), gpuUtilizationByPid(collect()));
  }

  private static Map<String, Double> gpuUtilizationByPid(MetricBatch batch) {
    Map<String, Double> byPid = new TreeMap<>();
    for (NumberDataPoint point : points(batch, "training_gpu_utilization_percent")) {
      Map<String, String> labels = labels(point);
      assertEquals("llama-finetune", labels.get("job"));
      byPid.put(
          labels.get("pid")
              + "@"
              + labels.get("device")
              + "/"
              + labels.get("uuid")
              + "/rank"
              + labels.get("rank"),
          point.getAsDouble());
    }
    return byPid;
  }

  @Test
  void aRunWhoseProcessExitedIsReadOnceMoreAndThenDropped() throws Exception {
    collect();
    TestFiles.deleteTree(proc.resolve("3001"));
    nanos.addAndGet(31_000_000_000L); // past the rediscovery interval

    MetricBatch last = collect();
    assertFalse(valuesOf(last, "run_dir", temp.resolve("runs/llama").toString()).isEmpty());
    MetricBatch after = collect();
    assertTrue(valuesOf(after, "run_dir", temp.resolve("runs/llama").toString()).isEmpty());
    assertFalse(valuesOf(after, "run_dir", temp.resolve("keras/logs/train").toString()).isEmpty());
  }

  @Test
  void aRunDirectoryThatCannotBeReadCostsOnlyItsOwnSeries() throws Exception {
    // The Keras run directory becomes a plain file: listing it fails, whoever runs the test.
    Path keras = temp.resolve("keras/logs/train");
    TestFiles.deleteTree(keras);
    Files.writeString(keras, "not a directory");
    MetricBatch batch = new MetricBatch(CATALOG, 1_764_320_000_000_000_000L);

    PartialCollectionException e =
        assertThrows(PartialCollectionException.class, () -> source.collect(batch));

    assertEquals(
        List.of(keras.toString()),
        e.problems().stream().map(PartialCollectionException.Problem::key).toList());
    assertTrue(
        e.problems()
            .get(0)
            .message()
            .startsWith("cannot read the TensorBoard run " + "directory " + keras + " ("),
        e.problems().get(0).message());
    assertEquals(1, e.unread());
    assertEquals(
        Map.of(
            "training_loss", 1.75,
            "training_learning_rate", (double) 2.0e-5f,
            "training_gradient_norm", 0.5,
            "training_epoch", 1.0,
            "training_step", 40.0,
            "telegen_agent_tfevents_corrupt_records_total", 0.0),
        valuesOf(batch, "run_dir", temp.resolve("runs/llama").toString()));
    assertFalse(valuesOf(batch, "run_dir", keras.toString()).containsKey("training_loss"));
  }

  @Test
  void exportMetricsFalseStillDiscoversForTheFindings() {
    TrainingProcessDiscovery.Result found = source.discover();
    assertEquals(
        List.of(3001, 3002, 3100),
        found.processes().stream().map(TrainingProcessDiscovery.TrainingProcess::pid).toList());
  }

  private MetricBatch collect() throws Exception {
    MetricBatch batch = new MetricBatch(CATALOG, 1_764_320_000_000_000_000L);
    source.collect(batch);
    return batch;
  }

  private static Map<String, Double> valuesOf(MetricBatch batch, String key, String value) {
    Map<String, Double> values = new TreeMap<>();
    for (Metric metric : batch.metrics()) {
      List<NumberDataPoint> points =
          metric.hasGauge()
              ? metric.getGauge().getDataPointsList()
              : metric.getSum().getDataPointsList();
      for (NumberDataPoint point : points) {
        if (value.equals(labels(point).get(key))) {
          values.put(metric.getName(), point.getAsDouble());
        }
      }
    }
    return values;
  }

  private static Map<String, String> labelsOf(MetricBatch batch, String metric, String runDir) {
    for (NumberDataPoint point : points(batch, metric)) {
      if (runDir.equals(labels(point).get("run_dir"))) {
        return labels(point);
      }
    }
    return Map.of();
  }

  private static List<NumberDataPoint> points(MetricBatch batch, String name) {
    for (Metric metric : batch.metrics()) {
      if (metric.getName().equals(name)) {
        return metric.getGauge().getDataPointsList();
      }
    }
    return List.of();
  }

  private static Map<String, String> labels(NumberDataPoint point) {
    Map<String, String> labels = new TreeMap<>();
    for (KeyValue kv : point.getAttributesList()) {
      labels.put(kv.getKey(), kv.getValue().getStringValue());
    }
    return labels;
  }

  private void copyFixture(String resource, String target) throws IOException {
    Path file = temp.resolve(target);
    Files.createDirectories(file.getParent());
    try (InputStream in = getClass().getResourceAsStream("/" + resource)) {
      if (in == null) {
        throw new IOException("test resource /" + resource + " is missing");
      }
      Files.copy(in, file);
    }
  }
}
