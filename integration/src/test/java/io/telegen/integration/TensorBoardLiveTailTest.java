package io.telegen.integration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.telegen.frameworks.training.tfevents.RunDirectoryTailer;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;

/**
 * The real tensorboardX writer (frameworks/src/test/python/write_tfevents.py --live, run with the
 * venv made by setup.sh) logs HF-Trainer-style scalars one step at a time, flushing after each, while
 * a RunDirectoryTailer polls the run directory: the file is found once the writer creates it,
 * scalars arrive while the writer is still running, and in the end every value has arrived once,
 * in order, with nothing counted corrupt although many polls met a record half written.
 */
final class TensorBoardLiveTailTest {

  private static final int STEPS = 8;
  private static final Duration POLL_INTERVAL = Duration.ofMillis(20);
  private static final Duration TIMEOUT = Duration.ofSeconds(90);
  private static final List<String> TAGS =
      List.of("train/loss", "train/grad_norm", "train/learning_rate", "train/epoch");

  private final Cleanup cleanup = new Cleanup();

  private record Seen(String tag, long step, double value, boolean writerAlive) {}

  @AfterEach
  void stopEverything() {
    cleanup.close();
  }

  @Test
  void scalarsArriveWhileTheWriterIsStillWritingAndEachArrivesOnce(TestInfo testInfo)
      throws IOException {
    Path dir = TestLogDir.of(testInfo);
    Path run = dir.resolve("run");
    Path script = TelegenTools.repoRoot().resolve("frameworks/src/test/python/write_tfevents.py");
    ExternalProcess writer =
        cleanup.register(
            ExternalProcess.start(
                "write_tfevents.py --live",
                List.of(
                    TelegenTools.python().toString(),
                    script.toString(),
                    "--live",
                    run.toString(),
                    "--steps",
                    Integer.toString(STEPS),
                    "--interval",
                    "0.3"),
                Map.of("PYTHONUNBUFFERED", "1"),
                dir.resolve("writer.log")));

    List<Seen> seen = new ArrayList<>();
    int pollsThatDelivered = 0;
    try (RunDirectoryTailer tailer = cleanup.register(new RunDirectoryTailer(run))) {
      long deadline = System.nanoTime() + TIMEOUT.toNanos();
      boolean writerDone = false;
      while (!writerDone) {
        // Sample liveness before the poll: anything this poll delivers was on disk while the writer
        // still ran.
        writerDone = !writer.isAlive();
        boolean alive = !writerDone;
        int delivered =
            tailer.poll(
                (tag, step, wallTime, value) -> seen.add(new Seen(tag, step, value, alive)));
        if (delivered > 0) {
          pollsThatDelivered++;
        }
        assertTrue(
            System.nanoTime() < deadline,
            "the writer did not finish within " + TIMEOUT + "\n" + writer.describe());
        ExternalProcess.sleep(POLL_INTERVAL);
      }
      assertEquals(0, writer.waitForExit(Duration.ofSeconds(5)), writer.describe());

      assertEquals(1, tailer.files().size(), tailer.files().toString());
      assertEquals(0, tailer.corruptRecords(), writer.describe());
      // file_version plus one record per scalar
      assertEquals(1 + STEPS * TAGS.size(), tailer.recordsRead());
    }

    List<Seen> expected = new ArrayList<>();
    for (int i = 1; i <= STEPS; i++) {
      double[] values = {(float) (1.0 / i), 0.5, (float) 1.0e-4, i / 4.0};
      for (int t = 0; t < TAGS.size(); t++) {
        expected.add(new Seen(TAGS.get(t), 10L * i, values[t], false));
      }
    }
    assertEquals(
        expected, seen.stream().map(s -> new Seen(s.tag(), s.step(), s.value(), false)).toList());
    assertTrue(
        seen.stream().anyMatch(Seen::writerAlive),
        "no scalar was read while the writer was running: " + seen);
    assertTrue(
        pollsThatDelivered >= 2,
        "all scalars arrived in one poll, so nothing was tailed: " + pollsThatDelivered);
  }
}
