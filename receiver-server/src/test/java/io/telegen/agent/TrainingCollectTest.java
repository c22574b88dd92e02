package io.telegen.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.telegen.testsupport.BuildOutputs;
import io.telegen.testsupport.GpuTestResources;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
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

  @TempDir Path dir;

  private Path proc;
  private Path config;

  @BeforeEach
  void node() throws Exception {
    proc = TrainingNode.create(dir);
    config =
        Files.writeString(
            dir.resolve("agent.yaml"),
            """
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
        """
                .formatted(proc));
  }

  @Test
  void collectPrintsTheTensorboardXRunsLatestValuesWithRankAndJob() {
    String text = FrameworkSourcesTest.run("collect", config);
    String run = "run_dir=\"" + dir.resolve(TrainingNode.TORCH_RUN) + "\"";
    String rank0 =
        "job=\"llama-finetune\",framework=\"pytorch\",node=\""
            + AgentInfo.nodeName()
            + "\",pid=\"3001\",rank=\"0\","
            + run;
    assertEquals(1.75, value(text, "training_loss", rank0));
    assertEquals(40, value(text, "training_step", rank0));
    assertEquals((double) 2.0e-5f, value(text, "training_learning_rate", rank0));
    assertEquals(0.5, value(text, "training_gradient_norm", rank0));
    assertEquals(1.0, value(text, "training_epoch", rank0));
  }

  @Test
  void collectPrintsTheTensorflowTensorRunsLatestValues() {
    String text = FrameworkSourcesTest.run("collect", config);
    String worker =
        "job=\"keras_mnist\",framework=\"tensorflow\",node=\""
            + AgentInfo.nodeName()
            + "\",pid=\"3100\",rank=\"1\",run_dir=\""
            + dir.resolve(TrainingNode.KERAS_RUN)
            + "\"";
    assertEquals(0.25, value(text, "training_loss", worker));
    assertEquals(2, value(text, "training_step", worker));
    assertEquals((double) 0.00025f, value(text, "training_learning_rate", worker));
    assertFalse(text.contains("validation"), "Keras' validation run is not training:\n" + text);
  }

  @Test
  void checkNamesEachTrainingProcessWithWhyItWasTakenForOne() {
    String text = FrameworkSourcesTest.run("check", config);
    assertTrue(
        text.contains(
            "training: pytorch pid 3001, job llama-finetune, rank 0 (RANK=0 "
                + "WORLD_SIZE=2, loads pytorch)"),
        text);
    assertTrue(
        text.contains(
            "training: tensorflow pid 3100, job keras_mnist, rank 1 (TF_CONFIG "
                + "set, loads tensorflow)"),
        text);
    assertTrue(
        text.contains("training: reading " + dir.resolve(TrainingNode.TORCH_RUN) + " (pid 3001)"),
        text);
    assertFalse(text.contains("pid 3000,"), "the torchrun launcher is not a rank:\n" + text);
    assertFalse(text.contains("pid 3300,"), "the vLLM server is not training:\n" + text);
  }

  @Test
  void eachRanksGpuUtilizationComesFromTheNvidiaSourcesProcessTable() throws Exception {
    Path library = BuildOutputs.fakeNvml();
    // Rank 0 (pid 3001) has a context on GPU 0 (100 % busy) and GPU 1 (87 %), rank 1 on GPU 1.
    GpuTestResources.useNvmlScenario("two-ranks-on-two-gpus");
    Path withGpus =
        Files.writeString(
            dir.resolve("agent-gpus.yaml"),
            """
        agent:
          proc_root: %s
          self_telemetry:
            enabled: false
          gpu:
            nvml_library: %s
            nccl_dir: %s
            sys_root: %s
          aiml:
            frameworks:
              vllm:
                enabled: false
            training:
              enabled: true
        """
                .formatted(proc, library, dir.resolve("shm"), dir.resolve("sys")));

    String text = FrameworkSourcesTest.run("collect", withGpus);

    String rank =
        "job=\"llama-finetune\",framework=\"pytorch\",node=\""
            + AgentInfo.nodeName()
            + "\",pid=\"%d\",rank=\"%d\",device=\"%d\",uuid=\"%s\"";
    String gpu0 = "GPU-c6f87718-6d76-407e-881e-d162ae2eb154";
    String gpu1 = "GPU-ec66a787-95e7-41d1-b731-af10506bf2ef";
    assertEquals(
        100, value(text, "training_gpu_utilization_percent", rank.formatted(3001, 0, 0, gpu0)));
    assertEquals(
        87, value(text, "training_gpu_utilization_percent", rank.formatted(3001, 0, 1, gpu1)));
    assertEquals(
        87, value(text, "training_gpu_utilization_percent", rank.formatted(3002, 1, 1, gpu1)));
    assertEquals(
        3,
        Pattern.compile("(?m)^training_gpu_utilization_percent\\{").matcher(text).results().count(),
        text);

    // The GPU series carry the job of the ranks that use them, and the node, for the spec's
    // sum(gpu_utilization_percent{job="..."}) and gpu_memory_used_bytes{job="..."} by (node).
    String job = ",job=\"llama-finetune\",node=\"" + AgentInfo.nodeName() + "\"";
    assertTrue(gpuSeries(text, "gpu_utilization_percent", gpu0).contains(job + "} 100"), text);
    assertTrue(gpuSeries(text, "gpu_memory_used_bytes", gpu1).contains(job + "}"), text);
    // A process's own series carry its own job when it is a rank, never its device's.
    List<String> processes =
        text.lines().filter(l -> l.startsWith("gpu_process_memory_bytes{")).toList();
    assertFalse(processes.isEmpty(), text);
    for (String line : processes) {
      boolean ofRank = line.contains("pid=\"3001\"") || line.contains("pid=\"3002\"");
      assertEquals(ofRank, line.contains(job + "}"), line);
      assertEquals(ofRank, line.contains("job="), line);
    }
  }

  /** The one line of {@code metric} for the GPU {@code uuid}. */
  private static String gpuSeries(String text, String metric, String uuid) {
    Matcher m =
        Pattern.compile(
                "(?m)^" + metric + "\\{[^}]*uuid=\"" + Pattern.quote(uuid) + "\"[^}]*\\} \\S+$")
            .matcher(text);
    if (!m.find()) {
      fail("no " + metric + " of " + uuid + " in:\n" + text);
    }
    return m.group();
  }

  private static double value(String text, String metric, String labels) {
    Matcher m =
        Pattern.compile("(?m)^" + metric + "\\{" + Pattern.quote(labels) + "\\} (\\S+)$")
            .matcher(text);
    if (!m.find()) {
      fail("no " + metric + "{" + labels + "} in:\n" + text);
    }
    return Double.parseDouble(m.group(1));
  }
}
