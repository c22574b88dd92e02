package io.telegen.agent.export;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import io.opentelemetry.proto.collector.logs.v1.ExportLogsServiceRequest;
import io.opentelemetry.proto.collector.metrics.v1.ExportMetricsServiceRequest;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.telegen.source.ProblemLog;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.logging.Logger;
import java.util.zip.CRC32C;

/**
 * An {@link ExportQueue} that survives the agent: every request is appended to a segment log in
 * {@code agent.exporter.queue.directory} before {@link #offer} returns, and leaves it only when
 * {@link #remove}d (the collector acknowledged it, or refused it for good) or evicted. An agent
 * killed or crashed resumes from the log: what was queued and not yet acknowledged is delivered,
 * the request in flight at the kill perhaps twice.
 *
 * <p>On disk: segment files {@code <n>.segment} of records {@code [length u32][crc32c u32][signal
 * u8][items u32][request]}, the CRC over everything after it; and {@code ack}, the segment and
 * offset of the first record not yet delivered, replaced atomically (write, rename) on every
 * removal. A segment is deleted once every record in it is delivered. A record torn by a crash in
 * the middle of an append, or damaged since, fails its length or CRC check: it is skipped and
 * counted, the segment is cut there, and the records before it are kept.
 *
 * <p>Durability: an append is written to the file before the call returns, which a killed
 * process cannot lose (the kernel holds it), but not forced to the device: a power loss can lose
 * the appends of the last moments. Forcing each append costs a device flush per request (see the
 * README's figures); {@link #SYNC_EVERY} bounds that window instead.
 *
 * <p>When the directory cannot be written (disk full, read-only, removed), the queue goes on in
 * memory, says so once, and {@link #onDisk()} turns false until an append succeeds again. What it
 * holds in memory then has its own bound, {@code maxMemoryBytes}, below {@code maxBytes} (256 MiB by
 * default, more than the agent's heap): past it an offer is refused, or evicts the oldest request
 * held in memory, as a memory queue does.
 */
public final class DiskExportQueue implements ExportQueue, AutoCloseable {

  private static final Logger logger = Logger.getLogger(DiskExportQueue.class.getName());

  /** A segment is closed and a new one begun past this size. */
  static final long SEGMENT_BYTES = 16L * 1024 * 1024;

  /** The longest time appended data waits to be forced to the device. */
  public static final Duration SYNC_EVERY = Duration.ofSeconds(1);

  /**
   * After a failed append, how long new data stays in memory before the disk is tried again,
   * unless a delivery frees space first: a small request that would still fit must not flip the
   * queue back and forth (a warning each time) at the edge of a full disk.
   */
  static final Duration DISK_RETRY = Duration.ofSeconds(30);

  private static final int HEADER = 4 + 4 + 1 + 4;
  private static final int MAX_RECORD = 64 * 1024 * 1024;
  private static final String SEGMENT_SUFFIX = ".segment";

  private final Path directory;
  private final int capacity;
  private final long maxBytes;
  private final long maxMemoryBytes;
  private final long segmentBytes;
  private final long syncEveryNanos;
  private final long diskRetryNanos;
  private final ReentrantLock lock = new ReentrantLock();
  private final Condition notEmpty = lock.newCondition();
  private final ArrayDeque<Entry> entries = new ArrayDeque<>();
  private final AtomicLong corrupt = new AtomicLong();
  private final ProblemLog problems = new ProblemLog(logger, "export queue");
  private long bytes;
  // Of bytes, those of requests held only in memory (the directory could not be written).
  private long memoryBytes;
  private FileChannel writing;
  private long writingSegment;
  private long writingOffset;
  private long lastSyncNanos;
  // Segments before this one are delivered and deleted.
  private long firstKeptSegment;
  private boolean onDisk = true;
  // While !onDisk: when the disk is tried again (0: at once, a delivery freed space).
  private long nextDiskAttemptNanos;

  /** One queued request: where its record is, or (in memory) the request itself. */
  private static final class Entry {
    final long segment;
    final long offset;
    final int length;
    final Signal signal;
    final int items;
    ExportItem decoded;

    Entry(long segment, long offset, int length, Signal signal, int items, ExportItem decoded) {
      this.segment = segment;
      this.offset = offset;
      this.length = length;
      this.signal = signal;
      this.items = items;
      this.decoded = decoded;
    }

    boolean inMemory() {
      return segment < 0;
    }

    long size() {
      return HEADER + (long) length;
    }
  }

