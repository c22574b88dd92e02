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
import io.telegen.source.Labels;
import io.telegen.source.MetricBatch;
import io.telegen.source.PartialCollectionException;
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

  @TempDir
  Path temp;

  private Path proc;
  private final AtomicLong nanos = new AtomicLong();
  private final GpuUtilization gpuUtilization = new GpuUtilization();
  private TrainingJobSource source;

  @BeforeEach
  void fakeNode() throws IOException {
    proc = FakeProc.copy("training/proc-training-node", temp);
    copyFixture("tfevents/hf_trainer/events.out.tfevents.1700000000.fixture-host",
        "runs/llama/events.out.tfevents.1764320000.node-a.3001.0");
    copyFixture("tfevents/keras_train/events.out.tfevents.1700000000.fixture-host.v2",
        "keras/logs/train/events.out.tfevents.1764320000.node-a.3100.1.v2");
    source = TrainingJobSource.builder(new TrainingProcessDiscovery(proc,
            Set.of("pytorch", "tensorflow"), List.of()))
        .node("node-a")
        .gpusOfPid(pid -> Map.of(3001, "0", 3002, "1").get(pid))
        .gpuUtilization(gpuUtilization)
        .nanoTime(nanos::get)
        .build();
  }

  @Test
  void reportsTheLatestLossStepLearningRateGradNormAndEpochOfATensorboardXRun() throws Exception {
    Map<String, Double> rank0 = valuesOf(collect(), "run_dir",
        temp.resolve("runs/llama").toString());

    assertEquals(Map.of(
        "training_loss", 1.75,
        "training_learning_rate", (double) 2.0e-5f, // simple_value is a float32
        "training_gradient_norm", 0.5,
        "training_epoch", 1.0,
        "training_step", 40.0,
        "telegen_agent_tfevents_corrupt_records_total", 0.0), rank0);
  }

  @Test
  void readsTensorflowTensorScalarsAndLabelsTheRunWithItsProcess() throws Exception {
    MetricBatch batch = collect();
    String runDir = temp.resolve("keras/logs/train").toString();
    assertEquals(Map.of(
        "training_loss", 0.25,
        "training_learning_rate", (double) 0.00025f,
        "training_step", 2.0,
        "telegen_agent_tfevents_corrupt_records_total", 0.0), valuesOf(batch, "run_dir", runDir));
    assertEquals(Map.of("job", "keras_mnist", "framework", "tensorflow", "rank", "1",
        "node", "node-a", "pid", "3100", "run_dir", runDir),
        labelsOf(batch, "training_loss", runDir));
    assertEquals(Map.of("job", "llama-finetune", "framework", "pytorch", "rank", "0",
        "node", "node-a", "pid", "3001", "run_dir", temp.resolve("runs/llama").toString()),
        labelsOf(batch, "training_loss", temp.resolve("runs/llama").toString()));
  }

  @Test
  void gpuUtilizationOfEachRankComesFromTheGpusItsProcessUses() throws Exception {
    MetricBatch gpuBatch = new MetricBatch(CATALOG, 1L);
    gpuBatch.gauge("gpu_utilization_percent", 87, Labels.of("device", "0", "name", "H100",
        "uuid", "GPU-aaaa", "pci_bus_id", "00000000:18:00.0", "vendor", "nvidia"));
    gpuBatch.gauge("gpu_utilization_percent", 12, Labels.of("device", "1", "name", "H100",
        "uuid", "GPU-bbbb", "pci_bus_id", "00000000:2A:00.0", "vendor", "nvidia"));
    gpuUtilization.observe(gpuBatch);

    MetricBatch batch = collect();
    Map<String, Double> byPid = new TreeMap<>();
    for (NumberDataPoint point : points(batch, "training_gpu_utilization_percent")) {
      Map<String, String> labels = labels(point);
      assertEquals("llama-finetune", labels.get("job"));
      byPid.put(labels.get("pid") + "@" + labels.get("device") + "/" + labels.get("uuid")
          + "/rank" + labels.get("rank"), point.getAsDouble());
    }
    assertEquals(Map.of("3001@0/GPU-aaaa/rank0", 87.0, "3002@1/GPU-bbbb/rank1", 12.0), byPid);
  }

  @Test
  void aRunWhoseProcessExitedIsReadOnceMoreAndThenDropped() throws Exception {
    collect();
    deleteTree(proc.resolve("3001"));
    nanos.addAndGet(31_000_000_000L); // past the rediscovery interval

    MetricBatch last = collect();
    assertFalse(valuesOf(last, "run_dir", temp.resolve("runs/llama").toString()).isEmpty());
    MetricBatch after = collect();
    assertTrue(valuesOf(after, "run_dir", temp.resolve("runs/llama").toString()).isEmpty());
    assertFalse(valuesOf(after, "run_dir", temp.resolve("keras/logs/train").toString())
        .isEmpty());
  }

  @Test
  void aRunDirectoryThatCannotBeReadCostsOnlyItsOwnSeries() throws Exception {
    // The Keras run directory becomes a plain file: listing it fails, whoever runs the test.
    Path keras = temp.resolve("keras/logs/train");
    deleteTree(keras);
    Files.writeString(keras, "not a directory");
    MetricBatch batch = new MetricBatch(CATALOG, 1_764_320_000_000_000_000L);

    PartialCollectionException e = assertThrows(PartialCollectionException.class,
        () -> source.collect(batch));

    assertEquals(List.of(keras.toString()), e.problems().stream()
        .map(PartialCollectionException.Problem::key).toList());
    assertTrue(e.problems().get(0).message().startsWith("cannot read the TensorBoard run "
        + "directory " + keras + " ("), e.problems().get(0).message());
    assertEquals(1, e.unread());
    assertEquals(Map.of(
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
    assertEquals(List.of(3001, 3002, 3100), found.processes().stream()
        .map(TrainingProcessDiscovery.TrainingProcess::pid).toList());
  }

  private MetricBatch collect() throws Exception {
    MetricBatch batch = new MetricBatch(CATALOG, 1_764_320_000_000_000_000L);
    source.collect(batch);
    return batch;
  }

  private static Map<String, Double> valuesOf(MetricBatch batch, String key, String value) {
    Map<String, Double> values = new TreeMap<>();
    for (Metric metric : batch.metrics()) {
      List<NumberDataPoint> points = metric.hasGauge() ? metric.getGauge().getDataPointsList()
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

  private static void deleteTree(Path dir) throws IOException {
    try (var paths = Files.walk(dir)) {
      for (Path path : paths.sorted(java.util.Comparator.reverseOrder()).toList()) {
        Files.delete(path);
      }
    }
  }
}
