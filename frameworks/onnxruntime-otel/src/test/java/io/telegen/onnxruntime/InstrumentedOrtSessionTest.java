package io.telegen.onnxruntime;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.sdk.metrics.SdkMeterProvider;
import io.opentelemetry.sdk.metrics.data.HistogramPointData;
import io.opentelemetry.sdk.metrics.data.LongPointData;
import io.opentelemetry.sdk.metrics.data.MetricData;
import io.opentelemetry.sdk.metrics.data.PointData;
import io.opentelemetry.sdk.testing.exporter.InMemoryMetricReader;
import io.telegen.catalog.MetricCatalog;
import io.telegen.catalog.MetricDefinition;
import io.telegen.catalog.MetricType;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The real ONNX Runtime from Maven Central runs a real model file; the metrics follow its runs. */
class InstrumentedOrtSessionTest {

  private static final String SOURCE = "onnxruntime";
  private static final Path MODEL = Path.of("src/test/resources/models/tiny-mlp.onnx");

  private final InMemoryMetricReader reader = InMemoryMetricReader.create();
  private final SdkMeterProvider provider =
      SdkMeterProvider.builder().registerMetricReader(reader).build();

  @AfterEach
  void close() {
    provider.close();
  }

  @Test
  void runsAreCountedAndTimedWithTheAgentsNamesAndLabels() throws Exception {
    OrtEnvironment env = OrtEnvironment.getEnvironment();
    try (InstrumentedOrtSession session =
            InstrumentedOrtSession.wrap(
                env.createSession(Files.readAllBytes(MODEL), new OrtSession.SessionOptions()),
                "tiny-mlp",
                provider.get("test"));
        OnnxTensor x = OnnxTensor.createTensor(env, new float[][] {{1, 2, 3, 4}})) {
      for (int i = 0; i < 5; i++) {
        try (OrtSession.Result result = session.run(Map.of("x", x))) {
          float[][] y = (float[][]) result.get(0).getValue();
          // relu(x·W + b) for the weights in make_tiny_mlp.py
          assertArrayEquals(new float[] {0f, 5.2f, 3.7f}, y[0], 1e-5f);
        }
      }
      assertThrows(OrtException.class, () -> session.run(Map.of("not_an_input", x)));
    }

    Collection<MetricData> metrics = reader.collectAllMetrics();
    Attributes base =
        Attributes.of(
            InstrumentedOrtSession.MODEL,
            "tiny-mlp",
            InstrumentedOrtSession.INSTANCE,
            InstrumentedOrtSession.defaultInstance(),
            InstrumentedOrtSession.FRAMEWORK,
            "onnxruntime");
    MetricData requests = find(metrics, "llm_request_total");
    assertEquals(
        5, count(requests, base.toBuilder().put(InstrumentedOrtSession.STATUS, "ok").build()));
    assertEquals(
        1, count(requests, base.toBuilder().put(InstrumentedOrtSession.STATUS, "error").build()));
    assertEquals("{request}", requests.getUnit());

    MetricData duration = find(metrics, "llm_request_duration_seconds");
    assertEquals("s", duration.getUnit());
    HistogramPointData point = duration.getHistogramData().getPoints().iterator().next();
    assertEquals(base, point.getAttributes());
    assertEquals(6, point.getCount());
    assertEquals(InstrumentedOrtSession.BUCKETS, point.getBoundaries());
  }

  /**
   * The agent relays these metrics unchanged, so they must be what its catalog says the
   * {@code onnxruntime} source emits: the same names, types, units and labels, and all of them.
   */
  @Test
  void reportsWhatTheAgentsCatalogSaysOnnxRuntimeEmits() throws Exception {
    OrtEnvironment env = OrtEnvironment.getEnvironment();
    try (InstrumentedOrtSession session =
            InstrumentedOrtSession.wrap(
                env.createSession(Files.readAllBytes(MODEL), new OrtSession.SessionOptions()),
                "tiny-mlp",
                provider.get("test"));
        OnnxTensor x = OnnxTensor.createTensor(env, new float[][] {{1, 2, 3, 4}})) {
      session.run(Map.of("x", x)).close();
      assertThrows(OrtException.class, () -> session.run(Map.of("not_an_input", x)));
    }
    MetricCatalog catalog = MetricCatalog.load();
    Set<String> recorded = new TreeSet<>();
    for (MetricData metric : reader.collectAllMetrics()) {
      String name = metric.getName();
      recorded.add(name);
      MetricDefinition definition =
          catalog
              .find(name)
              .orElseThrow(
                  () -> new AssertionError(name + " is not in the agent's metric catalog"));
      assertTrue(
          definition.builtSources().contains(SOURCE), name + " lists " + definition.sources());
      assertEquals(definition.unit(), metric.getUnit(), name);
      MetricType type =
          switch (metric.getType()) {
            case LONG_SUM, DOUBLE_SUM -> MetricType.COUNTER;
            case HISTOGRAM -> MetricType.HISTOGRAM;
            default -> MetricType.GAUGE;
          };
      assertEquals(definition.type(), type, name);
      List<String> allowed = new ArrayList<>(definition.labels());
      allowed.addAll(definition.builtOptionalLabels());
      for (PointData point : metric.getData().getPoints()) {
        Set<String> labels = new TreeSet<>();
        point.getAttributes().forEach((key, value) -> labels.add(key.getKey()));
        assertTrue(labels.containsAll(definition.labels()), name + labels);
        assertTrue(allowed.containsAll(labels), name + labels + " allowed " + allowed);
      }
    }
    Set<String> promised = new TreeSet<>();
    for (MetricDefinition definition : catalog.metrics()) {
      if (definition.builtSources().contains(SOURCE)) {
        promised.add(definition.name());
      }
    }
    assertEquals(promised, recorded);
  }

  private static MetricData find(Collection<MetricData> metrics, String name) {
    return metrics.stream()
        .filter(m -> m.getName().equals(name))
        .findFirst()
        .orElseThrow(() -> new AssertionError(name + " not recorded: " + metrics));
  }

  private static long count(MetricData counter, Attributes attributes) {
    return counter.getLongSumData().getPoints().stream()
        .filter(p -> p.getAttributes().equals(attributes))
        .mapToLong(LongPointData::getValue)
        .findFirst()
        .orElse(-1);
  }
}