  private DiskExportQueue(
      Path directory,
      int capacity,
      long maxBytes,
      long maxMemoryBytes,
      long segmentBytes,
      Duration syncEvery,
      Duration diskRetry) {
    this.directory = directory;
    this.capacity = capacity;
    this.maxBytes = maxBytes;
    this.maxMemoryBytes = maxMemoryBytes;
    this.segmentBytes = segmentBytes;
    this.syncEveryNanos = syncEvery.toNanos();
    this.diskRetryNanos = diskRetry.toNanos();
  }

  /**
   * Opens the queue in {@code directory} (created if absent), resuming what an earlier agent left
   * there.
   *
   * @param capacity requests held at most ({@code agent.exporter.queue.max_requests})
   * @param maxBytes bytes of requests held at most ({@code agent.exporter.queue.max_bytes})
   * @param maxMemoryBytes of those, bytes held in memory at most while the directory cannot be
   *     written
   * @throws IOException when the directory cannot be created or read: the operator's to fix
   */
  public static DiskExportQueue open(
      Path directory, int capacity, long maxBytes, long maxMemoryBytes) throws IOException {
    return open(
        directory, capacity, maxBytes, maxMemoryBytes, SEGMENT_BYTES, SYNC_EVERY, DISK_RETRY);
  }

  /** As above, holding up to {@code maxBytes} in memory as well (tests and benchmarks). */
  static DiskExportQueue open(Path directory, int capacity, long maxBytes) throws IOException {
    return open(directory, capacity, maxBytes, SEGMENT_BYTES, SYNC_EVERY);
  }

  /** As the public one; {@code syncEvery} zero forces every append (the benchmark's other arm). */
  static DiskExportQueue open(
      Path directory, int capacity, long maxBytes, long segmentBytes, Duration syncEvery)
      throws IOException {
    return open(directory, capacity, maxBytes, segmentBytes, syncEvery, DISK_RETRY);
  }

  /** As above; {@code diskRetry} zero tries the disk again at the next append after a failure. */
  static DiskExportQueue open(
      Path directory,
      int capacity,
      long maxBytes,
      long segmentBytes,
      Duration syncEvery,
      Duration diskRetry)
      throws IOException {
    return open(directory, capacity, maxBytes, maxBytes, segmentBytes, syncEvery, diskRetry);
  }

  /** As above, with a bound of its own on what is held in memory. */
  static DiskExportQueue open(
      Path directory,
      int capacity,
      long maxBytes,
      long maxMemoryBytes,
      long segmentBytes,
      Duration syncEvery,
      Duration diskRetry)
      throws IOException {
    if (capacity < 1 || maxBytes < 1 || maxMemoryBytes < 1) {
      throw new IllegalArgumentException("queue capacity and sizes must be >= 1");
    }
    Files.createDirectories(directory);
    DiskExportQueue queue =
        new DiskExportQueue(
            directory, capacity, maxBytes, maxMemoryBytes, segmentBytes, syncEvery, diskRetry);
    queue.recover();
    return queue;
  }

  /** Whether appends reach the directory now (false after a failed write, until one succeeds). */
  public boolean onDisk() {
    lock.lock();
    try {
      return onDisk;
    } finally {
      lock.unlock();
    }
  }

  /** Records found torn or damaged and skipped since the start. */
  public long corruptRecords() {
    return corrupt.get();
  }

  /** Bytes of requests held. */
  public long bytes() {
    lock.lock();
    try {
      return bytes;
    } finally {
      lock.unlock();
    }
  }

  @Override
  public boolean offer(ExportItem item) {
    byte[] request = item.toBytes();
    lock.lock();
    try {
      if (entries.size() >= capacity
          || bytes + HEADER + request.length > maxBytes
          || memoryFull(HEADER + request.length)) {
        return false;
      }
      append(item, request);
      return true;
    } finally {
      lock.unlock();
    }
  }

  @Override
  public List<ExportItem> offerEvictingOldest(ExportItem item) {
    byte[] request = item.toBytes();
    lock.lock();
    try {
      List<ExportItem> evicted = new ArrayList<>(0);
      while (!entries.isEmpty()
          && (entries.size() >= capacity || bytes + HEADER + request.length > maxBytes)) {
        ExportItem dropped = decode(entries.peekFirst());
        removeHead();
        if (dropped != null) { // else unreadable since it was written: counted as corrupt
          evicted.add(dropped);
        }
      }
      while (memoryFull(HEADER + request.length)) {
        evicted.add(removeOldestInMemory());
      }
      append(item, request);
      return evicted;
    } finally {
      lock.unlock();
    }
  }

