package io.telegen.gpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.telegen.catalog.MetricCatalog;
import io.telegen.source.MetricBatch;
import io.telegen.testsupport.FakeNvmlControl;
import io.telegen.testsupport.GaugePoints;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A collection held inside the fake driver: a second collection beside it fails at once instead
 * of sharing the GPUs' native buffers, and the held one, once it returns, has every value right.
 */
class StuckDriverCallTest {

  private static final MetricCatalog CATALOG = MetricCatalog.load();

  @TempDir Path proc;

  private NvidiaGpuSource source;

  @AfterEach
  void tearDown() {
    FakeNvmlControl.release();
    if (source != null) {
      source.close();
    }
  }

  @Test
  void aCollectionBesideOneStuckInTheDriverFailsAtOnceAndTheStuckOneIsIntact() throws Exception {
    source = NvidiaGpuSource.open(FakeNvml.options("pcie-rtx6000ada-fan", proc), 0);
    Map<String, Double> first = gauges(collect());
    Map<String, Double> steady = gauges(collect());
    steady.entrySet().removeIf(e -> !e.getValue().equals(first.get(e.getKey())));

    FakeNvmlControl.blockNext("nvmlDeviceGetUtilizationRates", 20_000);
    CompletableFuture<MetricBatch> stuck = CompletableFuture.supplyAsync(this::collect);
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (FakeNvmlControl.blockedCalls() == 0) {
      assertTrue(System.nanoTime() < deadline, "the collection never reached the driver");
      Thread.sleep(10);
    }

    long before = System.nanoTime();
    IllegalStateException e = assertThrows(IllegalStateException.class, this::collect);
    assertTrue(System.nanoTime() - before < TimeUnit.SECONDS.toNanos(1), "fails at once");
    assertTrue(
        e.getMessage().startsWith("NVIDIA GPUs: the previous collection has not returned"),
        e.getMessage());
    assertEquals(1, FakeNvmlControl.watchedCalls(), "the second collection reached no driver call");

    FakeNvmlControl.release();
    Map<String, Double> held = gauges(stuck.get(10, TimeUnit.SECONDS));
    Map<String, Double> after = gauges(collect());
    for (Map.Entry<String, Double> reading : steady.entrySet()) {
      assertEquals(reading.getValue(), held.get(reading.getKey()), reading.getKey());
      assertEquals(reading.getValue(), after.get(reading.getKey()), reading.getKey());
    }
    assertTrue(
        steady.keySet().stream().anyMatch(k -> k.startsWith("gpu_utilization_percent{")),
        steady.toString());
  }

  private MetricBatch collect() {
    MetricBatch batch = new MetricBatch(CATALOG, 1);
    source.collect(batch);
    return batch;
  }

  private static Map<String, Double> gauges(MetricBatch batch) {
    return GaugePoints.of(batch.metrics());
  }
}
