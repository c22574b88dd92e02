package io.telegen.gpu.nccl.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Any counter file the directory can hold: {@link NcclCounterFile#open} either refuses it with an
 * {@link IOException} that names the file and what to do, or reads it, and then never reads more
 * communicators than the header announces and the file holds, nor a name longer than its field.
 *
 * <p>The pid the file name would carry is the one in the header (when there is one), so the
 * fuzzer gets past that check and into the slots.
 */
class NcclCounterFileFuzzTest {

  // In memory where there is a tmpfs (as the plugin's own files are, in /dev/shm): a disk file
  // system's metadata updates would cost more than the parsing.
  private static final Path DIR =
      Files.isDirectory(Path.of("/dev/shm")) && Files.isWritable(Path.of("/dev/shm"))
          ? Path.of("/dev/shm")
          : Path.of(System.getProperty("java.io.tmpdir"));

  @FuzzTest(maxDuration = "12s")
  void read(byte[] file) throws IOException {
    // A new file for every input: rewriting one the last inputs still have mapped (until the
    // collector unmaps them) makes the kernel visit every mapping, and slows fuzzing many times
    // over.
    Path path = Files.createTempFile(DIR, "nccl-", ".bin");
    try {
      Files.write(path, file);
      check(path, file);
    } finally {
      Files.delete(path);
    }
  }

  private static void check(Path path, byte[] file) throws IOException {
    int pid =
        file.length >= 24 ? ByteBuffer.wrap(file).order(ByteOrder.LITTLE_ENDIAN).getInt(20) : 0;
    NcclCounterFile counters;
    try {
      counters = NcclCounterFile.open(path, pid);
    } catch (IOException e) {
      assertTrue(e.getMessage().startsWith(path + ": "), "does not name the file: " + e);
      return;
    }
    assertEquals(pid, counters.pid());
    assertTrue(counters.job().length() <= NcclCounterFile.JOB_LEN, "job " + counters.job());
    counters.apiVersion();
    counters.overflowComms();
    counters.overflowEvents();
    List<NcclCommCounters> comms = counters.comms();
    long slots = (file.length - NcclCounterFile.HEADER_SIZE) / NcclCounterFile.SLOT_SIZE;
    assertTrue(comms.size() <= Math.min(slots, NcclCounterFile.MAX_SLOTS), comms.size() + " comms");
    for (NcclCommCounters comm : comms) {
      assertTrue(comm.commName().length() <= NcclCounterFile.COMM_NAME_LEN, comm.commName());
      assertEquals(NcclCollective.COUNT, comm.sendBytes().length);
      assertEquals(NcclCollective.COUNT, comm.recvBytes().length);
      assertEquals(NcclCollective.COUNT, comm.ops().length);
      assertTrue(!comm.commLabel().isEmpty(), "an empty comm label");
    }
  }
}