  @Override
  public ExportItem peek(Duration timeout) throws InterruptedException {
    long nanos = timeout.toNanos();
    lock.lock();
    try {
      while (true) {
        while (entries.isEmpty()) {
          if (nanos <= 0) {
            return null;
          }
          nanos = notEmpty.awaitNanos(nanos);
        }
        Entry head = entries.peekFirst();
        ExportItem item = decode(head);
        if (item != null) {
          return item;
        }
        removeHead(); // unreadable since it was written: counted, skipped
      }
    } finally {
      lock.unlock();
    }
  }

  /**
   * The oldest readable items, up to {@code max}; it stops before the first record that cannot be
   * read back (past the head: {@link #peek} skips and counts it once it is the head).
   */
  @Override
  public List<ExportItem> peekFirst(int max, long maxBytes) throws InterruptedException {
    lock.lock();
    try {
      List<ExportItem> first = new ArrayList<>(Math.min(max, entries.size()));
      if (entries.isEmpty()) {
        return first;
      }
      ExportItem head = peek(Duration.ZERO); // skips an unreadable head, as the export loop does
      if (head == null) {
        return first;
      }
      first.add(head);
      // Bounded by bytes before anything is read back: past the head, what is decoded here stays
      // in the heap until delivered.
      long bytes = head.serializedSize();
      boolean atHead = true;
      for (Entry entry : entries) {
        if (atHead) {
          atHead = false;
          continue;
        }
        bytes += entry.length;
        if (first.size() >= max
            || bytes > maxBytes
            || entry.decoded == null && !entry.inMemory() && !readable(entry)) {
          break;
        }
        first.add(entry.decoded);
      }
      return first;
    } finally {
      lock.unlock();
    }
  }

  /** Whether {@code entry}'s record reads back; it is then kept decoded, as a head would be. */
  private boolean readable(Entry entry) {
    long before = corrupt.get();
    if (decode(entry) != null) {
      return true;
    }
    corrupt.set(before); // counted when it is the head and skipped, not twice
    return false;
  }

  @Override
  public void remove(ExportItem item) {
    lock.lock();
    try {
      Entry head = entries.peekFirst();
      if (head != null && head.decoded == item) {
        removeHead();
      }
      // Not the head: eviction took it already.
    } finally {
      lock.unlock();
    }
  }

  /** As {@link #remove} for each, in order, with one ack for them all. */
  @Override
  public void removeAll(List<ExportItem> items) {
    lock.lock();
    try {
      boolean moved = false;
      for (ExportItem item : items) {
        Entry head = entries.peekFirst();
        if (head != null && head.decoded == item) {
          moved |= popHead();
        }
      }
      if (moved) {
        recordDelivery();
      }
    } finally {
      lock.unlock();
    }
  }

  @Override
  public int size() {
    lock.lock();
    try {
      return entries.size();
    } finally {
      lock.unlock();
    }
  }

  @Override
  public int capacity() {
    return capacity;
  }

  @Override
  public int inMemoryOnly() {
    lock.lock();
    try {
      int count = 0;
      for (Entry entry : entries) {
        if (entry.inMemory()) {
          count++;
        }
      }
      return count;
    } finally {
      lock.unlock();
    }
  }

  // ---------------------------------------------------------------- appending

  /**
   * Whether {@code adding} more bytes would go to memory (the disk is not tried again yet) and
   * outgrow its bound. Right after a failed write one request may still go past it: the failure
   * is only known then.
   */
  private boolean memoryFull(long adding) {
    return memoryBytes > 0
        && memoryBytes + adding > maxMemoryBytes
        && !onDisk
        && System.nanoTime() - nextDiskAttemptNanos < 0;
  }

  /** Evicts the oldest request held only in memory (never written, so the ack stays). */
  private ExportItem removeOldestInMemory() {
    for (Iterator<Entry> it = entries.iterator(); it.hasNext(); ) {
      Entry entry = it.next();
      if (entry.inMemory()) {
        it.remove();
        bytes -= entry.size();
        memoryBytes -= entry.size();
        return entry.decoded;
      }
    }
    throw new IllegalStateException("memoryBytes is " + memoryBytes + " with nothing in memory");
  }

