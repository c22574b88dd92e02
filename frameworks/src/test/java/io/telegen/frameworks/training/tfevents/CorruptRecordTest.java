package io.telegen.frameworks.training.tfevents;

import static io.telegen.frameworks.training.tfevents.TfEventsFixtures.HF_TRAINER;
import static io.telegen.frameworks.training.tfevents.TfEventsFixtures.HF_TRAINER_RECORDS;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.telegen.frameworks.training.tfevents.Recorder.Scalar;
import io.telegen.proto.tensorboard.Event;
import io.telegen.proto.tensorboard.Summary;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Damaged records are counted in corruptRecords() and skipped, and every intact record after them
 * is still delivered: a bad data CRC skips one record, a bad length CRC resynchronises on the next
 * intact header.
 */
class CorruptRecordTest {

  @TempDir Path dir;

  /** The hf_trainer fixture with one byte changed; returns its path. */
  private Path damagedCopy(int offset) throws IOException {
    byte[] bytes = Files.readAllBytes(TfEventsFixtures.file(HF_TRAINER));
    bytes[offset] ^= 0x5a;
    Path file = dir.resolve("events.out.tfevents.1700000000.damaged");
    Files.write(file, bytes);
    return file;
  }

  private static List<Long> hfOffsets() throws IOException {
    return TfEventsFixtures.recordOffsets(Files.readAllBytes(TfEventsFixtures.file(HF_TRAINER)));
  }

  /** The hf_trainer scalars without the one in record {@code record} (records 1-8 and 12-19 hold them). */
  private static List<Scalar> hfScalarsWithoutRecord(int record) {
    List<Scalar> expected = new ArrayList<>(TfEventsFixtures.hfTrainerScalars());
    expected.remove(record <= 8 ? record - 1 : record - 4);
    return expected;
  }

  @Test
  void flippedDataCrcSkipsOnlyThatRecord() throws IOException {
    List<Long> offsets = hfOffsets();
    // Record 2 (train/grad_norm at step 10): its data CRC is the last 4 bytes before record 3.
    Path file = damagedCopy((int) (offsets.get(3) - 2));

    try (EventFileTailer tailer = EventFileTailer.open(file)) {
      Recorder recorder = new Recorder();
      tailer.poll(recorder);

      assertEquals(hfScalarsWithoutRecord(2), recorder.scalars());
      assertEquals(1, tailer.corruptRecords());
      assertEquals(HF_TRAINER_RECORDS - 1, tailer.recordsRead());
    }
  }

  @Test
  void flippedDataByteSkipsOnlyThatRecord() throws IOException {
    List<Long> offsets = hfOffsets();
    Path file = damagedCopy((int) (offsets.get(13) + 12 + 3));

    Recorder recorder = new Recorder();
    try (EventFileTailer tailer = EventFileTailer.open(file)) {
      tailer.poll(recorder);
      assertEquals(1, tailer.corruptRecords());
    }
    assertEquals(hfScalarsWithoutRecord(13), recorder.scalars());
  }

  @Test
  void flippedLengthByteResynchronisesOnTheNextIntactRecord() throws IOException {
    List<Long> offsets = hfOffsets();
    // The low byte of record 5's length (train/loss at step 20): its header CRC no longer matches.
    Path file = damagedCopy(offsets.get(5).intValue());

    try (EventFileTailer tailer = EventFileTailer.open(file)) {
      Recorder recorder = new Recorder();
      tailer.poll(recorder);

      assertEquals(hfScalarsWithoutRecord(5), recorder.scalars());
      assertEquals(1, tailer.corruptRecords());
      assertEquals(HF_TRAINER_RECORDS - 1, tailer.recordsRead());
    }
  }

  @Test
  void flippedLengthCrcByteResynchronisesOnTheNextIntactRecord() throws IOException {
    List<Long> offsets = hfOffsets();
    Path file = damagedCopy((int) (offsets.get(16) + 9));

    Recorder recorder = new Recorder();
    try (EventFileTailer tailer = EventFileTailer.open(file)) {
      tailer.poll(recorder);
      assertEquals(1, tailer.corruptRecords());
    }
    assertEquals(hfScalarsWithoutRecord(16), recorder.scalars());
  }

