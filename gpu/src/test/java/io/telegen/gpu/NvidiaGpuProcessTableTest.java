package io.telegen.gpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.telegen.catalog.MetricCatalog;
import io.telegen.node.GpuProcessSnapshot;
import io.telegen.node.GpuRef;
import io.telegen.node.GpuUtilization;
import io.telegen.node.GpuVendor;
import io.telegen.node.MigDevice;
import io.telegen.node.ProcessGpus;
import io.telegen.source.MetricBatch;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The NVIDIA part of the node's GPU process table, built from NVML's per-process tables and the
 * same utilisation readings the {@code gpu_utilization_percent} series carry.
 */
class NvidiaGpuProcessTableTest {

  private static final GpuRef H100_0 =
      GpuRef.gpu(GpuVendor.NVIDIA, 0, "GPU-c6f87718-6d76-407e-881e-d162ae2eb154");
  private static final GpuRef H100_1 =
      GpuRef.gpu(GpuVendor.NVIDIA, 1, "GPU-ec66a787-95e7-41d1-b731-af10506bf2ef");

  @TempDir Path proc;

  private NvidiaGpuSource source;

  @AfterEach
  void close() {
    if (source != null) {
      source.close();
    }
  }

  @Test
  void isEmptyBeforeTheFirstCollection() throws Exception {
    source = NvidiaGpuSource.open(FakeNvml.options("two-ranks-on-two-gpus", proc), 0);

    assertTrue(source.snapshot().isEmpty());
    assertEquals(List.of(), source.gpusOf(3001));
  }

  @Test
  void aProcessOnTwoGpusUsesBothAndEachGpuHasItsUtilisation() throws Exception {
    source = NvidiaGpuSource.open(FakeNvml.options("two-ranks-on-two-gpus", proc), 0);

    collect();
    GpuProcessSnapshot table = source.snapshot();

    assertEquals(List.of(H100_0, H100_1), table.gpusOf(3001));
    assertEquals("0,1", table.processes().get(3001).gpuLabel());
    assertEquals(List.of(H100_1), table.gpusOf(3002));
    assertEquals(
        List.of(new GpuUtilization(H100_0, 100), new GpuUtilization(H100_1, 87)),
        table.utilizations());
  }

  @Test
  void eachCollectionPublishesANewImmutableSnapshot() throws Exception {
    source = NvidiaGpuSource.open(FakeNvml.options("two-ranks-on-two-gpus", proc), 0);

    collect();
    GpuProcessSnapshot first = source.snapshot();
    collect();

    assertTrue(first != source.snapshot(), "the second collection published nothing");
    assertEquals(first.processes(), source.snapshot().processes());
  }

  @Test
  void aProcessOnAMigDeviceIsKnownByItsMigIdentity() throws Exception {
    source = NvidiaGpuSource.open(FakeNvml.options("h100-mig", proc), 0);
    GpuRef gpu = GpuRef.gpu(GpuVendor.NVIDIA, 0, "GPU-9be4bcfc-49b6-4a08-b2e6-cc3ababced20");
    GpuRef slice =
        GpuRef.mig(
            GpuVendor.NVIDIA,
            0,
            gpu.uuid(),
            new MigDevice("MIG-2ce7a541-c516-5dbc-a76e-26cc100d9b55", 2, 0, "mig-3g.40gb-0"));

    // GPM needs two samples before MIG utilisation exists.
    long deadline = System.nanoTime() + 10_000_000_000L;
    do {
      collect();
      Thread.sleep(50);
    } while (source.utilization(slice).isEmpty() && System.nanoTime() < deadline);

    ProcessGpus process = source.snapshot().processes().get(21198);
    assertEquals(List.of(slice), process.devices());
    assertEquals(List.of(gpu), process.gpus());
    assertEquals("0", process.gpuLabel());
    assertEquals(99.7, source.utilization(slice).orElseThrow().percent(), 1e-9);
    // A MIG parent has no utilisation of its own (NOT_SUPPORTED), as its series.
    assertEquals(Optional.empty(), source.utilization(gpu));
  }

  @Test
  void withoutPerProcessReadingTheTableHasUtilisationButNoProcess() throws Exception {
    FakeNvml.useScenario("two-ranks-on-two-gpus");
    GpuOptions options =
        GpuOptions.builder()
            .nvmlLibrary(FakeNvml.library())
            .procRoot(proc)
            .perProcess(false)
            .build();
    source = NvidiaGpuSource.open(options, 0);

    collect();

    assertEquals(List.of(), source.gpusOf(3001));
    assertEquals(87, source.utilization(H100_1).orElseThrow().percent());
  }

  private void collect() {
    source.collect(new MetricBatch(MetricCatalog.load(), 1));
  }
}