  private void append(ExportItem item, byte[] request) {
    Entry entry;
    try {
      if (!onDisk && System.nanoTime() - nextDiskAttemptNanos < 0) {
        throw new DiskStillFull();
      }
      entry = write(item, request, entries.isEmpty());
      if (!onDisk) {
        onDisk = true;
        problems.clear(
            "write", "the export queue writes to " + directory + " again; new data is on disk");
      }
    } catch (DiskStillFull e) {
      entry = new Entry(-1, -1, request.length, item.signal(), item.items(), item);
    } catch (IOException e) {
      closeWriting();
      if (onDisk) {
        onDisk = false;
      }
      nextDiskAttemptNanos = System.nanoTime() + diskRetryNanos;
      problems.report(
          "write",
          "cannot write the export queue in "
              + directory
              + " ("
              + e.getMessage()
              + "); new data is queued in memory only and is lost if the agent stops before"
              + " the collector takes it. Free space or fix the directory's permissions"
              + " (agent.exporter.queue.directory)");
      entry = new Entry(-1, -1, request.length, item.signal(), item.items(), item);
    }
    entries.addLast(entry);
    bytes += entry.size();
    if (entry.inMemory()) {
      memoryBytes += entry.size();
    }
    notEmpty.signal();
  }

  /**
   * Appends one record. {@code keepDecoded}: the entry keeps the request itself (the export loop
   * takes it next); the others are read back from the file when their turn comes, so that the
   * heap holds one request of an outage's backlog, not all of it.
   */
  private Entry write(ExportItem item, byte[] request, boolean keepDecoded) throws IOException {
    if (writing == null || writingOffset >= segmentBytes) {
      roll();
    }
    ByteBuffer record = ByteBuffer.allocate(HEADER + request.length);
    record.putInt(request.length);
    record.putInt(0); // the CRC, once the rest is in
    record.put((byte) item.signal().ordinal());
    record.putInt(item.items());
    record.put(request);
    CRC32C crc = new CRC32C();
    crc.update(record.array(), 8, record.capacity() - 8);
    record.putInt(4, (int) crc.getValue());
    record.flip();
    long offset = writingOffset;
    try {
      while (record.hasRemaining()) {
        writing.write(record);
      }
    } catch (IOException e) {
      undoPartialWrite(offset);
      throw e;
    }
    writingOffset += HEADER + request.length;
    long now = System.nanoTime();
    if (now - lastSyncNanos >= syncEveryNanos) {
      writing.force(false);
      lastSyncNanos = now;
    }
    return new Entry(
        writingSegment,
        offset,
        request.length,
        item.signal(),
        item.items(),
        keepDecoded ? item : null);
  }

  /**
   * Takes back what a failed append left (disk full: part of a record): the segment is cut
   * where the record began, or removed when the record was its first, so that neither a torn
   * record nor an empty segment per failed attempt is left behind.
   */
  private void undoPartialWrite(long offset) {
    try {
      if (offset == 0) {
        writing.close();
        writing = null;
        Files.deleteIfExists(segment(writingSegment));
        writingSegment--; // the next roll opens this number again
      } else {
        writing.truncate(offset);
      }
    } catch (IOException e) {
      // Left as it is: a torn record is found, counted and cut at the next start.
    }
  }

  private void roll() throws IOException {
    closeWriting();
    long next = writingSegment + 1;
    writing =
        FileChannel.open(
            segment(next),
            StandardOpenOption.CREATE,
            StandardOpenOption.WRITE,
            StandardOpenOption.TRUNCATE_EXISTING);
    writingSegment = next;
    writingOffset = 0;
  }

  private void closeWriting() {
    if (writing != null) {
      try {
        writing.force(false);
        writing.close();
      } catch (IOException e) {
        // The next append opens a new segment, and says so if that fails too.
      }
      writing = null;
    }
  }

  // ---------------------------------------------------------------- removing

  private void removeHead() {
    if (popHead()) {
      recordDelivery();
    }
  }

  /** Drops the head; whether it was on disk (the ack must then move). */
  private boolean popHead() {
    Entry head = entries.pollFirst();
    bytes -= head.size();
    if (head.inMemory()) {
      memoryBytes -= head.size();
      return false;
    }
    return true;
  }

