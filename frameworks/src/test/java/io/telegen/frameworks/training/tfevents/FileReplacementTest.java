package io.telegen.frameworks.training.tfevents;

import static io.telegen.frameworks.training.tfevents.CorruptRecordTest.scalarEvent;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.telegen.frameworks.training.tfevents.Recorder.Scalar;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A file that disappears, is replaced under the same name, or shrinks is read again from the start
 * instead of failing or reading from a stale offset.
 */
class FileReplacementTest {

  @TempDir Path dir;

  private Path file() {
    return dir.resolve("events.out.tfevents.1700000000.host");
  }

  private static List<Long> steps(Recorder recorder) {
    return recorder.scalars().stream().map(Scalar::step).toList();
  }

  @Test
  void fileReplacedUnderTheSameNameIsReadFromTheStart() throws IOException {
    Files.write(
        file(), TfEventsFixtures.records(scalarEvent("loss", 1, 1f), scalarEvent("loss", 2, 2f)));
    try (EventFileTailer tailer = EventFileTailer.open(file())) {
      Recorder recorder = new Recorder();
      tailer.poll(recorder);

      // Written elsewhere and renamed over the old one: a new inode, longer than the old offset.
      Path replacement =
          Files.write(
              dir.resolve("replacement"),
              TfEventsFixtures.records(
                  scalarEvent("loss", 10, 1f),
                  scalarEvent("loss", 11, 1f),
                  scalarEvent("loss", 12, 1f)));
      Files.move(replacement, file(), StandardCopyOption.REPLACE_EXISTING);
      tailer.poll(recorder);

      assertEquals(List.of(1L, 2L, 10L, 11L, 12L), steps(recorder));
    }
  }

  @Test
  void fileThatShrinksIsReadFromTheStart() throws IOException {
    Files.write(
        file(), TfEventsFixtures.records(scalarEvent("loss", 1, 1f), scalarEvent("loss", 2, 2f)));
    try (EventFileTailer tailer = EventFileTailer.open(file())) {
      Recorder recorder = new Recorder();
      tailer.poll(recorder);

      // Truncated in place (same inode) and rewritten shorter.
      Files.write(file(), TfEventsFixtures.records(scalarEvent("loss", 7, 1f)));
      tailer.poll(recorder);

      assertEquals(List.of(1L, 2L, 7L), steps(recorder));
    }
  }

  @Test
  void fileThatDisappearsAndComesBackIsReadFromTheStart() throws IOException {
    Files.write(file(), TfEventsFixtures.records(scalarEvent("loss", 1, 1f)));
    try (EventFileTailer tailer = EventFileTailer.open(file())) {
      Recorder recorder = new Recorder();
      tailer.poll(recorder);

      Files.delete(file());
      assertEquals(0, tailer.poll(recorder));

      Files.write(file(), TfEventsFixtures.records(scalarEvent("loss", 5, 1f)));
      assertEquals(1, tailer.poll(recorder));
      assertEquals(List.of(1L, 5L), steps(recorder));
    }
  }

  @Test
  void openingAMissingFileNamesIt() {
    NoSuchFileException e =
        assertThrows(NoSuchFileException.class, () -> EventFileTailer.open(file()));
    assertEquals(file().toString(), e.getFile());
  }

  @Test
  void pollingAfterCloseFailsWithTheFileName() throws IOException {
    Files.write(file(), new byte[0]);
    EventFileTailer tailer = EventFileTailer.open(file());
    tailer.close();
    tailer.close();

    IllegalStateException e =
        assertThrows(IllegalStateException.class, () -> tailer.poll(new Recorder()));
    assertEquals(true, e.getMessage().contains(file().toString()), e.getMessage());
  }
}
