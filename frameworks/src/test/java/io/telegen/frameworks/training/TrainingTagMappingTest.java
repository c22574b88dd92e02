package io.telegen.frameworks.training;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class TrainingTagMappingTest {

  private final TrainingTagMapping defaults = TrainingTagMapping.defaults();

  @Test
  void mapsTheSpellingsOfHfTrainerLightningKerasCluAndPlainLoops() {
    Map<String, String> expected =
        Map.ofEntries(
            Map.entry("train/loss", "training_loss"), // HF Trainer
            Map.entry("train/learning_rate", "training_learning_rate"),
            Map.entry("train/grad_norm", "training_gradient_norm"),
            Map.entry("train/epoch", "training_epoch"),
            Map.entry("train/train_samples_per_second", "training_throughput_samples_per_second"),
            Map.entry("train_loss_step", "training_loss"), // Lightning
            Map.entry("lr-AdamW", "training_learning_rate"),
            Map.entry("lr-Adam/pg1", "training_learning_rate"),
            Map.entry("epoch", "training_epoch"),
            Map.entry("epoch_loss", "training_loss"), // Keras
            Map.entry("epoch_learning_rate", "training_learning_rate"),
            Map.entry("Loss/train", "training_loss"), // tutorial loops
            Map.entry("train_loss", "training_loss"), // CLU
            Map.entry("learning_rate", "training_learning_rate"),
            Map.entry("global_norm", "training_gradient_norm"));
    expected.forEach((tag, metric) -> assertEquals(metric, defaults.metricFor(tag), tag));
  }

  @Test
  void mapsOpenTelemetryNamesToTheSameMetrics() {
    assertEquals("training_loss", defaults.metricFor("training.loss"));
    assertEquals("training_loss", defaults.metricFor("train.loss"));
    assertEquals("training_step", defaults.metricFor("training.step"));
    assertEquals("training_learning_rate", defaults.metricFor("training.learning_rate"));
    assertEquals("training_loss", defaults.metricFor("training_loss"));
    assertEquals(
        "training_throughput_samples_per_second", defaults.metricFor("training.throughput"));
  }

  @Test
  void leavesEvaluationAndUnrelatedTagsAlone() {
    for (String tag :
        List.of(
            "eval/loss",
            "val_loss",
            "validation/epoch_loss",
            "test/loss",
            "eval_accuracy",
            "accuracy",
            "http.server.duration",
            "gpu_utilization_percent",
            "loss_scale_factor")) {
      assertNull(defaults.metricFor(tag), tag);
    }
  }

  @Test
  void operatorRulesComeFirstAndCanClaimAnyTag() {
    TrainingTagMapping mapping =
        TrainingTagMapping.withRules(
            Map.of(
                "training_loss", List.of("objective/*"),
                "training_gradient_norm", List.of("Loss/train")));
    assertEquals("training_loss", mapping.metricFor("objective/nll"));
    assertEquals("training_gradient_norm", mapping.metricFor("Loss/train"));
    assertEquals("training_learning_rate", mapping.metricFor("lr-SGD")); // table still applies
  }

  @Test
  void refusesAMetricThatIsNotATrainingMetric() {
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () -> TrainingTagMapping.withRules(Map.of("gpu_utilization_percent", List.of("x"))));
    assertTrue(e.getMessage().contains("training_loss"), e.getMessage());
  }

  @Test
  void globStarMatchesAnyRun() {
    assertTrue(TrainingTagMapping.matches("lr-*", "lr-adamw/pg1"));
    assertTrue(TrainingTagMapping.matches("*loss*", "my_loss_total"));
    assertFalse(TrainingTagMapping.matches("lr-*", "lr"));
    assertFalse(TrainingTagMapping.matches("loss", "losses"));
  }
}