  /** Moves the ack to the first record still queued, deleting the segments before it. */
  private void recordDelivery() {
    // The first record not delivered: the next one on disk, else the end of what was written.
    Entry next = firstOnDisk();
    long segment;
    long offset;
    if (next != null) {
      segment = next.segment;
      offset = next.offset;
    } else if (writing != null) {
      segment = writingSegment;
      offset = writingOffset;
    } else {
      segment = writingSegment + 1; // every segment there is was read back and delivered
      offset = 0;
    }
    try {
      if (segment > firstKeptSegment) {
        // Only when delivery crossed into a later segment: no directory listing per request.
        // Before the acknowledgement: on a full disk the deletion is what makes room for it, and
        // an acknowledgement left pointing into a deleted segment only means "from the next".
        deleteSegmentsBefore(segment);
        firstKeptSegment = segment;
        nextDiskAttemptNanos = System.nanoTime(); // room again, perhaps: try at the next append
      }
      writeAck(segment, offset);
      problems.clear("ack", "the export queue in " + directory + " records deliveries again");
    } catch (IOException e) {
      problems.report(
          "ack",
          "cannot record in "
              + directory
              + " what was delivered ("
              + e.getMessage()
              + "); after a restart the agent sends it again");
    }
  }

  /** Not tried: the last append failed and no delivery has freed space since. */
  private static final class DiskStillFull extends IOException {
    private static final long serialVersionUID = 1L;

    DiskStillFull() {
      super("not tried again yet", null);
    }
  }

  private Entry firstOnDisk() {
    for (Entry entry : entries) {
      if (!entry.inMemory()) {
        return entry;
      }
    }
    return null;
  }

  private void writeAck(long segment, long offset) throws IOException {
    Path temporary = directory.resolve("ack.tmp");
    ByteBuffer ack = ByteBuffer.allocate(16).putLong(segment).putLong(offset);
    Files.write(temporary, ack.array());
    Files.move(temporary, directory.resolve("ack"), StandardCopyOption.ATOMIC_MOVE);
  }

  private void deleteSegmentsBefore(long segment) throws IOException {
    for (long number : segments()) {
      if (number < segment) {
        Files.deleteIfExists(segment(number));
      }
    }
  }

  // ---------------------------------------------------------------- reading

  private ExportItem decode(Entry entry) {
    if (entry.decoded != null) {
      return entry.decoded;
    }
    try (FileChannel in = FileChannel.open(segment(entry.segment), StandardOpenOption.READ)) {
      ByteBuffer record = ByteBuffer.allocate(HEADER + entry.length);
      while (record.hasRemaining() && in.read(record, entry.offset + record.position()) >= 0) {
        // read on until full or at the end
      }
      record.flip();
      RecordView view = RecordView.check(record);
      if (view == null) {
        corrupt.incrementAndGet();
        return null;
      }
      entry.decoded = new ExportItem(entry.signal, parse(entry.signal, view.request), entry.items);
      return entry.decoded;
    } catch (IOException e) {
      corrupt.incrementAndGet();
      return null;
    }
  }

  private static Message parse(Signal signal, byte[] request)
      throws InvalidProtocolBufferException {
    switch (signal) {
      case METRICS:
        return ExportMetricsServiceRequest.parseFrom(request);
      case TRACES:
        return ExportTraceServiceRequest.parseFrom(request);
      default:
        return ExportLogsServiceRequest.parseFrom(request);
    }
  }

  /** A record whose length and CRC check out. */
  private record RecordView(Signal signal, int items, byte[] request) {

    /** The record at {@code buffer}'s position, or null when torn or damaged. */
    static RecordView check(ByteBuffer buffer) {
      if (buffer.remaining() < HEADER) {
        return null;
      }
      int start = buffer.position();
      int length = buffer.getInt(start);
      if (length < 0 || length > MAX_RECORD || buffer.remaining() < HEADER + length) {
        return null;
      }
      CRC32C crc = new CRC32C();
      crc.update(buffer.array(), buffer.arrayOffset() + start + 8, HEADER - 8 + length);
      if ((int) crc.getValue() != buffer.getInt(start + 4)) {
        return null;
      }
      int signal = buffer.get(start + 8);
      if (signal < 0 || signal >= Signal.values().length) {
        return null;
      }
      byte[] request = new byte[length];
      buffer.get(start + HEADER, request);
      return new RecordView(Signal.values()[signal], buffer.getInt(start + 9), request);
    }
  }

