package io.telegen.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code telegen-agent collect} and {@code check} on the fake training node: a torchrun rank 0
 * writing through tensorboardX and a Keras worker writing TensorFlow tensors are found with their
 * rank and job, and their latest loss, step, learning rate and gradient norm are printed exactly.
 */
class TrainingCollectTest {

  @TempDir
  Path dir;

  private Path config;

  @BeforeEach
  void node() throws Exception {
    Path proc = TrainingNode.create(dir);
    config = Files.writeString(dir.resolve("agent.yaml"), """
        agent:
          proc_root: %s
          self_telemetry:
            enabled: false
          gpu:
            enabled: false
          aiml:
            frameworks:
              vllm:
                enabled: false
            training:
              enabled: true
        """.formatted(proc));
  }

  @Test
  void collectPrintsTheTensorboardXRunsLatestValuesWithRankAndJob() {
    String text = FrameworkSourcesTest.run("collect", config);
    String run = "run_dir=\"" + dir.resolve(TrainingNode.TORCH_RUN) + "\"";
    String rank0 = "job=\"llama-finetune\",framework=\"pytorch\",node=\"" + AgentInfo.hostName()
        + "\",pid=\"3001\",rank=\"0\"," + run;
    assertEquals(1.75, value(text, "training_loss", rank0));
    assertEquals(40, value(text, "training_step", rank0));
    assertEquals((double) 2.0e-5f, value(text, "training_learning_rate", rank0));
    assertEquals(0.5, value(text, "training_gradient_norm", rank0));
    assertEquals(1.0, value(text, "training_epoch", rank0));
  }

  @Test
  void collectPrintsTheTensorflowTensorRunsLatestValues() {
    String text = FrameworkSourcesTest.run("collect", config);
    String worker = "job=\"keras_mnist\",framework=\"tensorflow\",node=\"" + AgentInfo.hostName()
        + "\",pid=\"3100\",rank=\"1\",run_dir=\"" + dir.resolve(TrainingNode.KERAS_RUN) + "\"";
    assertEquals(0.25, value(text, "training_loss", worker));
    assertEquals(2, value(text, "training_step", worker));
    assertEquals((double) 0.00025f, value(text, "training_learning_rate", worker));
    assertFalse(text.contains("validation"), "Keras' validation run is not training:\n" + text);
  }

  @Test
  void checkNamesEachTrainingProcessWithWhyItWasTakenForOne() {
    String text = FrameworkSourcesTest.run("check", config);
    assertTrue(text.contains("training: pytorch pid 3001, job llama-finetune, rank 0 (RANK=0 "
        + "WORLD_SIZE=2, loads pytorch)"), text);
    assertTrue(text.contains("training: tensorflow pid 3100, job keras_mnist, rank 1 (TF_CONFIG "
        + "set, loads tensorflow)"), text);
    assertTrue(text.contains("training: reading " + dir.resolve(TrainingNode.TORCH_RUN)
        + " (pid 3001)"), text);
    assertFalse(text.contains("pid 3000,"), "the torchrun launcher is not a rank:\n" + text);
    assertFalse(text.contains("pid 3300,"), "the vLLM server is not training:\n" + text);
  }

  private static double value(String text, String metric, String labels) {
    Matcher m = Pattern.compile("(?m)^" + metric + "\\{" + Pattern.quote(labels) + "\\} (\\S+)$")
        .matcher(text);
    if (!m.find()) {
      fail("no " + metric + "{" + labels + "} in:\n" + text);
    }
    return Double.parseDouble(m.group(1));
  }
}
