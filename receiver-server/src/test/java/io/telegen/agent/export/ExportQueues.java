package io.telegen.agent.export;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;

/** Disk queues with a given sync interval, for the benchmark outside this package. */
public final class ExportQueues {

  private ExportQueues() {}

  public static ExportQueue disk(Path dir, Duration syncEvery) throws IOException {
    return DiskExportQueue.open(dir, 1024, 1L << 30, DiskExportQueue.SEGMENT_BYTES, syncEvery);
  }
}
