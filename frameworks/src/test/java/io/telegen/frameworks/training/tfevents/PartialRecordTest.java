package io.telegen.frameworks.training.tfevents;

import static io.telegen.frameworks.training.tfevents.TfEventsFixtures.HF_TRAINER;
import static io.telegen.frameworks.training.tfevents.TfEventsFixtures.KERAS_TRAIN;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A record only partly on disk is the writer still writing: it is neither delivered nor counted
 * corrupt, and arrives whole once the rest is appended. A file cut mid-record keeps what precedes
 * the cut.
 */
class PartialRecordTest {

  @TempDir Path dir;

  @Test
  void recordAppendedInTwoStepsIsDeliveredOnceWhenComplete() throws IOException {
    byte[] whole = Files.readAllBytes(TfEventsFixtures.file(HF_TRAINER));
    List<Long> offsets = TfEventsFixtures.recordOffsets(whole);
    // Records 0..2: file_version, train/loss@10, train/grad_norm@10; cut in the middle of record 3.
    int cut = (int) (offsets.get(3) + 20);
    Path file = dir.resolve("events.out.tfevents.1700000000.host");
    Files.write(file, Arrays.copyOfRange(whole, 0, cut));

    try (EventFileTailer tailer = EventFileTailer.open(file)) {
      Recorder recorder = new Recorder();
      assertEquals(2, tailer.poll(recorder));
      assertEquals(offsets.get(3), tailer.offset());
      assertEquals(0, tailer.corruptRecords());

      // Still incomplete: only the data CRC is missing.
      int almost = (int) (offsets.get(4) - 2);
      Files.write(file, Arrays.copyOfRange(whole, cut, almost), StandardOpenOption.APPEND);
      assertEquals(0, tailer.poll(recorder));

      Files.write(file, Arrays.copyOfRange(whole, almost, whole.length), StandardOpenOption.APPEND);
      assertEquals(14, tailer.poll(recorder));

      assertEquals(TfEventsFixtures.hfTrainerScalars(), recorder.scalars());
      assertEquals(TfEventsFixtures.HF_TRAINER_RECORDS, tailer.recordsRead());
      assertEquals(0, tailer.corruptRecords());
    }
  }

  @Test
  void everySplitPointGivesTheSameScalarsAsReadingTheWholeFile() throws IOException {
    byte[] whole = Files.readAllBytes(TfEventsFixtures.file(KERAS_TRAIN));
    Path file = dir.resolve("events.out.tfevents.1700000000.host");
    for (int cut = 0; cut <= whole.length; cut++) {
      Files.write(file, Arrays.copyOfRange(whole, 0, cut));
      try (EventFileTailer tailer = EventFileTailer.open(file)) {
        Recorder recorder = new Recorder();
        tailer.poll(recorder);
        Files.write(file, Arrays.copyOfRange(whole, cut, whole.length), StandardOpenOption.APPEND);
        tailer.poll(recorder);

        assertEquals(TfEventsFixtures.kerasTrainScalars(), recorder.scalars(), "split at " + cut);
        assertEquals(0, tailer.corruptRecords(), "split at " + cut);
      }
    }
  }

  @Test
  void fileTruncatedMidRecordKeepsTheRecordsBeforeTheCut() throws IOException {
    byte[] whole = Files.readAllBytes(TfEventsFixtures.file(HF_TRAINER));
    List<Long> offsets = TfEventsFixtures.recordOffsets(whole);
    // A killed writer: the file ends inside record 9 (the first scalar of step 20 is record 5).
    Path file = dir.resolve("events.out.tfevents.1700000000.host");
    Files.write(file, Arrays.copyOfRange(whole, 0, (int) (offsets.get(9) + 7)));

    try (EventFileTailer tailer = EventFileTailer.open(file)) {
      Recorder recorder = new Recorder();
      tailer.poll(recorder);

      assertEquals(TfEventsFixtures.hfTrainerScalars().subList(0, 8), recorder.scalars());
      assertEquals(9, tailer.recordsRead());
      assertEquals(0, tailer.corruptRecords());
    }
  }
}
