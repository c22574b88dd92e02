package io.telegen.frameworks.bench;

import io.telegen.frameworks.training.tfevents.EventFileTailer;
import io.telegen.frameworks.training.tfevents.ScalarSink;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * Event-file read throughput: the whole of one large {@code events.out.tfevents.*} file, read by a
 * fresh {@link EventFileTailer} per pass (open, one poll to the end, close), as the agent reads a
 * run it discovers mid-training.
 *
 * <p>Run with {@code frameworks/bench-tfevents.sh}, which makes the file. Prints one line,
 * {@code java records/s: N}, the median of the timed passes, after untimed warm-up passes; the
 * file is in the page cache after the first pass, so this measures framing, CRC and protobuf
 * decoding, not the disk. A plain main rather than JMH because one pass is a whole second-scale
 * file read and the comparison is against a Python loader timed the same way.
 */
public final class EventFileReadBenchmark {

  private EventFileReadBenchmark() {}

  /** Sums what it is given, so the JIT cannot drop the decoding. */
  private static final class SummingSink implements ScalarSink {
    double sum;
    long count;

    @Override
    public void scalar(String tag, long step, double wallTimeSeconds, double value) {
      sum += value + step + tag.length();
      count++;
    }
  }

  public static void main(String[] args) throws IOException {
    if (args.length < 1) {
      System.err.println("usage: EventFileReadBenchmark FILE [WARMUP_PASSES] [TIMED_PASSES]");
      System.exit(2);
    }
    Path file = Path.of(args[0]);
    if (!Files.isRegularFile(file)) {
      System.err.println(
          "event file " + file + " does not exist; frameworks/bench-tfevents.sh makes it");
      System.exit(2);
    }
    int warmup = args.length > 1 ? Integer.parseInt(args[1]) : 3;
    int timed = args.length > 2 ? Integer.parseInt(args[2]) : 5;
    long records = 0;
    for (int i = 0; i < warmup; i++) {
      records = pass(file, new SummingSink());
    }
    double[] rates = new double[timed];
    SummingSink sink = new SummingSink();
    for (int i = 0; i < timed; i++) {
      long start = System.nanoTime();
      records = pass(file, sink);
      rates[i] = records / ((System.nanoTime() - start) / 1e9);
    }
    Arrays.sort(rates);
    System.out.printf(
        "java records: %d in %.1f MB, %d scalars per pass (checksum %.3f)%n",
        records, Files.size(file) / 1e6, sink.count / timed, sink.sum);
    System.out.printf(
        "java records/s: %.0f (min %.0f, max %.0f over %d passes)%n",
        rates[timed / 2], rates[0], rates[timed - 1], timed);
  }

  private static long pass(Path file, ScalarSink sink) throws IOException {
    try (EventFileTailer tailer = EventFileTailer.open(file)) {
      tailer.poll(sink);
      if (tailer.corruptRecords() != 0) {
        throw new IllegalStateException(
            file
                + ": "
                + tailer.corruptRecords()
                + " corrupt records; delete it and let bench-tfevents.sh make it again");
      }
      return tailer.recordsRead();
    }
  }
}
