package io.telegen.frameworks.training;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.telegen.catalog.MetricCatalog;
import io.telegen.catalog.MetricDefinition;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class TrainingFrameworksTest {

  private static final MetricCatalog CATALOG = MetricCatalog.load();

  @Test
  void everyTrainingFrameworkIsAFrameworkLabelValueOfTheCatalog() {
    assertEquals(List.of("pytorch", "tensorflow", "jax"), TrainingFrameworks.NAMES);
    String framework = CATALOG.labels().get("framework");
    for (String name : TrainingFrameworks.NAMES) {
      assertTrue(framework.contains(name), name + " in: " + framework);
    }
  }

  @Test
  void everyTagMappableMetricIsACatalogTfeventsMetricWithItsOwnNameAsASpelling() {
    assertEquals(
        Set.of(
            "training_loss",
            "training_step",
            "training_epoch",
            "training_learning_rate",
            "training_throughput_samples_per_second",
            "training_gradient_norm"),
        TrainingTagMapping.METRICS);
    TrainingTagMapping defaults = TrainingTagMapping.defaults();
    for (String metric : TrainingTagMapping.METRICS) {
      MetricDefinition definition = CATALOG.get(metric);
      assertTrue(definition.sources().contains("tfevents"), metric);
      assertEquals(metric, defaults.metricFor(metric), "an OTLP push under its own name");
    }
  }
}