  @Test
  void garbageBetweenRecordsCountsOnceAndLosesNothingElse() throws IOException {
    byte[] whole = Files.readAllBytes(TfEventsFixtures.file(HF_TRAINER));
    int at = hfOffsets().get(12).intValue();
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.write(whole, 0, at);
    for (int i = 0; i < 1000; i++) {
      out.write(i * 31 + 7);
    }
    out.write(whole, at, whole.length - at);
    Path file = dir.resolve("events.out.tfevents.1700000000.garbage");
    Files.write(file, out.toByteArray());

    try (EventFileTailer tailer = EventFileTailer.open(file)) {
      Recorder recorder = new Recorder();
      tailer.poll(recorder);

      assertEquals(TfEventsFixtures.hfTrainerScalars(), recorder.scalars());
      assertEquals(1, tailer.corruptRecords());
      assertEquals(HF_TRAINER_RECORDS, tailer.recordsRead());
    }
  }

  @Test
  void intactRecordThatIsNotAnEventIsCountedCorruptAndSkipped() throws IOException {
    Event before = scalarEvent("loss", 1, 0.5f);
    Event after = scalarEvent("loss", 2, 0.25f);
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.writeBytes(TfEventsFixtures.records(before));
    // Field 1 declared as a length-delimited field running past the end: not a protobuf message.
    out.writeBytes(TfEventsFixtures.frame(new byte[] {0x0a, 0x7f, 0x01}));
    out.writeBytes(TfEventsFixtures.records(after));
    Path file = dir.resolve("events.out.tfevents.1700000000.undecodable");
    Files.write(file, out.toByteArray());

    try (EventFileTailer tailer = EventFileTailer.open(file)) {
      Recorder recorder = new Recorder();
      tailer.poll(recorder);

      assertEquals(
          List.of(new Scalar("loss", 1, 0, 0.5), new Scalar("loss", 2, 0, 0.25)),
          recorder.scalars());
      assertEquals(1, tailer.corruptRecords());
      assertEquals(2, tailer.recordsRead());
    }
  }

  @Test
  void intactHeaderWithAnAbsurdLengthIsSkippedWholeAndCountedCorrupt() throws IOException {
    long huge = EventFileTailer.MAX_RECORD_BYTES + 1;
    ByteBuffer header = ByteBuffer.allocate(12).order(ByteOrder.LITTLE_ENDIAN).putLong(huge);
    header.putInt(new MaskedCrc32c().of(header.array(), 0, 8));
    Path file = dir.resolve("events.out.tfevents.1700000000.huge");
    Files.write(file, TfEventsFixtures.records(scalarEvent("loss", 1, 0.5f)));
    Files.write(file, header.array(), StandardOpenOption.APPEND);

    try (EventFileTailer tailer = EventFileTailer.open(file)) {
      Recorder recorder = new Recorder();
      tailer.poll(recorder);
      // Not all on disk yet: waited for, not counted.
      assertEquals(0, tailer.corruptRecords());

      try (FileChannel channel = FileChannel.open(file, StandardOpenOption.WRITE)) {
        long end = channel.size() + huge + 4;
        channel.write(
            ByteBuffer.wrap(TfEventsFixtures.records(scalarEvent("loss", 2, 0.25f))), end);
      }
      tailer.poll(recorder);

      assertEquals(
          List.of(new Scalar("loss", 1, 0, 0.5), new Scalar("loss", 2, 0, 0.25)),
          recorder.scalars());
      assertEquals(1, tailer.corruptRecords());
    }
  }

  @Test
  void resynchronisingOverALargeDamagedRegionIsSpreadOverPolls() throws IOException {
    // 0xff bytes read as a negative length, so every offset in the region is a damaged header.
    byte[] damaged = new byte[(int) EventFileTailer.MAX_RESYNC_SCAN_BYTES + 1000];
    Arrays.fill(damaged, (byte) 0xff);
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.writeBytes(TfEventsFixtures.records(scalarEvent("loss", 1, 0.5f)));
    out.writeBytes(damaged);
    out.writeBytes(TfEventsFixtures.records(scalarEvent("loss", 2, 0.25f)));
    Path file = dir.resolve("events.out.tfevents.1700000000.region");
    Files.write(file, out.toByteArray());

    try (EventFileTailer tailer = EventFileTailer.open(file)) {
      Recorder recorder = new Recorder();
      assertEquals(1, tailer.poll(recorder));
      assertEquals(1, tailer.corruptRecords());

      assertEquals(1, tailer.poll(recorder));
      assertEquals(
          List.of(new Scalar("loss", 1, 0, 0.5), new Scalar("loss", 2, 0, 0.25)),
          recorder.scalars());
      assertEquals(1, tailer.corruptRecords());
      assertEquals(2, tailer.recordsRead());
    }
  }

  static Event scalarEvent(String tag, long step, float value) {
    return Event.newBuilder()
        .setStep(step)
        .setSummary(
            Summary.newBuilder()
                .addValue(Summary.Value.newBuilder().setTag(tag).setSimpleValue(value)))
        .build();
  }
}
