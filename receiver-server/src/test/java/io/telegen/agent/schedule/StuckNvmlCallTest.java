package io.telegen.agent.schedule;

import static io.telegen.agent.schedule.TestSources.awaitTrue;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.opentelemetry.proto.metrics.v1.Metric;
import io.opentelemetry.proto.metrics.v1.NumberDataPoint;
import io.telegen.agent.telemetry.AgentTelemetry;
import io.telegen.catalog.MetricCatalog;
import io.telegen.gpu.GpuOptions;
import io.telegen.gpu.NvidiaGpuSource;
import io.telegen.source.MetricBatch;
import io.telegen.testsupport.BuildOutputs;
import io.telegen.testsupport.FakeNvmlControl;
import io.telegen.testsupport.GaugePoints;
import io.telegen.testsupport.GpuTestResources;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A collection stuck inside the driver, through the real JNA binding: the gpu module's fake
 * {@code libnvidia-ml.so.1} holds one {@code nvmlDeviceGetUtilizationRates} call
 * ({@code fakeNvmlBlockNext}) past several cycles, and the scheduler must neither start a second
 * collection of the NVIDIA source nor let one share its buffers.
 */
class StuckNvmlCallTest {

  private static final String STUCK_CALL = "nvmlDeviceGetUtilizationRates";

  /** The fake gives up on its own after this, so that a broken test cannot hang the build. */
  private static final int BLOCK_LIMIT_MS = 20_000;

  @TempDir Path proc;

  private final MetricCatalog catalog = MetricCatalog.load();
  private final AgentTelemetry telemetry = new AgentTelemetry(0);
  private final List<MetricBatch> delivered = new CopyOnWriteArrayList<>();
  private SourceScheduler scheduler;
  private boolean blocking;

  @AfterEach
  void tearDown() {
    if (blocking) {
      FakeNvmlControl.release();
    }
    if (scheduler != null) {
      scheduler.close();
    }
  }

  @Test
  void aCallStuckInTheDriverPastTheNextCyclesStartsNoSecondCollectionAndCorruptsNothing()
      throws Exception {
    Path library = BuildOutputs.fakeNvml();
    GpuTestResources.useNvmlScenario("pcie-rtx6000ada-fan");
    NvidiaGpuSource nvidia =
        NvidiaGpuSource.open(
            GpuOptions.builder()
                .nvmlLibrary(library)
                .procRoot(proc)
                .pollInterval(Duration.ofMillis(100))
                .build(),
            0);
    // A cold first collection (JNA binding every entry point) can outlast the 100 ms cycle on a
    // loaded machine, and collectNow waits at most the cycle: warm the source first.
    nvidia.collect(new MetricBatch(catalog, 1));
    scheduler =
        new SourceScheduler(
            catalog, telemetry, (source, batch) -> delivered.add(batch), Clock.systemUTC());
    scheduler.add(nvidia, Duration.ofMillis(100));
    // The readings that do not move between cycles, from two clean collections.
    Map<String, Double> first = gauges(scheduler.collectNow(Duration.ofSeconds(5)).get(0));
    Map<String, Double> steady = gauges(scheduler.collectNow(Duration.ofSeconds(5)).get(0));
    steady.entrySet().removeIf(e -> !e.getValue().equals(first.get(e.getKey())));
    assertEquals(
        47.0,
        steady.entrySet().stream()
            .filter(reading -> reading.getKey().startsWith("gpu_utilization_percent{"))
            .findFirst()
            .orElseThrow()
            .getValue(),
        "the scenario's utilisation: " + steady);

    FakeNvmlControl.blockNext(STUCK_CALL, BLOCK_LIMIT_MS);
    blocking = true;
    scheduler.start();
    awaitTrue(() -> FakeNvmlControl.blockedCalls() == 1);
    awaitTrue(() -> skipped() >= 5);

    assertEquals(
        1L, FakeNvmlControl.watchedCalls(), "one collection reached the driver, and no second one");
    assertTrue(delivered.isEmpty());
    // Overlap from outside the scheduler fails at once instead of sharing the buffers.
    long before = System.nanoTime();
    IllegalStateException e =
        assertThrows(
            IllegalStateException.class, () -> nvidia.collect(new MetricBatch(catalog, 1)));
    assertTrue(e.getMessage().contains("the previous collection has not returned"), e.getMessage());
    assertTrue(System.nanoTime() - before < 1_000_000_000L);
    assertEquals(1L, FakeNvmlControl.watchedCalls());

    FakeNvmlControl.release();
    awaitTrue(() -> delivered.size() >= 3);

    assertTrue(FakeNvmlControl.watchedCalls() >= 3, "collections run again once the call returned");
    for (MetricBatch batch : delivered) {
      Map<String, Double> got = gauges(batch);
      for (Map.Entry<String, Double> reading : steady.entrySet()) {
        assertEquals(reading.getValue(), got.get(reading.getKey()), reading.getKey());
      }
    }
    assertFalse(delivered.isEmpty());
  }

  private double skipped() {
    MetricBatch batch = new MetricBatch(catalog, 0);
    telemetry.collect(batch);
    for (Metric metric : batch.metrics()) {
      if (metric.getName().equals("telegen_agent_collection_errors_total")) {
        for (NumberDataPoint p : metric.getSum().getDataPointsList()) {
          if (p.getAttributesList().toString().contains("skipped")) {
            return p.getAsDouble();
          }
        }
      }
    }
    return 0;
  }

  private static Map<String, Double> gauges(MetricBatch batch) {
    return GaugePoints.of(batch.metrics());
  }
}
