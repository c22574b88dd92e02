package io.telegen.gpu.nccl.internal;

import java.io.IOException;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;

/**
 * One process's counter file ({@code nccl-<pid>.bin}), mapped read-only. The layout is declared
 * in {@code gpu/src/main/native/nccl-profiler/telegen_nccl_shm.h}; the offsets below repeat it.
 *
 * <p>This class is internal and is hence not for public use. Its APIs are unstable and can
 * change at any time.
 */
public final class NcclCounterFile {

  static final byte[] MAGIC = {'T', 'G', 'N', 'C'};
  static final int LAYOUT_VERSION = 1;
  static final int HEADER_SIZE = 128;
  static final int SLOT_SIZE = 384;

  /** More slots than any plugin build writes; bounds what a corrupt header can make us read. */
  static final int MAX_SLOTS = 4096;

  static final int JOB_LEN = 64;
  static final int COMM_NAME_LEN = 32;
  static final int SLOT_READY = 2;

  // header offsets
  private static final int H_VERSION = 4;
  private static final int H_HEADER_SIZE = 8;
  private static final int H_SLOT_COUNT = 12;
  private static final int H_SLOT_SIZE = 16;
  private static final int H_PID = 20;
  private static final int H_NCCL_VERSION = 24;
  private static final int H_API_VERSION = 28;
  private static final int H_CREATED = 32;
  private static final int H_OVERFLOW_COMMS = 40;
  private static final int H_OVERFLOW_EVENTS = 48;
  private static final int H_JOB = 64;
  // slot offsets
  private static final int S_STATE = 0;
  private static final int S_RANK = 4;
  private static final int S_COMM_HASH = 8;
  private static final int S_NRANKS = 16;
  private static final int S_NNODES = 20;
  private static final int S_CUDA_DEV = 24;
  private static final int S_COMM_NAME = 32;
  private static final int S_KINDS = 64;
  private static final int KIND_STRIDE = 24;

  /** Acquire loads of a slot's state pair with the plugin's release store of READY. */
  private static final VarHandle INT =
      MethodHandles.byteBufferViewVarHandle(int[].class, ByteOrder.LITTLE_ENDIAN);

  private final Path path;
  private final MappedByteBuffer map;
  private final int slotCount;
  private final int pid;
  private final int ncclVersion;
  private final long createdUnixNanos;
  private final String job;

  private NcclCounterFile(Path path, MappedByteBuffer map, int slotCount) {
    this.path = path;
    this.map = map;
    this.slotCount = slotCount;
    this.pid = map.getInt(H_PID);
    this.ncclVersion = map.getInt(H_NCCL_VERSION);
    this.createdUnixNanos = map.getLong(H_CREATED);
    this.job = cString(map, H_JOB, JOB_LEN);
  }

