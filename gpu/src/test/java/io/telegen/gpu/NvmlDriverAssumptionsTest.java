package io.telegen.gpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.jna.Memory;
import com.sun.jna.NativeLibrary;
import io.opentelemetry.proto.metrics.v1.Metric;
import io.opentelemetry.proto.metrics.v1.NumberDataPoint;
import io.telegen.catalog.MetricCatalog;
import io.telegen.source.MetricBatch;
import io.telegen.testsupport.FakeNvmlControl;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What real drivers do that a binding easily gets wrong: no libcuda in the container, a {@code
 * _v2} memory call that answers NOT_SUPPORTED, the versioned temperature call, counters that
 * restart after a reset, NVLink per link against the driver's sum, NVLink5's byte counters, and a
 * close while the sampler is inside the driver.
 */
class NvmlDriverAssumptionsTest {

  private static final MetricCatalog CATALOG = MetricCatalog.load();
  private static final long MIB = 1L << 20;

  @TempDir Path proc;

  private NvidiaGpuSource source;

  @AfterEach
  void tearDown() throws InterruptedException {
    FakeNvmlControl.release();
    if (source != null) {
      source.close();
    }
    FakeNvml.awaitShutdown();
  }

  @Test
  void withoutLibcudaTheCudaVersionComesFromTheUnversionedCall() throws Exception {
    source = NvidiaGpuSource.open(FakeNvml.options("b200-utility-container", proc), 0);
    Series s = new Series(collect(1));
    assertEquals(1, s.value("gpu_info", "device", "0", "cuda_version", "13.1"));
    assertTrue(source.describe().contains("(driver 590.48.01, CUDA 13.1)"), source.describe());
  }

  @Test
  void memoryFallsBackToV1WhoseUsedIncludesTheReservedMemory() throws Exception {
    source = NvidiaGpuSource.open(FakeNvml.options("memory-v1-only", proc), 0);
    Series s = new Series(collect(1));
    assertEquals((500 + 31205) * MIB, s.value("gpu_memory_used_bytes", "device", "0"));
    assertEquals(51527024640.0, s.value("gpu_memory_total_bytes", "device", "0"));
    assertEquals(
        51527024640.0 - (500 + 31205) * MIB, s.value("gpu_memory_free_bytes", "device", "0"));
  }

  @Test
  void memoryV2ReportsAllocatedMemoryWithoutTheReserved() throws Exception {
    source = NvidiaGpuSource.open(FakeNvml.options("pcie-rtx6000ada-fan", proc), 0);
    Series s = new Series(collect(1));
    assertEquals(31205 * MIB, s.value("gpu_memory_used_bytes", "device", "0"));
    assertEquals(
        51527024640.0 - (500 + 31205) * MIB, s.value("gpu_memory_free_bytes", "device", "0"));
  }

  @Test
  void temperatureComesFromTheVersionedCallWhereExported() throws Exception {
    source = NvidiaGpuSource.open(FakeNvml.options("pcie-rtx6000ada-fan", proc), 0);
    assertEquals(1, watchedCalls("nvmlDeviceGetTemperatureV", 66));
    assertEquals(0, watchedCalls("nvmlDeviceGetTemperature", 66));
  }

  @Test
  void temperatureComesFromTheOlderCallOnAnOldDriver() throws Exception {
    FakeNvml.useScenario("old-driver");
    source =
        NvidiaGpuSource.open(
            GpuOptions.builder().nvmlLibrary(FakeNvml.oldDriverLibrary()).procRoot(proc).build(),
            0);
    MetricBatch batch = collect(1);
    assertEquals(2, new Series(batch).find("gpu_temperature_celsius").size());
  }

  @Test
  void aCounterThatGoesDownAfterAResetStartsAgain() throws Exception {
    source = NvidiaGpuSource.open(FakeNvml.options("dgx-h100-nvlink", proc), 7);
    Map<String, NumberDataPoint> first = counters(collect(1_000));
    Map<String, NumberDataPoint> second = counters(collect(2_000));
    FakeNvmlControl.resetCounters(2);
    Map<String, NumberDataPoint> third = counters(collect(3_000));
    Map<String, NumberDataPoint> fourth = counters(collect(4_000));

    String energy = "gpu_energy_joules_total{device=2}";
    String link = "gpu_nvlink_tx_bytes_total{device=2,link=4}";
    String otherGpu = "gpu_energy_joules_total{device=1}";
    for (String series : List.of(energy, link, otherGpu)) {
      assertEquals(7, first.get(series).getStartTimeUnixNano(), series);
      assertEquals(7, second.get(series).getStartTimeUnixNano(), series);
    }
    for (String series : List.of(energy, link)) {
      assertTrue(third.get(series).getAsDouble() < second.get(series).getAsDouble(), series);
      // The counter restarted after the point at 2000: the new series starts just after it.
      assertEquals(2_001, third.get(series).getStartTimeUnixNano(), series);
      assertEquals(2_001, fourth.get(series).getStartTimeUnixNano(), series);
      assertTrue(fourth.get(series).getAsDouble() > third.get(series).getAsDouble(), series);
    }
    assertEquals(0, third.get(energy).getAsDouble());
    assertEquals(6489.2, fourth.get(energy).getAsDouble(), 1e-6);
    assertEquals(7, third.get(otherGpu).getStartTimeUnixNano());
  }

