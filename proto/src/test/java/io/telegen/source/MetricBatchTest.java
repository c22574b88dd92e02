package io.telegen.source;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.opentelemetry.proto.metrics.v1.Metric;
import io.telegen.catalog.MetricCatalog;
import io.telegen.catalog.TestCatalogs;
import org.junit.jupiter.api.Test;

class MetricBatchTest {

  private final MetricCatalog planned = TestCatalogs.parse("planned.yaml");

  @Test
  void takesTypeUnitAndDescriptionFromTheCatalog() {
    MetricBatch batch = new MetricBatch(MetricCatalog.load(), 7);
    batch.gauge("gpu_up", 1, gpuLabels());
    Metric metric = batch.metrics().get(0);
    assertEquals("gpu_up", metric.getName());
    assertEquals("1", metric.getUnit());
    assertEquals(MetricCatalog.load().get("gpu_up").description(), metric.getDescription());
    assertEquals(7, metric.getGauge().getDataPoints(0).getTimeUnixNano());
    assertEquals(1, batch.pointCount());
  }

  @Test
  void refusesWhatTheCatalogDoesNotHave() {
    MetricBatch batch = new MetricBatch(MetricCatalog.load(), 1);
    IllegalArgumentException unknown =
        assertThrows(
            IllegalArgumentException.class,
            () -> batch.gauge("gpu_utilisation_percent", 1, gpuLabels()));
    assertTrue(unknown.getMessage().contains("gpu_utilisation_percent"), unknown.getMessage());
    IllegalArgumentException label =
        assertThrows(
            IllegalArgumentException.class,
            () -> batch.gauge("gpu_up", 1, gpuLabels().and("pod", "p")));
    assertTrue(label.getMessage().contains("'pod' is not declared"), label.getMessage());
    IllegalArgumentException type =
        assertThrows(
            IllegalArgumentException.class, () -> batch.counter("gpu_up", 1, 0, gpuLabels()));
    assertTrue(type.getMessage().contains("gauge"), type.getMessage());
    assertTrue(batch.isEmpty());
  }

  @Test
  void labelsThatFitOneMetricAreCheckedAgainForAnotherAndRefusedLabelsEveryTime() {
    MetricCatalog catalog = MetricCatalog.load();
    Labels gpu = gpuLabels();
    Labels withPod = gpu.and("pod", "p");
    for (int cycle = 0; cycle < 2; cycle++) {
      MetricBatch batch = new MetricBatch(catalog, cycle);
      batch.gauge("gpu_up", 1, gpu);
      batch.gauge("gpu_temperature_celsius", 40, gpu);
      IllegalArgumentException other =
          assertThrows(
              IllegalArgumentException.class, () -> batch.gauge("llm_tokens_per_second", 1, gpu));
      assertTrue(other.getMessage().contains("label 'model' is required"), other.getMessage());
      IllegalArgumentException undeclared =
          assertThrows(IllegalArgumentException.class, () -> batch.gauge("gpu_up", 1, withPod));
      assertTrue(
          undeclared.getMessage().contains("'pod' is not declared"), undeclared.getMessage());
      assertEquals(2, batch.pointCount(), "cycle " + cycle);
    }
  }

  @Test
  void takesTheEmptyLabelsWhereTheCatalogDeclaresNone() {
    for (int cycle = 0; cycle < 2; cycle++) {
      MetricBatch batch = new MetricBatch(MetricCatalog.load(), cycle);
      batch.gauge("telegen_agent_queue_length", 3, Labels.empty());
      assertEquals(1, batch.pointCount(), "cycle " + cycle);
    }
  }

  @Test
  void refusesAMetricNothingIsBuiltToEmit() {
    MetricBatch batch = new MetricBatch(planned, 1);
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () -> batch.gauge("gpu_fan_speed_percent", 50, Labels.of("device", "0")));
    assertTrue(
        e.getMessage()
            .startsWith(
                "gpu_fan_speed_percent is planned in the metric catalog" + " (issue 12: AMD GPUs)"),
        e.getMessage());
    assertTrue(e.getMessage().contains("remove its planned sources"), e.getMessage());
    assertTrue(batch.isEmpty());
  }

  @Test
  void refusesAPlannedLabelButKeepsTheBuiltSeries() {
    MetricBatch batch = new MetricBatch(planned, 1);
    batch.gauge("gpu_utilization_percent", 80, Labels.of("device", "0"));
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () ->
                batch.gauge(
                    "gpu_utilization_percent",
                    80,
                    Labels.of("device", "1", "k8s_pod", "trainer-0")));
    assertTrue(
        e.getMessage()
            .contains(
                "label 'k8s_pod' is planned in the metric catalog"
                    + " (issue 11: Kubernetes pods)"),
        e.getMessage());
    assertEquals(1, batch.pointCount());
  }

  private static Labels gpuLabels() {
    return Labels.of(
        "device",
        "0",
        "name",
        "H100",
        "uuid",
        "GPU-0",
        "pci_bus_id",
        "00000000:18:00.0",
        "vendor",
        "nvidia");
  }
}
