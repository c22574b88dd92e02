package io.telegen.frameworks.training.tfevents;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.telegen.frameworks.training.tfevents.Recorder.Scalar;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Any event file, read whole and read as a writer appends it: the tailer throws nothing for damaged
 * content, counts what it skips, delivers each record once, and delivers the same scalars whether
 * the file arrives in one piece or in two.
 *
 * <p>The first input byte chooses how the rest is used. Even: the rest is the file, as a disk
 * holds it (CRCs and all, so damage is mostly to framing). Odd: the rest is a list of records,
 * each a big-endian u16 length and that many data bytes, framed here with correct CRCs, so that
 * the fuzzer reaches the Event decoding and the scalar extraction behind the CRC checks.
 */
class EventFileTailerFuzzTest {

  // A damaged file warns up to ten times per tailer; at thousands of inputs a second that is noise.
  private static final Logger TAILER_LOG = Logger.getLogger(EventFileTailer.class.getName());

  static {
    TAILER_LOG.setLevel(Level.OFF);
  }

  private static final Path FILE;

  static {
    try {
      // In memory where there is a tmpfs (as the plugin's own files are, in /dev/shm): a disk
      // file system's metadata updates would cost more than the parsing.
      Path shm = Path.of("/dev/shm");
      FILE =
          Files.isDirectory(shm) && Files.isWritable(shm)
              ? Files.createTempFile(shm, "fuzz-", ".tfevents")
              : Files.createTempFile("fuzz-", ".tfevents");
    } catch (IOException e) {
      throw new ExceptionInInitializerError(e);
    }
    FILE.toFile().deleteOnExit();
  }

  @FuzzTest(maxDuration = "12s")
  void poll(byte[] input) throws IOException {
    byte[] file = input.length > 0 && (input[0] & 1) == 1 ? framed(input) : raw(input);

    Files.write(FILE, file);
    Recorder whole = new Recorder();
    long records;
    long corrupt;
    try (EventFileTailer tailer = EventFileTailer.open(FILE)) {
      int delivered = tailer.poll(whole);
      assertEquals(whole.scalars().size(), delivered);
      assertEquals(0, tailer.poll(whole), "a second poll of an unchanged file delivered again");
      records = tailer.recordsRead();
      corrupt = tailer.corruptRecords();
    }
    // A record takes at least 16 bytes (header and footer); a damaged region counts once.
    assertTrue(records * 16 <= file.length, records + " records in " + file.length + " bytes");
    assertTrue(corrupt <= file.length / 12 + 1, corrupt + " corrupt in " + file.length + " bytes");
    for (Scalar s : whole.scalars()) {
      assertTrue(s.tag() != null, "a scalar without a tag");
    }

    // The same file as a writer leaves it midway, then complete: nothing lost, nothing twice.
    int cut = file.length / 2;
    Files.write(FILE, Arrays.copyOf(file, cut));
    Recorder inTwo = new Recorder();
    try (EventFileTailer tailer = EventFileTailer.open(FILE)) {
      tailer.poll(inTwo);
      Files.write(FILE, Arrays.copyOfRange(file, cut, file.length), StandardOpenOption.APPEND);
      tailer.poll(inTwo);
      assertEquals(records, tailer.recordsRead(), "records read in two polls");
    }
    assertEquals(whole.scalars(), inTwo.scalars(), "scalars read in two polls");
  }

  private static byte[] raw(byte[] input) {
    return input.length == 0 ? input : Arrays.copyOfRange(input, 1, input.length);
  }

  private static byte[] framed(byte[] input) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    int p = 1;
    List<byte[]> records = new ArrayList<>();
    while (p + 2 <= input.length) {
      int length = Math.min((input[p] & 0xff) << 8 | (input[p + 1] & 0xff), input.length - p - 2);
      records.add(Arrays.copyOfRange(input, p + 2, p + 2 + length));
      p += 2 + length;
    }
    for (byte[] data : records) {
      out.writeBytes(TfEventsFixtures.frame(data));
    }
    return out.toByteArray();
  }
}