  @Test
  void perLinkNvlinkSeriesSumToTheDriversAllLinksValue() throws Exception {
    source = NvidiaGpuSource.open(FakeNvml.options("dgx-h100-nvlink", proc), 0);
    Series agent = new Series(collect(1));
    // Then the driver is asked, in one call, for every link and for scope UINT_MAX.
    NativeLibrary fake = NativeLibrary.getInstance(FakeNvml.library().toString(), Map.of());
    Memory handle = new Memory(8);
    assertEquals(
        0, fake.getFunction("nvmlDeviceGetHandleByIndex_v2").invokeInt(new Object[] {0, handle}));
    int links = 18;
    Memory fields = new Memory(40L * (links + 1));
    fields.clear();
    for (int i = 0; i <= links; i++) {
      fields.setInt(40L * i, 138);
      fields.setInt(40L * i + 4, i < links ? i : -1);
    }
    assertEquals(
        0,
        fake.getFunction("nvmlDeviceGetFieldValues")
            .invokeInt(new Object[] {handle.getPointer(0), links + 1, fields}));
    long driverSum = 0;
    for (int i = 0; i < links; i++) {
      assertEquals(0, fields.getInt(40L * i + 28));
      driverSum += fields.getLong(40L * i + 32);
    }
    long driverAll = fields.getLong(40L * links + 32);
    assertEquals(driverSum, driverAll, "the driver's UINT_MAX scope is the sum over its links");

    double agentKib = 0;
    for (Series.Point p : agent.find("gpu_nvlink_tx_bytes_total", "device", "0")) {
      agentKib += p.value() / 1024;
    }
    assertEquals(links, agent.find("gpu_nvlink_tx_bytes_total", "device", "0").size());
    // The agent read one field-values call earlier: each link 1843200 KiB (one step) less.
    assertEquals(driverAll - links * 1843200L, agentKib);
  }

  @Test
  void nvlink5ReportsItsByteCountersWhereTheKibFieldsDoNotAnswer() throws Exception {
    source = NvidiaGpuSource.open(FakeNvml.options("b200-utility-container", proc), 0);
    Series s = new Series(collect(1));
    assertEquals(18, s.find("gpu_nvlink_tx_bytes_total").size());
    assertEquals(18, s.find("gpu_nvlink_rx_bytes_total").size());
    // Bytes as the driver gives them, no KiB conversion: link 3 at base + 3000 KiB, plus one step
    // (the probe at start read the counters once).
    assertEquals(
        (7340032000L + 3000 + 3686400) * 1024.0, s.value("gpu_nvlink_tx_bytes_total", "link", "3"));
  }

  @Test
  void closeDuringAStuckGpmCallNeitherFreesItsSamplesNorShutsNvmlDownUnderIt() throws Exception {
    FakeNvml.useScenario("dgx-h100-nvlink");
    GpuOptions options =
        GpuOptions.builder()
            .nvmlLibrary(FakeNvml.library())
            .procRoot(proc)
            .pollInterval(Duration.ofMillis(200))
            .build();
    source = NvidiaGpuSource.open(options, 0);
    long misuses = FakeNvmlControl.misuses();
    FakeNvmlControl.blockNext("nvmlGpmSampleGet", 30_000);
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (FakeNvmlControl.blockedCalls() == 0) {
      assertTrue(System.nanoTime() < deadline, "the sampler never reached nvmlGpmSampleGet");
      Thread.sleep(10);
    }

    long before = System.nanoTime();
    source.close();
    source = null;
    assertTrue(System.nanoTime() - before < TimeUnit.SECONDS.toNanos(8), "close is bounded");
    assertEquals(misuses, FakeNvmlControl.misuses(), "nothing freed or shut down under the call");
    assertEquals(1, FakeNvmlControl.blockedCalls());

    FakeNvmlControl.release();
    // Once the call returns, NVML is shut down after all.
    FakeNvml.awaitShutdown();
    assertEquals(misuses, FakeNvmlControl.misuses(), "the returned call saw live samples");
  }

  private MetricBatch collect(long timeUnixNanos) {
    MetricBatch batch = new MetricBatch(CATALOG, timeUnixNanos);
    source.collect(batch);
    return batch;
  }

  /** Calls of {@code symbol} in one collection (which must report {@code celsius}). */
  private long watchedCalls(String symbol, double celsius) {
    FakeNvmlControl.blockNext(symbol, 1_000);
    FakeNvmlControl.release();
    Series s = new Series(collect(1));
    assertEquals(celsius, s.value("gpu_temperature_celsius", "device", "0"));
    return FakeNvmlControl.watchedCalls();
  }

  /** Cumulative points by {@code name{device=..,link=..}}. */
  private static Map<String, NumberDataPoint> counters(MetricBatch batch) {
    Map<String, NumberDataPoint> points = new java.util.HashMap<>();
    for (Metric metric : batch.metrics()) {
      if (!metric.hasSum()) {
        continue;
      }
      for (NumberDataPoint p : metric.getSum().getDataPointsList()) {
        List<String> key = new ArrayList<>();
        p.getAttributesList().stream()
            .filter(kv -> kv.getKey().equals("device") || kv.getKey().equals("link"))
            .forEach(kv -> key.add(kv.getKey() + "=" + kv.getValue().getStringValue()));
        points.put(metric.getName() + "{" + String.join(",", key) + "}", p);
      }
    }
    return points;
  }
}