  /**
   * Maps and validates {@code path}.
   *
   * @param expectedPid the pid in the file name, which the header must repeat
   * @throws IOException naming the file, what is wrong with it and what to do
   */
  public static NcclCounterFile open(Path path, int expectedPid) throws IOException {
    MappedByteBuffer map;
    try (FileChannel channel = FileChannel.open(path, StandardOpenOption.READ)) {
      long size = channel.size();
      if (size < HEADER_SIZE) {
        throw new IOException(
            path
                + ": truncated NCCL counter file ("
                + size
                + " bytes, the header"
                + " alone is "
                + HEADER_SIZE
                + "); it was not written by a Telegen NCCL profiler"
                + " plugin or was cut short. Remove it; the plugin recreates its file at NCCL init");
      }
      map = channel.map(FileChannel.MapMode.READ_ONLY, 0, size);
    }
    map.order(ByteOrder.LITTLE_ENDIAN);
    for (int i = 0; i < MAGIC.length; i++) {
      if (map.get(i) != MAGIC[i]) {
        throw new IOException(
            path
                + ": not a Telegen NCCL counter file (magic is not \"TGNC\");"
                + " keep only files of libnccl-profiler-telegen.so in this directory");
      }
    }
    int version = map.getInt(H_VERSION);
    if (version != LAYOUT_VERSION) {
      throw new IOException(
          path
              + ": NCCL counter file layout version "
              + version
              + ", this agent reads version "
              + LAYOUT_VERSION
              + "; give the training job the plugin"
              + " extracted by this agent (NcclProfilerPlugin.extractTo)");
    }
    int headerSize = map.getInt(H_HEADER_SIZE);
    int slotSize = map.getInt(H_SLOT_SIZE);
    int slotCount = map.getInt(H_SLOT_COUNT);
    if (headerSize != HEADER_SIZE
        || slotSize != SLOT_SIZE
        || slotCount < 0
        || slotCount > MAX_SLOTS) {
      throw new IOException(
          path
              + ": corrupt NCCL counter file header (header "
              + headerSize
              + " bytes, "
              + slotCount
              + " slots of "
              + slotSize
              + " bytes; layout "
              + LAYOUT_VERSION
              + " has "
              + HEADER_SIZE
              + " and "
              + SLOT_SIZE
              + "); remove the file");
    }
    long need = HEADER_SIZE + (long) slotCount * SLOT_SIZE;
    if (map.capacity() < need) {
      throw new IOException(
          path
              + ": truncated NCCL counter file ("
              + map.capacity()
              + " bytes, its header announces "
              + slotCount
              + " slots = "
              + need
              + " bytes);"
              + " remove the file");
    }
    if (map.getInt(H_PID) != expectedPid) {
      throw new IOException(
          path
              + ": NCCL counter file names pid "
              + expectedPid
              + " but its header says pid "
              + map.getInt(H_PID)
              + "; remove the file");
    }
    return new NcclCounterFile(path, map, slotCount);
  }

  public Path path() {
    return path;
  }

  public int pid() {
    return pid;
  }

  /** {@code ncclGetVersion()} of the writer, e.g. 22304; 0 when the plugin could not ask. */
  public int ncclVersion() {
    return ncclVersion;
  }

  /** When the plugin created the file: the start of every counter in it. */
  public long createdUnixNanos() {
    return createdUnixNanos;
  }

  /** {@code $TELEGEN_JOB} of the writer, empty when unset. */
  public String job() {
    return job;
  }

  /** The profiler interface version NCCL chose (1..6), 0 before the first init. */
  public int apiVersion() {
    return map.getInt(H_API_VERSION);
  }

  /** Communicators that found no free slot; their bytes are not counted. */
  public long overflowComms() {
    return map.getLong(H_OVERFLOW_COMMS);
  }

  public long overflowEvents() {
    return map.getLong(H_OVERFLOW_EVENTS);
  }

  /** A snapshot of the published slots; slots still being claimed are left for next time. */
  public List<NcclCommCounters> comms() {
    List<NcclCommCounters> comms = new ArrayList<>();
    for (int i = 0; i < slotCount; i++) {
      int base = HEADER_SIZE + i * SLOT_SIZE;
      if ((int) INT.getAcquire(map, base + S_STATE) != SLOT_READY) {
        continue;
      }
      long[] send = new long[NcclCollective.COUNT];
      long[] recv = new long[NcclCollective.COUNT];
      long[] ops = new long[NcclCollective.COUNT];
      for (int k = 0; k < NcclCollective.COUNT; k++) {
        int at = base + S_KINDS + k * KIND_STRIDE;
        send[k] = map.getLong(at);
        recv[k] = map.getLong(at + 8);
        ops[k] = map.getLong(at + 16);
      }
      comms.add(
          new NcclCommCounters(
              map.getLong(base + S_COMM_HASH),
              map.getInt(base + S_RANK),
              map.getInt(base + S_NRANKS),
              map.getInt(base + S_NNODES),
              map.getInt(base + S_CUDA_DEV),
              cString(map, base + S_COMM_NAME, COMM_NAME_LEN),
              send,
              recv,
              ops));
    }
    return comms;
  }

  private static String cString(MappedByteBuffer map, int offset, int max) {
    byte[] bytes = new byte[max];
    int n = 0;
    while (n < max) {
      byte b = map.get(offset + n);
      if (b == 0) {
        break;
      }
      bytes[n++] = b;
    }
    return new String(bytes, 0, n, StandardCharsets.UTF_8);
  }
}
