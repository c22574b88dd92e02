package io.telegen.agent;

import io.telegen.testsupport.Repository;
import io.telegen.testsupport.TestFiles;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/**
 * The frameworks module's fake training node (a {@code /proc} with torchrun ranks, a Keras worker,
 * a vLLM server and a launcher) in a temporary directory, with the event files its processes hold
 * open filled from the event-file fixtures that tensorboardX and a TF-style writer wrote.
 */
final class TrainingNode {

  private static final Path RESOURCES = Repository.dir("frameworks/src/test/resources");

  /** The run directory of torchrun rank 0 (pid 3001), written by tensorboardX. */
  static final String TORCH_RUN = "runs/llama";

  /** The run directory of the Keras worker (pid 3100), TensorFlow's tensor encoding. */
  static final String KERAS_RUN = "keras/logs/train";

  private TrainingNode() {}

  /** Builds the node under {@code dir}; returns its {@code /proc}. */
  static Path create(Path dir) throws IOException {
    Path source = RESOURCES.resolve("training/proc-training-node");
    Path proc = TestFiles.copyTree(source, dir.resolve("proc"));
    for (String line : Files.readAllLines(proc.resolve("fds.txt"), StandardCharsets.UTF_8)) {
      if (line.isBlank() || line.startsWith("#")) {
        continue;
      }
      String[] f = line.trim().split(" ", 3);
      Path fdDir = Files.createDirectories(proc.resolve(f[0] + "/fd"));
      Files.createSymbolicLink(
          fdDir.resolve(f[1]), Path.of(f[2].replace("${DIR}", dir.toString())));
    }
    copy(
        "tfevents/hf_trainer/events.out.tfevents.1700000000.fixture-host",
        dir.resolve(TORCH_RUN + "/events.out.tfevents.1764320000.node-a.3001.0"));
    copy(
        "tfevents/keras_train/events.out.tfevents.1700000000.fixture-host.v2",
        dir.resolve(KERAS_RUN + "/events.out.tfevents.1764320000.node-a.3100.1.v2"));
    return proc;
  }

  private static void copy(String fixture, Path target) throws IOException {
    Files.createDirectories(target.getParent());
    Files.copy(RESOURCES.resolve(fixture), target, StandardCopyOption.REPLACE_EXISTING);
  }
}
