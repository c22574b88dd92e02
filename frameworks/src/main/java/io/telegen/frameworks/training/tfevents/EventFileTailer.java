package io.telegen.frameworks.training.tfevents;

import com.google.protobuf.InvalidProtocolBufferException;
import io.telegen.proto.tensorboard.Event;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.Objects;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Tails one {@code events.out.tfevents.*} file.
 *
 * <p>The file is a sequence of TFRecords: a little-endian u64 data length, the masked CRC-32C of
 * those 8 bytes, the data (one serialized {@code Event}), and the masked CRC-32C of the data. Each
 * {@link #poll} reads every complete record appended since the previous one, through one reused
 * buffer and positional reads, so a file of many gigabytes is never held in memory and the writer's
 * own file position is never touched.
 *
 * <p>What is tolerated, and how:
 *
 * <ul>
 *   <li>A record that is only partly on disk at the end of the file is the writer still writing (or
 *       a writer that was killed): its bytes are left for the next poll and nothing is counted.
 *   <li>A record whose data CRC is wrong, or whose data is not a decodable {@code Event}, is
 *       counted in {@link #corruptRecords()} and skipped; its length was intact, so the next record
 *       is found as usual.
 *   <li>A record whose length CRC is wrong cannot say where the next record starts. It is counted
 *       once and the reader resynchronises by moving forward one byte at a time until 12 bytes
 *       there form a header whose CRC matches (a false match has odds of 2<sup>-32</sup> per
 *       offset, and the data CRC then still has to match). At most {@link #MAX_RESYNC_SCAN_BYTES}
 *       offsets are tried per poll so that a large damaged region cannot stall the caller; the
 *       scan goes on at the next poll.
 *   <li>A length above {@link #MAX_RECORD_BYTES} is counted corrupt: a scalar record is well under
 *       a kilobyte and buffering a huge one could exhaust the heap. When its header CRC is intact
 *       the record is skipped whole once it is fully on disk; when the length does not even fit a
 *       plausible file size (2<sup>40</sup>) it is treated as a damaged header.
 *   <li>A file that disappears is closed and, if a file appears again under the same path, read
 *       from the start. A file replaced under the same name (a different inode) or shrunk below
 *       the read position is read again from the start. Each is logged once.
 * </ul>
 *
 * <p>Not thread-safe: one thread polls. Instances hold an open file and must be closed.
 */
public final class EventFileTailer implements AutoCloseable {

  /** Records longer than this are counted corrupt; see the class comment. */
  public static final long MAX_RECORD_BYTES = 64L << 20;

  /** Offsets tried per poll while resynchronising after a damaged length; see the class comment. */
  public static final long MAX_RESYNC_SCAN_BYTES = 16L << 20;

  private static final Logger logger = Logger.getLogger(EventFileTailer.class.getName());

  // A length beyond this is no real record even with a matching CRC; it is handled as a damaged
  // header rather than waited for.
  private static final long MAX_SKIPPABLE_BYTES = 1L << 40;
  private static final int HEADER_BYTES = 12;
  private static final int FOOTER_BYTES = 4;
  // Large enough that a poll over a big file makes few system calls, small enough that a run
  // directory with many files costs little; it grows only for a record that does not fit.
  private static final int INITIAL_BUFFER_BYTES = 128 * 1024;
  // A damaged file warns this many times, then quietly counts, so a bad disk cannot flood the log.
  private static final int MAX_WARNINGS = 10;

  private final Path file;
  private final MaskedCrc32c crc = new MaskedCrc32c();
  private final ScalarExtractor extractor = new ScalarExtractor();

  private FileChannel channel;
  private Object fileKey;
  // File offset of the next record; while resynchronising, the next offset to try as a header.
  private long offset;
  private boolean resynchronising;
  private long resyncStart;

  private byte[] buffer = new byte[INITIAL_BUFFER_BYTES];
  private ByteBuffer bufferView = ByteBuffer.wrap(buffer);
  // File offset of buffer[0], and how many bytes from there are valid.
  private long bufferStart;
  private int bufferLength;

  private long recordsRead;
  private long corruptRecords;
  private int warnings;
  private boolean closed;

  private EventFileTailer(Path file, FileChannel channel, Object fileKey) {
    this.file = file;
    this.channel = channel;
    this.fileKey = fileKey;
  }

  /**
   * Opens {@code file} for tailing from its first record; nothing is read until {@link #poll}.
   *
   * @throws NoSuchFileException if the file does not exist
   * @throws IOException if it cannot be opened for reading
   */
  public static EventFileTailer open(Path file) throws IOException {
    Objects.requireNonNull(file, "file");
    FileChannel channel = FileChannel.open(file, StandardOpenOption.READ);
    try {
      Object key = Files.readAttributes(file, BasicFileAttributes.class).fileKey();
      return new EventFileTailer(file, channel, key);
    } catch (IOException | RuntimeException e) {
      channel.close();
      throw e;
    }
  }

  /**
   * Reads every complete record appended since the last poll; returns the number of scalars
   * delivered.
   *
   * <p>Scalars are delivered to {@code sink} in file order, from the calling thread. A partial
   * record at the end is left for the next poll. Damaged records are counted, not thrown.
   *
   * @throws IOException if reading the file fails (not for damaged content)
   * @throws IllegalStateException if this tailer is closed
   */
  public int poll(ScalarSink sink) throws IOException {
    Objects.requireNonNull(sink, "sink");
    if (closed) {
      throw new IllegalStateException("event file tailer for " + file + " is closed");
    }
    if (!checkFileIdentity()) {
      return 0;
    }
    // Start each poll with an empty buffer: bytes buffered last time may have belonged to a
    // partial record that has since been completed.
    bufferStart = offset;
    bufferLength = 0;
    long resyncBudget = MAX_RESYNC_SCAN_BYTES;
    int delivered = 0;
    while (true) {
      int at = fill(offset, HEADER_BYTES);
      if (at < 0) {
        break;
      }
      long length = littleEndianLong(buffer, at);
      boolean headerIntact = crc.of(buffer, at, Long.BYTES) == littleEndianInt(buffer, at + 8);
      if (!headerIntact || length < 0 || length > MAX_SKIPPABLE_BYTES) {
        if (!resynchronising) {
          resynchronising = true;
          resyncStart = offset;
          corruptRecords++;
          warn(
              "record header at offset "
                  + offset
                  + " is damaged (length CRC mismatch); skipping"
                  + " forward to the next intact record");
        }
        offset++;
        if (--resyncBudget == 0) {
          break;
        }
        continue;
      }
      if (resynchronising) {
        resynchronising = false;
        note(
            "found an intact record at offset "
                + offset
                + " after skipping "
                + (offset - resyncStart)
                + " damaged bytes");
      }
      long recordBytes = HEADER_BYTES + length + FOOTER_BYTES;
      if (length > MAX_RECORD_BYTES) {
        if (channel.size() < offset + recordBytes) {
          break;
        }
        corruptRecords++;
        warn(
            "record at offset "
                + offset
                + " declares "
                + length
                + " bytes, more than the "
                + MAX_RECORD_BYTES
                + " this reader accepts; skipped");
        offset += recordBytes;
        continue;
      }
      at = fill(offset, (int) recordBytes);
      if (at < 0) {
        break;
      }
      int dataAt = at + HEADER_BYTES;
      int dataLength = (int) length;
      if (crc.of(buffer, dataAt, dataLength) != littleEndianInt(buffer, dataAt + dataLength)) {
        corruptRecords++;
        warn("record at offset " + offset + " (" + length + " bytes) fails its data CRC; skipped");
        offset += recordBytes;
        continue;
      }
      Event event;
      try {
        event = Event.parser().parseFrom(buffer, dataAt, dataLength);
      } catch (InvalidProtocolBufferException e) {
        corruptRecords++;
        warn(
            "record at offset "
                + offset
                + " has an intact CRC but is not a TensorBoard Event ("
                + e.getMessage()
                + "); skipped");
        offset += recordBytes;
        continue;
      }
      // Move past the record before delivering, so a sink that throws does not get it twice.
      offset += recordBytes;
      recordsRead++;
      delivered += extractor.deliver(event, sink);
    }
    return delivered;
  }

  /** The file this tailer reads. */
  public Path file() {
    return file;
  }

  /** Complete, valid records read so far, scalars or not, across reopenings. */
  public long recordsRead() {
    return recordsRead;
  }

  /**
   * Records skipped so far because their length CRC or data CRC was wrong, their length was
   * absurd, or their data was not a decodable Event.
   */
  public long corruptRecords() {
    return corruptRecords;
  }

  /** File offset of the next record to read; for tests and diagnostics. */
  long offset() {
    return offset;
  }

  /** Closes the file. Idempotent; a closed tailer cannot poll again. */
  @Override
  public void close() {
    closed = true;
    closeChannel();
  }

  @Override
  public String toString() {
    return "EventFileTailer["
        + file
        + " at offset "
        + offset
        + ", "
        + recordsRead
        + " records, "
        + corruptRecords
        + " corrupt]";
  }

  /**
   * Makes sure the open channel is still the file at {@link #file}; reopens it from the start when
   * it was replaced or shrunk, and closes it when it is gone. Returns false when there is no file
   * to read now.
   */
  private boolean checkFileIdentity() throws IOException {
    BasicFileAttributes attributes;
    try {
      attributes = Files.readAttributes(file, BasicFileAttributes.class);
    } catch (NoSuchFileException e) {
      if (channel != null) {
        note("event file disappeared; will read it from the start if it appears again");
        closeChannel();
        restartFromBeginning();
      }
      return false;
    }
    if (channel == null) {
      note("event file appeared again; reading it from the start");
      reopen();
      return true;
    }
    if (!Objects.equals(attributes.fileKey(), fileKey)) {
      note(
          "event file was replaced by another file ("
              + fileKey
              + " -> "
              + attributes.fileKey()
              + "); reading the new one from the start");
      reopen();
    } else if (attributes.size() < offset) {
      note(
          "event file shrank to "
              + attributes.size()
              + " bytes below read offset "
              + offset
              + "; reading it again from the start");
      reopen();
    }
    return true;
  }

  private void reopen() throws IOException {
    closeChannel();
    restartFromBeginning();
    try {
      channel = FileChannel.open(file, StandardOpenOption.READ);
    } catch (NoSuchFileException e) {
      return;
    }
    fileKey = Files.readAttributes(file, BasicFileAttributes.class).fileKey();
  }

  private void restartFromBeginning() {
    offset = 0;
    resynchronising = false;
    extractor.reset();
  }

  private void closeChannel() {
    if (channel == null) {
      return;
    }
    try {
      channel.close();
    } catch (IOException e) {
      logger.log(Level.FINE, "closing " + file + " failed; ignored", e);
    }
    channel = null;
  }

  /**
   * Makes {@code count} bytes of the file from {@code position} available in {@link #buffer} and
   * returns their index there, or -1 when the file ends before them (not written yet). Keeps the
   * bytes already buffered from {@code position} on, so sequential records cost one read per
   * buffer-full.
   */
  private int fill(long position, int count) throws IOException {
    long bufferEnd = bufferStart + bufferLength;
    if (position >= bufferStart && position + count <= bufferEnd) {
      return (int) (position - bufferStart);
    }
    int kept = 0;
    if (position >= bufferStart && position < bufferEnd) {
      kept = (int) (bufferEnd - position);
      System.arraycopy(buffer, (int) (position - bufferStart), buffer, 0, kept);
    }
    bufferStart = position;
    bufferLength = kept;
    if (count > buffer.length) {
      byte[] larger = new byte[Math.max(count, buffer.length * 2)];
      System.arraycopy(buffer, 0, larger, 0, kept);
      buffer = larger;
      bufferView = ByteBuffer.wrap(buffer);
    }
    while (bufferLength < count) {
      bufferView.limit(buffer.length).position(bufferLength);
      int read = channel.read(bufferView, bufferStart + bufferLength);
      if (read <= 0) {
        return -1;
      }
      bufferLength += read;
    }
    return 0;
  }

  private void warn(String message) {
    if (warnings < MAX_WARNINGS) {
      warnings++;
      logger.warning(
          file
              + ": "
              + message
              + (warnings == MAX_WARNINGS ? " (further damage in this file is only counted)" : "")
              + "; the values in that record are lost, the rest of the file is still read");
    }
  }

  private void note(String message) {
    logger.info(file + ": " + message);
  }

  private static long littleEndianLong(byte[] b, int at) {
    return (littleEndianInt(b, at) & 0xffffffffL) | (long) littleEndianInt(b, at + 4) << 32;
  }

  private static int littleEndianInt(byte[] b, int at) {
    return (b[at] & 0xff) | (b[at + 1] & 0xff) << 8 | (b[at + 2] & 0xff) << 16 | b[at + 3] << 24;
  }
}
