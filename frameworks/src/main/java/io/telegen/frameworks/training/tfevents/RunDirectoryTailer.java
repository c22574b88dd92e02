package io.telegen.frameworks.training.tfevents;

import io.telegen.source.ProblemLog;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.logging.Logger;

/**
 * Tails every event file directly inside one run directory, picking up files that appear later.
 *
 * <p>Writers start a new file when a job restarts or resumes (the name carries the start time), so
 * one run directory may hold several {@code events.out.tfevents.*} files. Each poll lists the
 * directory again (not its subdirectories: Keras' {@code train/} and {@code validation/} and
 * PyTorch's {@code add_scalars} children are runs of their own) and polls each file in name order,
 * which for the standard names is the order the files were started.
 *
 * <p>One file's read failure is logged with its path and does not stop the others. A directory
 * that does not exist yet is treated as empty, since the agent may find the run before the first
 * file is written. Not thread-safe: one thread polls.
 */
public final class RunDirectoryTailer implements AutoCloseable {

  /** The prefix every event file name starts with, whatever the writer. */
  public static final String EVENT_FILE_PREFIX = "events.out.tfevents.";

  private static final Logger logger = Logger.getLogger(RunDirectoryTailer.class.getName());

  private final Path directory;
  // By file name, so polling follows name order.
  private final Map<String, EventFileTailer> tailers = new TreeMap<>();
  private final ProblemLog failures = new ProblemLog(logger, "TensorBoard run");
  private boolean closed;

  /** A tailer for the event files in {@code directory}; nothing is read until {@link #poll}. */
  public RunDirectoryTailer(Path directory) {
    this.directory = Objects.requireNonNull(directory, "directory");
  }

  /**
   * Lists the directory again for new events.out.tfevents.* files, then polls each in name order.
   * Returns the number of scalars delivered.
   *
   * @throws IOException if the directory cannot be listed (other than not existing yet)
   * @throws IllegalStateException if this tailer is closed
   */
  public int poll(ScalarSink sink) throws IOException {
    Objects.requireNonNull(sink, "sink");
    if (closed) {
      throw new IllegalStateException("run directory tailer for " + directory + " is closed");
    }
    discoverFiles();
    int delivered = 0;
    for (EventFileTailer tailer : tailers.values()) {
      String key = tailer.file().toString();
      try {
        delivered += tailer.poll(sink);
        failures.clear(key, "reading event file " + key + " works again");
      } catch (IOException e) {
        failures.report(
            key,
            "reading event file "
                + key
                + " failed at offset "
                + tailer.offset()
                + ": "
                + e
                + "; retrying at each poll (logged once, and once when "
                + "it reads again)");
      }
    }
    return delivered;
  }

  /** The run directory. */
  public Path directory() {
    return directory;
  }

  /** The event files found so far, in name order (including any that have since disappeared). */
  public List<Path> files() {
    List<Path> files = new ArrayList<>(tailers.size());
    for (EventFileTailer tailer : tailers.values()) {
      files.add(tailer.file());
    }
    return files;
  }

  /** Complete, valid records read so far, summed over the files. */
  public long recordsRead() {
    long sum = 0;
    for (EventFileTailer tailer : tailers.values()) {
      sum += tailer.recordsRead();
    }
    return sum;
  }

  /** Records skipped as damaged so far, summed over the files. */
  public long corruptRecords() {
    long sum = 0;
    for (EventFileTailer tailer : tailers.values()) {
      sum += tailer.corruptRecords();
    }
    return sum;
  }

  /** Closes every file. Idempotent. */
  @Override
  public void close() {
    closed = true;
    for (EventFileTailer tailer : tailers.values()) {
      tailer.close();
    }
  }

  @Override
  public String toString() {
    return "RunDirectoryTailer[" + directory + ", " + tailers.size() + " files]";
  }

  private void discoverFiles() throws IOException {
    try (DirectoryStream<Path> entries =
        Files.newDirectoryStream(directory, p -> isEventFileName(p.getFileName().toString()))) {
      for (Path entry : entries) {
        String name = entry.getFileName().toString();
        if (tailers.containsKey(name) || !Files.isRegularFile(entry)) {
          continue;
        }
        try {
          tailers.put(name, EventFileTailer.open(entry));
        } catch (NoSuchFileException e) {
          // Deleted between listing and opening; a later listing will find it if it comes back.
        }
      }
    } catch (NoSuchFileException e) {
      // The run has not written its first file yet.
    } catch (NotDirectoryException e) {
      throw new NotDirectoryException(
          directory
              + " is not a directory; a run directory tailer"
              + " needs the directory that holds the events.out.tfevents.* files");
    }
  }

  static boolean isEventFileName(String name) {
    return name.startsWith(EVENT_FILE_PREFIX) && name.length() > EVENT_FILE_PREFIX.length();
  }
}
