package io.telegen.frameworks.training;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.telegen.frameworks.FakeProc;
import io.telegen.frameworks.training.TrainingProcessDiscovery.Result;
import io.telegen.frameworks.training.TrainingProcessDiscovery.RunDirectory;
import io.telegen.frameworks.training.TrainingProcessDiscovery.TrainingProcess;
import io.telegen.node.GpuProcessSnapshot;
import io.telegen.node.GpuProcessTable;
import io.telegen.node.GpuProcessTables;
import io.telegen.node.GpuRef;
import io.telegen.node.GpuVendor;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TrainingProcessDiscoveryTest {

  /** What the NVML process table says on the fake node. */
  private static final GpuProcessTable GPUS =
      GpuProcessTables.of(
          GpuProcessSnapshot.builder()
              .uses(3001, gpu(0))
              .uses(3002, gpu(1))
              .uses(3300, gpu(0))
              .uses(3400, gpu(2))
              .build());

  @TempDir Path temp;

  private Path proc;

  @BeforeEach
  void fakeNode() throws IOException {
    proc = FakeProc.copy("training/proc-training-node", temp);
    touch("runs/llama/events.out.tfevents.1764320000.node-a.3001.0", Instant.now());
    touch("keras/logs/train/events.out.tfevents.1764320000.node-a.3100.1.v2", Instant.now());
    touch("keras/logs/validation/events.out.tfevents.1764320001.node-a.3100.2.v2", Instant.now());
    // Under the log directory: a tensorboardX run (no pid in the name) being written, rank 1's
    // torch writer (pid 3002 in the name, file not held open), and a run finished two days ago.
    touch("tb/sweep-7/run-1/events.out.tfevents.1764320000.node-a", Instant.now());
    touch("tb/rank1/events.out.tfevents.1764320000.node-a.3002.0", Instant.now());
    touch(
        "tb/old-exp/events.out.tfevents.1764000000.node-a",
        Instant.now().minus(Duration.ofDays(2)));
  }

  @Test
  void findsTorchrunRanksKerasWorkerAndAGpuNotebookButNotLaunchersServersOrWrappers() {
    Result result = discovery(Set.of("pytorch", "tensorflow")).discover(GPUS);

    assertEquals(
        List.of(
            new TrainingProcess(
                3001, "pytorch", "0", "llama-finetune", "RANK=0 WORLD_SIZE=2, loads pytorch"),
            new TrainingProcess(
                3002, "pytorch", "1", "llama-finetune", "RANK=1 WORLD_SIZE=2, loads pytorch"),
            new TrainingProcess(
                3100, "tensorflow", "1", "keras_mnist", "TF_CONFIG set, loads tensorflow"),
            new TrainingProcess(
                3400, "pytorch", null, "ipykernel_launcher", "uses GPU 2, loads pytorch")),
        result.processes());
    assertEquals(List.of(), result.notes());
  }

  @Test
  void runDirectoriesComeFromOpenFilesAndLogDirsButNotFromValidationOrOldRuns() {
    Result result = discovery(Set.of("pytorch", "tensorflow")).discover(GPUS);

    List<RunDirectory> runs = result.runs();
    assertEquals(
        List.of(
            temp.resolve("keras/logs/train"),
            temp.resolve("runs/llama"),
            temp.resolve("tb/rank1"),
            temp.resolve("tb/sweep-7/run-1")),
        runs.stream().map(RunDirectory::directory).toList());
    assertEquals(3100, runs.get(0).owner().pid());
    assertEquals(3001, runs.get(1).owner().pid());
    assertEquals(3002, runs.get(2).owner().pid()); // by the pid in the torch writer's file name
    assertEquals("llama-finetune", runs.get(2).job());
    assertNull(runs.get(3).owner());
    assertEquals("sweep-7", runs.get(3).job());
  }

  @Test
  void onlyTheAskedFrameworksAreLookedFor() {
    Result jaxOnly = discovery(Set.of("jax")).discover(GPUS);
    assertEquals(
        List.of(
            new TrainingProcess(
                3200, "jax", "3", "flax-wmt", "JAX_COORDINATOR_ADDRESS=10.0.0.1:1234, loads jax")),
        jaxOnly.processes());
  }

  @Test
  void withoutGpuInformationAProcessNeedsALauncherOrAnEventFile() {
    Result result = discovery(Set.of("pytorch")).discover(GpuProcessTables.empty());
    assertEquals(
        List.of(3001, 3002), result.processes().stream().map(TrainingProcess::pid).toList());
  }

  @Test
  void aMissingLogDirectoryIsANoteNotAFailure() {
    Path missing = temp.resolve("not-yet");
    Result result =
        new TrainingProcessDiscovery(proc, Set.of("pytorch"), List.of(missing)).discover(GPUS);
    assertEquals(
        List.of(
            "agent.aiml.training.log_dirs: "
                + missing
                + " is not a directory "
                + "(yet); looking again later"),
        result.notes());
    assertEquals(3, result.processes().size());
  }

  @Test
  void anUnreadableProcTreeFindsNothing() {
    Result result =
        new TrainingProcessDiscovery(temp.resolve("no-proc"), Set.of("pytorch"), List.of())
            .discover(GPUS);
    assertEquals(List.of(), result.processes());
    assertEquals(List.of(), result.runs());
  }

  @Test
  void readsRankFromTfConfigAndJobFromTheScriptName() {
    assertEquals(
        "2",
        TrainingProcessDiscovery.rank(
            Map.of(
                "TF_CONFIG",
                "{\"cluster\":{\"chief\":[\"a:1\"]},\"task\":{\"index\":2,\"type\":\"worker\"}}")));
    assertNull(TrainingProcessDiscovery.rank(Map.of("TF_CONFIG", "{not json")));
    assertEquals(
        "train",
        TrainingProcessDiscovery.job(
            Map.of("TORCHELASTIC_RUN_ID", "none"), List.of("python", "/work/train.py")));
    assertEquals(
        "my-job",
        TrainingProcessDiscovery.job(
            Map.of("TELEGEN_JOB", "my-job", "SLURM_JOB_NAME", "other"),
            List.of("python", "train.py")));
  }

  @Test
  void findsThePidInTorchAndTensorflowEventFileNames() {
    assertEquals(
        3001,
        TrainingProcessDiscovery.pidInFileName("events.out.tfevents.1764320000.node-a.3001.0"));
    assertEquals(
        3100,
        TrainingProcessDiscovery.pidInFileName(
            "events.out.tfevents.1764320000.node-a.example.com.3100.1.v2"));
    assertEquals(
        -1, TrainingProcessDiscovery.pidInFileName("events.out.tfevents.1764320000.node-a"));
  }

  private TrainingProcessDiscovery discovery(Set<String> frameworks) {
    return new TrainingProcessDiscovery(proc, frameworks, List.of(temp.resolve("tb")));
  }

  private void touch(String relative, Instant modified) throws IOException {
    Path file = temp.resolve(relative);
    Files.createDirectories(file.getParent());
    Files.write(file, new byte[0]);
    Files.setLastModifiedTime(file, FileTime.from(modified));
  }

  private static GpuRef gpu(int index) {
    return GpuRef.gpu(GpuVendor.NVIDIA, index, "GPU-" + index);
  }
}
