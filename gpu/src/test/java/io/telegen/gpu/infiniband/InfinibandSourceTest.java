package io.telegen.gpu.infiniband;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.metrics.v1.Metric;
import io.opentelemetry.proto.metrics.v1.NumberDataPoint;
import io.telegen.catalog.MetricCatalog;
import io.telegen.source.MetricBatch;
import io.telegen.source.PartialCollectionException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Fake sysfs trees under {@code src/test/resources/infiniband/} (see its README). */
class InfinibandSourceTest {

  private static final Path TREES = moduleDir().resolve("src/test/resources/infiniband");
  private static final MetricCatalog CATALOG = MetricCatalog.load();

  @Test
  void portCountersAreReportedInBytesPerDeviceAndPort() throws Exception {
    InfinibandSource source = source("two-hcas");

    Map<String, Double> got = collect(source);

    assertEquals(
        Map.of(
            // 1000 words x 4 = 4000 bytes sent, 250 x 4 = 1000 received
            "infiniband_tx_bytes_total{ib_device=mlx5_0, node=n1, port=1}", 4000.0,
            "infiniband_rx_bytes_total{ib_device=mlx5_0, node=n1, port=1}", 1000.0,
            // the unsigned 64-bit maximum, read as unsigned: (2^64 - 1) x 4
            "infiniband_tx_bytes_total{ib_device=mlx5_1, node=n1, port=1}", 4.0 * 0x1p64,
            "infiniband_rx_bytes_total{ib_device=mlx5_1, node=n1, port=1}", 0.0),
        got);
    assertEquals("InfiniBand: mlx5_0 port 1, mlx5_1 port 1", source.describe());
  }

  @Test
  void nodeWithoutInfinibandSaysSoAndEmitsNothing() throws Exception {
    InfinibandSource source = source("no-ib");

    assertEquals(Map.of(), collect(source));
    assertTrue(source.describe().startsWith("InfiniBand: none found under "), source.describe());
  }

  @Test
  void garbageCounterSkipsThatPortWithAClearErrorAndReportsTheOthers() {
    InfinibandSource source = source("broken-port");
    MetricBatch batch = new MetricBatch(CATALOG, 1);

    PartialCollectionException e =
        assertThrows(PartialCollectionException.class, () -> source.collect(batch));

    assertEquals(1, e.problems().size());
    assertEquals("mlx5_1/1", e.problems().get(0).key());
    assertTrue(
        e.problems()
            .get(0)
            .message()
            .endsWith(
                "mlx5_1/ports/1/counters/port_xmit_data: "
                    + "InfiniBand counter is not a number (\"N/A (not supported)\"); this port is skipped"),
        e.getMessage());
    assertEquals(
        Map.of(
            "infiniband_tx_bytes_total{ib_device=mlx5_0, node=n1, port=1}", 48.0,
            "infiniband_rx_bytes_total{ib_device=mlx5_0, node=n1, port=1}", 136.0),
        points(batch));
  }

  @Test
  void unreadableCounterSkipsThatPortWithAClearError(@TempDir Path sys) throws Exception {
    Path good = Files.createDirectories(sys.resolve("class/infiniband/mlx5_0/ports/1/counters"));
    Files.writeString(good.resolve("port_xmit_data"), "1\n");
    Files.writeString(good.resolve("port_rcv_data"), "2\n");
    Path bad = Files.createDirectories(sys.resolve("class/infiniband/mlx5_2/ports/2/counters"));
    Files.writeString(bad.resolve("port_xmit_data"), "3\n");
    Files.createDirectories(bad.resolve("port_rcv_data")); // a directory cannot be read as text
    InfinibandSource source = InfinibandSource.builder().sysRoot(sys).build();
    MetricBatch batch = new MetricBatch(CATALOG, 1);

    PartialCollectionException e =
        assertThrows(PartialCollectionException.class, () -> source.collect(batch));

    assertEquals("mlx5_2/2", e.problems().get(0).key());
    assertTrue(
        e.problems()
            .get(0)
            .message()
            .startsWith(bad.resolve("port_rcv_data") + ": cannot read the InfiniBand counter"),
        e.getMessage());
    assertEquals(
        Map.of(
            "infiniband_tx_bytes_total{ib_device=mlx5_0, port=1}", 4.0,
            "infiniband_rx_bytes_total{ib_device=mlx5_0, port=1}", 8.0),
        points(batch));
  }

  private static InfinibandSource source(String tree) {
    return InfinibandSource.builder().sysRoot(TREES.resolve(tree)).nodeName("n1").build();
  }

  private static Map<String, Double> collect(InfinibandSource source) throws Exception {
    MetricBatch batch = new MetricBatch(CATALOG, 1);
    source.collect(batch);
    return points(batch);
  }

  private static Map<String, Double> points(MetricBatch batch) {
    Map<String, Double> points = new TreeMap<>();
    for (Metric metric : batch.metrics()) {
      for (NumberDataPoint p : metric.getSum().getDataPointsList()) {
        Map<String, String> labels = new TreeMap<>();
        for (KeyValue kv : p.getAttributesList()) {
          labels.put(kv.getKey(), kv.getValue().getStringValue());
        }
        points.put(metric.getName() + labels, p.getAsDouble());
      }
    }
    return points;
  }

  private static Path moduleDir() {
    Path cwd = Path.of("").toAbsolutePath();
    return Files.isDirectory(cwd.resolve("src/test/native")) ? cwd : cwd.resolve("gpu");
  }
}
