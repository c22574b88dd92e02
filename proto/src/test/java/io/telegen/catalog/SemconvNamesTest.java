package io.telegen.catalog;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class SemconvNamesTest {

  private static final MetricCatalog CATALOG = MetricCatalog.load();

  @Test
  void everyCatalogMetricIsMappedOrSaysWhyNot() {
    SemconvNames names = SemconvNames.load(CATALOG);
    for (MetricDefinition metric : CATALOG.metrics()) {
      assertTrue(
          names.find(metric.name()).isPresent() ^ names.none().containsKey(metric.name()),
          metric.name());
    }
  }

  @Test
  void gpuUtilizationBecomesAHardwareRatio() {
    SemconvName name = SemconvNames.load(CATALOG).find("gpu_utilization_percent").orElseThrow();
    assertEquals("hw.gpu.utilization", name.name());
    assertEquals("1", name.unit());
    assertEquals(0.01, name.scale());
    assertEquals(Map.of("hw.gpu.task", "general"), name.attributes());
    assertEquals(
        "gen_ai.server.time_to_first_token",
        SemconvNames.load(CATALOG).find("llm_time_to_first_token_seconds").orElseThrow().name());
    assertEquals("hw.id", SemconvNames.load(CATALOG).labels().get("uuid"));
  }

  @Test
  void aCatalogMetricLeftOutIsReported() {
    Map<String, Object> document = shippedWithout("gpu_sm_clock_hz");
    IllegalStateException e =
        assertThrows(
            IllegalStateException.class, () -> SemconvNames.parse(document, CATALOG, "test"));
    assertTrue(
        e.getMessage().contains("gpu_sm_clock_hz is neither mapped nor under none"),
        e.getMessage());
  }

  @Test
  void anUnknownMetricAndABadNameAreReported() {
    Map<String, Object> document = shippedWithout("gpu_sm_clock_hz");
    @SuppressWarnings("unchecked")
    Map<String, Object> mapped = (Map<String, Object>) document.get("mapped");
    mapped.put("gpu_sm_clock_hz", Map.of("name", "GPU Clock", "unit", "Hz"));
    mapped.put("gpu_made_up", Map.of("name", "hw.made.up", "unit", "1"));
    IllegalStateException e =
        assertThrows(
            IllegalStateException.class, () -> SemconvNames.parse(document, CATALOG, "test"));
    assertTrue(e.getMessage().contains("gpu_made_up is not in the metric catalog"), e.getMessage());
    assertTrue(e.getMessage().contains("got GPU Clock"), e.getMessage());
  }

  /** The shipped document, as parsed YAML, with one metric taken out of both sections. */
  private static Map<String, Object> shippedWithout(String metric) {
    SemconvNames names = SemconvNames.load(CATALOG);
    Map<String, Object> mapped = new LinkedHashMap<>();
    names
        .mapped()
        .forEach(
            (m, n) ->
                mapped.put(
                    m,
                    Map.of(
                        "name",
                        n.name(),
                        "unit",
                        n.unit(),
                        "scale",
                        n.scale(),
                        "attributes",
                        n.attributes())));
    Map<String, Object> none = new LinkedHashMap<>(names.none());
    mapped.remove(metric);
    none.remove(metric);
    Map<String, Object> document = new LinkedHashMap<>();
    document.put("labels", new LinkedHashMap<>(names.labels()));
    document.put("mapped", mapped);
    document.put("none", none);
    return document;
  }
}