  /** Reads the log back: every record from the acknowledged position on, in order. */
  private void recover() throws IOException {
    long ackSegment = 0;
    long ackOffset = 0;
    Path ack = directory.resolve("ack");
    if (Files.exists(ack)) {
      byte[] saved = Files.readAllBytes(ack);
      if (saved.length == 16) {
        ByteBuffer read = ByteBuffer.wrap(saved);
        ackSegment = read.getLong();
        ackOffset = read.getLong();
      }
    }
    // New segments come after everything acknowledged, even when no segment is left.
    writingSegment = ackSegment;
    firstKeptSegment = ackSegment;
    List<Long> numbers = segments();
    for (long number : numbers) {
      if (number < ackSegment) {
        Files.deleteIfExists(segment(number));
        continue;
      }
      recoverSegment(number, number == ackSegment ? ackOffset : 0);
      writingSegment = Math.max(writingSegment, number);
    }
    if (corrupt.get() > 0) {
      logger.warning(
          "the export queue in "
              + directory
              + " held "
              + corrupt.get()
              + " torn or damaged record(s), skipped (an agent stopped in the middle of a write);"
              + " "
              + entries.size()
              + " request(s) are resumed");
    } else if (!entries.isEmpty()) {
      logger.info(
          "the export queue in " + directory + " resumes " + entries.size() + " request(s)");
    }
  }

  private void recoverSegment(long number, long from) throws IOException {
    Path file = segment(number);
    byte[] content = Files.readAllBytes(file);
    ByteBuffer buffer = ByteBuffer.wrap(content);
    int position = (int) Math.min(from, content.length);
    while (position < content.length) {
      buffer.position(position);
      RecordView view = RecordView.check(buffer);
      if (view == null) {
        // Torn at the end by a crash (or damaged): what follows cannot be framed. Cut it off so
        // that the segment reads cleanly next time.
        corrupt.incrementAndGet();
        try (FileChannel out = FileChannel.open(file, StandardOpenOption.WRITE)) {
          out.truncate(position);
        }
        break;
      }
      Entry entry = new Entry(number, position, view.request.length, view.signal, view.items, null);
      entries.addLast(entry);
      bytes += entry.size();
      position += HEADER + view.request.length;
    }
  }

  private List<Long> segments() throws IOException {
    List<Long> numbers = new ArrayList<>();
    try (DirectoryStream<Path> files = Files.newDirectoryStream(directory, "*" + SEGMENT_SUFFIX)) {
      for (Path file : files) {
        String name = file.getFileName().toString();
        try {
          numbers.add(Long.parseLong(name.substring(0, name.length() - SEGMENT_SUFFIX.length())));
        } catch (NumberFormatException e) {
          // not ours
        }
      }
    }
    numbers.sort(null);
    return numbers;
  }

  private Path segment(long number) {
    return directory.resolve(String.format("%016d%s", number, SEGMENT_SUFFIX));
  }

  /**
   * Writes what is held only in memory (queued while the directory could not be written) to the
   * log if it can be written now, forces what was appended to the device and closes the segment;
   * what is queued stays for the next start. Call it once nothing is delivered any more: the
   * requests written here go after the ones already on disk.
   *
   * @return requests that could not be written and are lost with the process
   */
  public int closeKeepingMemory() {
    lock.lock();
    try {
      int written = 0;
      int lost = 0;
      List<Entry> kept = new ArrayList<>(entries.size());
      for (Entry entry : entries) {
        if (!entry.inMemory()) {
          kept.add(entry);
          continue;
        }
        if (lost == 0) {
          try {
            kept.add(write(entry.decoded, entry.decoded.request().toByteArray(), false));
            written++;
            continue;
          } catch (IOException e) {
            problems.report(
                "write",
                "cannot write the export queue in "
                    + directory
                    + " at shutdown ("
                    + e.getMessage()
                    + ")");
          }
        }
        lost++;
        kept.add(entry);
      }
      entries.clear();
      entries.addAll(kept);
      memoryBytes = 0;
      for (Entry entry : kept) {
        memoryBytes += entry.inMemory() ? entry.size() : 0;
      }
      closeWriting();
      if (written > 0 || lost > 0) {
        logger.warning(
            "the export queue in "
                + directory
                + " held "
                + (written + lost)
                + " request(s) in memory only (the directory could not be written): "
                + written
                + " written to it at shutdown and resumed at the next start, "
                + lost
                + " lost. Free space in "
                + directory
                + " (agent.exporter.queue.directory)");
      }
      return lost;
    } finally {
      lock.unlock();
    }
  }

  /** Forces what was appended to the device and closes the segment; what is queued stays. */
  @Override
  public void close() {
    closeKeepingMemory();
  }

  /** For tests: the requests queued, oldest first, decoded. */
  List<ExportItem> items() {
    lock.lock();
    try {
      List<ExportItem> items = new ArrayList<>();
      for (Entry entry : entries) {
        ExportItem item = decode(entry);
        if (item != null) {
          items.add(item);
        }
      }
      return items;
    } finally {
      lock.unlock();
    }
  }
}
