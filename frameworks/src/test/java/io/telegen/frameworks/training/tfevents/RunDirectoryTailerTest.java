package io.telegen.frameworks.training.tfevents;

import static io.telegen.frameworks.training.tfevents.CorruptRecordTest.scalarEvent;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.telegen.frameworks.training.tfevents.Recorder.Scalar;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NotDirectoryException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A run directory is listed again at every poll: files that appear later are picked up, files are
 * read in name order, and other files and subdirectories are left alone.
 */
class RunDirectoryTailerTest {

  @TempDir Path dir;

  @Test
  void fileAppearingLaterIsPickedUpAndReadFromItsStart() throws IOException {
    Path first =
        Files.write(
            dir.resolve("events.out.tfevents.1700000000.host"),
            TfEventsFixtures.records(scalarEvent("loss", 1, 1f)));
    try (RunDirectoryTailer tailer = new RunDirectoryTailer(dir)) {
      Recorder recorder = new Recorder();
      assertEquals(1, tailer.poll(recorder));
      assertEquals(List.of(first), tailer.files());

      // A resumed job starts a second file and keeps writing the first one too.
      Path second =
          Files.write(
              dir.resolve("events.out.tfevents.1700000100.host"),
              TfEventsFixtures.records(scalarEvent("loss", 3, 3f), scalarEvent("loss", 4, 4f)));
      Files.write(
          first, TfEventsFixtures.records(scalarEvent("loss", 2, 2f)), StandardOpenOption.APPEND);
      assertEquals(3, tailer.poll(recorder));

      assertEquals(List.of(first, second), tailer.files());
      assertEquals(List.of(1L, 2L, 3L, 4L), recorder.scalars().stream().map(Scalar::step).toList());
      assertEquals(4, tailer.recordsRead());
      assertEquals(0, tailer.corruptRecords());
    }
  }

  @Test
  void realWriterFilesInOneDirectoryAreReadInNameOrder() throws IOException {
    // Copies of both fixtures, named so that the Keras one sorts first.
    Files.copy(
        TfEventsFixtures.file(TfEventsFixtures.HF_TRAINER),
        dir.resolve("events.out.tfevents.1700000200.host"));
    Files.copy(
        TfEventsFixtures.file(TfEventsFixtures.KERAS_TRAIN),
        dir.resolve("events.out.tfevents.1700000100.host.v2"));

    try (RunDirectoryTailer tailer = new RunDirectoryTailer(dir)) {
      Recorder recorder = new Recorder();
      tailer.poll(recorder);

      List<Scalar> expected = new ArrayList<>(TfEventsFixtures.kerasTrainScalars());
      expected.addAll(TfEventsFixtures.hfTrainerScalars());
      assertEquals(expected, recorder.scalars());
      assertEquals(
          TfEventsFixtures.HF_TRAINER_RECORDS + TfEventsFixtures.KERAS_TRAIN_RECORDS,
          tailer.recordsRead());
    }
  }

  @Test
  void otherFilesAndSubdirectoriesAreLeftAlone() throws IOException {
    Files.writeString(dir.resolve("README.txt"), "not an event file");
    Files.write(dir.resolve("events.out.tfevents."), new byte[] {1, 2, 3});
    Path child = Files.createDirectories(dir.resolve("validation"));
    Files.write(
        child.resolve("events.out.tfevents.1700000000.host"),
        TfEventsFixtures.records(scalarEvent("val_loss", 1, 1f)));
    Files.createDirectories(dir.resolve("events.out.tfevents.1700000000.dir"));

    try (RunDirectoryTailer tailer = new RunDirectoryTailer(dir)) {
      assertEquals(0, tailer.poll(new Recorder()));
      assertEquals(List.of(), tailer.files());
    }
  }

  @Test
  void directoryThatDoesNotExistYetReadsAsEmptyUntilItDoes() throws IOException {
    Path run = dir.resolve("runs/Jan01_00-00-00_host");
    try (RunDirectoryTailer tailer = new RunDirectoryTailer(run)) {
      assertEquals(0, tailer.poll(new Recorder()));

      Files.createDirectories(run);
      Files.write(
          run.resolve("events.out.tfevents.1700000000.host"),
          TfEventsFixtures.records(scalarEvent("loss", 1, 1f)));
      assertEquals(1, tailer.poll(new Recorder()));
    }
  }

  @Test
  void aRegularFileInPlaceOfTheDirectoryIsReportedWithItsPath() throws IOException {
    Path notADirectory = Files.writeString(dir.resolve("run"), "x");
    try (RunDirectoryTailer tailer = new RunDirectoryTailer(notADirectory)) {
      NotDirectoryException e =
          assertThrows(NotDirectoryException.class, () -> tailer.poll(new Recorder()));
      assertEquals(true, e.getMessage().contains(notADirectory.toString()), e.getMessage());
    }
  }
}
