package io.telegen.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.telegen.testsupport.BuildOutputs;
import io.telegen.testsupport.GpuTestResources;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The GPU process table on an AMD node: the fake training node's torchrun ranks on two MI250X
 * GCDs, read through AMD SMI, get their GPU's {@code device}, {@code uuid} and utilisation on the
 * training series, and the GCDs' series get the job, as on NVIDIA.
 */
class AmdTrainingCollectTest {

  @TempDir Path dir;

  @Test
  void eachRanksGpuUtilizationComesFromTheAmdSourcesProcessTable() throws Exception {
    Path proc = TrainingNode.create(dir);
    GpuTestResources.useAmdSmiScenario("two-ranks-on-two-mi250x-gcds");
    Path config =
        Files.writeString(
            dir.resolve("agent.yaml"),
            """
        agent:
          proc_root: %s
          self_telemetry:
            enabled: false
          gpu:
            nvidia: false
            amd: true
            amd_smi_library: %s
            nccl_dir: %s
            sys_root: %s
          aiml:
            frameworks:
              vllm:
                enabled: false
            training:
              enabled: true
        """
                .formatted(
                    proc,
                    BuildOutputs.fakeAmdSmi("current"),
                    dir.resolve("shm"),
                    dir.resolve("sys")));

    String text = FrameworkSourcesTest.run("collect", config);

    String rank =
        "job=\"llama-finetune\",framework=\"pytorch\",node=\""
            + AgentInfo.nodeName()
            + "\",pid=\"%d\",rank=\"%d\",device=\"%d\",uuid=\"%s\"";
    String gcd0 = "36ff740c-0000-1000-80a1-9e3c6a1b7d10";
    String gcd1 = "37ff740c-0000-1000-80a2-9e3c6a1b7d11";
    assertEquals(
        100, value(text, "training_gpu_utilization_percent", rank.formatted(3001, 0, 0, gcd0)));
    assertEquals(
        87, value(text, "training_gpu_utilization_percent", rank.formatted(3001, 0, 1, gcd1)));
    assertEquals(
        87, value(text, "training_gpu_utilization_percent", rank.formatted(3002, 1, 1, gcd1)));
    String job = ",job=\"llama-finetune\",node=\"" + AgentInfo.nodeName() + "\"";
    assertTrue(gpuSeries(text, "gpu_utilization_percent", gcd0).contains(job + "} 100"), text);
    assertTrue(gpuSeries(text, "gpu_memory_used_bytes", gcd1).contains(job + "}"), text);
    assertTrue(gpuSeries(text, "gpu_utilization_percent", gcd0).contains("vendor=\"amd\""), text);
  }

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
