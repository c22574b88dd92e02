package io.telegen.testsupport;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Predicate;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

/**
 * The lines one logger writes while a test runs, each as {@code "LEVEL message"} (e.g. {@code
 * "WARNING infiniband: mlx5_1/1: ..."}), so a test can assert what an operator reads and how often.
 * It lowers the logger's level to {@code ALL} while attached, because another test in the same JVM
 * may have raised it (the CLI's {@code collect} does) and "cleared" lines are {@code INFO}.
 */
public final class LogLines implements AutoCloseable {

  private final Logger logger;
  private final Level levelBefore;
  private final List<String> lines = new CopyOnWriteArrayList<>();
  private final Handler handler;

  private LogLines(Logger logger, Predicate<String> keep) {
    this.logger = logger;
    this.levelBefore = logger.getLevel();
    this.handler =
        new Handler() {
          @Override
          public void publish(LogRecord record) {
            String line = record.getLevel() + " " + record.getMessage();
            if (keep.test(line)) {
              lines.add(line);
            }
          }

          @Override
          public void flush() {}

          @Override
          public void close() {}
        };
    logger.addHandler(handler);
    logger.setLevel(Level.ALL);
  }

  /** Records every line {@code logger} writes from now on. */
  public static LogLines of(Logger logger) {
    return new LogLines(logger, line -> true);
  }

  /** Records the lines {@code logger} writes from now on that {@code keep} accepts. */
  public static LogLines of(Logger logger, Predicate<String> keep) {
    return new LogLines(logger, keep);
  }

  /** The lines so far, oldest first; a snapshot. */
  public List<String> lines() {
    return List.copyOf(lines);
  }

  /** Forgets the lines so far. */
  public void clear() {
    lines.clear();
  }

  /** Detaches from the logger and gives it back its level. */
  @Override
  public void close() {
    logger.removeHandler(handler);
    logger.setLevel(levelBefore);
  }
}
