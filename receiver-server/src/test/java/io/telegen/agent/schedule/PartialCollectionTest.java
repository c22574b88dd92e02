package io.telegen.agent.schedule;

import static io.telegen.agent.schedule.TestSources.awaitTrue;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.metrics.v1.Metric;
import io.opentelemetry.proto.metrics.v1.NumberDataPoint;
import io.telegen.agent.telemetry.AgentTelemetry;
import io.telegen.catalog.MetricCatalog;
import io.telegen.gpu.infiniband.InfinibandSource;
import io.telegen.source.MetricBatch;
import io.telegen.testsupport.GpuTestResources;
import io.telegen.testsupport.LogLines;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Logger;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A real source that reads some of what it reads, through the scheduler: the gpu module's
 * {@code broken-port} sysfs tree (one good HCA port, one whose counter reads "N/A").
 */
class PartialCollectionTest {

  private static final Path BROKEN_PORT = GpuTestResources.infinibandSysRoot("broken-port");
  private static final Logger SCHEDULER_LOG = Logger.getLogger(SourceScheduler.class.getName());

  @TempDir Path sys;

  private final MetricCatalog catalog = MetricCatalog.load();
  private final AgentTelemetry telemetry = new AgentTelemetry(0);
  private final List<MetricBatch> delivered = new CopyOnWriteArrayList<>();
  private final SourceScheduler scheduler =
      new SourceScheduler(
          catalog, telemetry, (source, batch) -> delivered.add(batch), Clock.systemUTC());
  // On a loaded machine a 30 ms cycle can overrun; those lines have tests of their own.
  private final LogLines log = LogLines.of(SCHEDULER_LOG, line -> !line.contains("its collection"));

  @AfterEach
  void tearDown() {
    scheduler.close();
    log.close();
  }

  @Test
  void aBrokenInfinibandPortCostsOnlyItsOwnSeriesAndIsLoggedOnceThenOnceWhenFixed()
      throws Exception {
    copyTree(BROKEN_PORT, sys);
    Path badCounter = sys.resolve("class/infiniband/mlx5_1/ports/1/counters/port_xmit_data");
    scheduler.schedule(
        InfinibandSource.builder().sysRoot(sys).nodeName("n1").build(), Duration.ofMillis(40));

    awaitTrue(() -> delivered.size() >= 4);
    for (MetricBatch batch : delivered) {
      assertEquals(
          Map.of(
              "infiniband_tx_bytes_total{ib_device=mlx5_0, node=n1, port=1}", 48.0,
              "infiniband_rx_bytes_total{ib_device=mlx5_0, node=n1, port=1}", 136.0),
          points(batch));
    }
    assertTrue(errorsPartial() >= 4, "each partial cycle is counted: " + errorsPartial());
    assertEquals(
        List.of(
            "WARNING source infiniband: "
                + badCounter
                + ": InfiniBand counter is "
                + "not a number (\"N/A (not supported)\"); this port is skipped"),
        log.lines());

    Files.writeString(badCounter, "7\n");
    awaitTrue(() -> points(delivered.get(delivered.size() - 1)).size() == 4);
    double partialWhenFixed = errorsPartial();
    int deliveredWhenFixed = delivered.size();
    awaitTrue(() -> delivered.size() >= deliveredWhenFixed + 3);

    assertEquals(
        28.0,
        points(delivered.get(delivered.size() - 1))
            .get("infiniband_tx_bytes_total{ib_device=mlx5_1, node=n1, port=1}"));
    assertEquals(partialWhenFixed, errorsPartial(), "a clean cycle is not counted");
    assertEquals(
        List.of(
            "WARNING source infiniband: "
                + badCounter
                + ": InfiniBand counter is "
                + "not a number (\"N/A (not supported)\"); this port is skipped",
            "INFO source infiniband: cleared: "
                + badCounter
                + ": InfiniBand counter is "
                + "not a number (\"N/A (not supported)\"); this port is skipped"),
        log.lines());
  }

  private double errorsPartial() {
    MetricBatch batch = new MetricBatch(catalog, 0);
    telemetry.collect(batch);
    for (Metric metric : batch.metrics()) {
      if (metric.getName().equals("telegen_agent_collection_errors_total")) {
        for (NumberDataPoint p : metric.getSum().getDataPointsList()) {
          if (p.getAttributesList().toString().contains("partial")) {
            return p.getAsDouble();
          }
        }
      }
    }
    return 0;
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

  private static void copyTree(Path from, Path to) throws IOException {
    try (Stream<Path> paths = Files.walk(from)) {
      for (Path path : paths.toList()) {
        Path target = to.resolve(from.relativize(path).toString());
        if (Files.isDirectory(path)) {
          Files.createDirectories(target);
        } else {
          Files.copy(path, target);
        }
      }
    }
  }
}
