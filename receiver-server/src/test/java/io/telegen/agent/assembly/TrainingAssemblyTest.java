package io.telegen.agent.assembly;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.telegen.frameworks.training.TrainingJobSource;
import io.telegen.testsupport.Repository;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Training: what is said when it is off, when nothing trains, and about a run being written under
 * {@code log_dirs}; whether its metrics are exported; how the receiver renames what jobs push.
 */
class TrainingAssemblyTest {

  private static final Path EVENTS =
      Repository.file(
          "frameworks/src/test/resources/tfevents/"
              + "hf_trainer/events.out.tfevents.1700000000.fixture-host");

  @TempDir Path dir;

  @Test
  void offSaysSoAndRenamesNothing() throws Exception {
    Assembled training = new TrainingAssembly().assemble(TestNodes.node(""));
    assertEquals(
        List.of("training: off (agent.aiml.training.enabled: false)"), training.findings());
    assertEquals(List.of(), training.sources());
    assertTrue(training.metricNames().isEmpty());
  }

  @Test
  void withNothingTrainingItSaysWhereItLookedAndKeepsLooking() throws Exception {
    Files.createDirectories(dir.resolve("tb"));
    Assembled training =
        new TrainingAssembly()
            .assemble(
                node(
                    """
        detect_frameworks: [pytorch, jax]
        log_dirs: [%s]
        """
                        .formatted(dir.resolve("tb"))));
    assertEquals(
        List.of(
            "training: no pytorch, jax training process under "
                + dir.resolve("proc")
                + " and no run being written under ["
                + dir.resolve("tb")
                + "]; looking again every 30s"),
        training.findings());
    ScheduledSource source = training.sources().get(0);
    assertInstanceOf(TrainingJobSource.class, source.source());
    assertEquals(Duration.ofSeconds(10), source.interval());
    assertTrue(source.exported());
  }

  @Test
  void aRunUnderLogDirsIsNamedAndNotExportedWhenExportIsOff() throws Exception {
    Path run = dir.resolve("tb/llama");
    Files.createDirectories(run);
    Files.copy(EVENTS, run.resolve("events.out.tfevents.1764320000.node-a.3002.0"));
    Assembled training =
        new TrainingAssembly()
            .assemble(
                node(
                    """
        export_metrics: false
        log_dirs: [%s]
        """
                        .formatted(dir.resolve("tb"))));
    assertEquals(
        List.of("training: reading " + run + " (under log_dirs, job llama)"), training.findings());
    assertFalse(training.sources().get(0).exported(), "collect shows it, run does not send it");

    Assembled none = new TrainingAssembly().assemble(node("export_metrics: false\n"));
    assertTrue(
        none.findings()
            .get(0)
            .endsWith(
                "; looking again every 30s (shown by collect, "
                    + "not exported: agent.aiml.training.export_metrics: false)"),
        none.findings().toString());
  }

  @Test
  void theReceiverRenamesTrainingSpellingsToTheTrainingNamesAndKeepsTheRest() throws Exception {
    Assembled training =
        new TrainingAssembly()
            .assemble(
                node(
                    """
        tag_mapping:
          training_loss: [my/loss]
        """));
    UnaryOperator<String> names = training.metricNames().orElseThrow();
    assertEquals("training_loss", names.apply("my/loss"));
    assertEquals("accuracy", names.apply("accuracy"));
  }

  private NodeContext node(String trainingYaml) throws Exception {
    return TestNodes.node(
        """
        proc_root: %s
        aiml:
          training:
            enabled: true
        %s"""
            .formatted(Files.createDirectories(dir.resolve("proc")), trainingYaml.indent(4)));
  }
}
