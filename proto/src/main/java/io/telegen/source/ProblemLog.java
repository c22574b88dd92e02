package io.telegen.source;

import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.logging.Logger;

/**
 * The agent's one way to log a problem that lasts: the first time a key is reported it is logged
 * as a warning, while it goes on being reported nothing more is logged, and once it is no longer
 * reported one line says it cleared. A log stays quiet when the node is healthy and says each
 * change once, however many cycles a problem lasts.
 *
 * <p>Keys name what failed (a file, a port, an endpoint); a key logged once is not logged again
 * while it lasts, even when its message changes (messages often carry counts or offsets). Each
 * line starts with the log's subject, e.g. {@code infiniband: }. Thread-safe.
 */
public final class ProblemLog {

  private final Logger logger;
  private final String subject;
  private final Map<String, String> active = new LinkedHashMap<>();

  /**
   * @param logger where the lines go
   * @param subject what the problems are of, the start of each line, e.g. a source's name
   */
  public ProblemLog(Logger logger, String subject) {
    this.logger = Objects.requireNonNull(logger, "logger");
    this.subject = Objects.requireNonNull(subject, "subject");
  }

  /**
   * Notes that {@code key} has a problem now; logs {@code message} as a warning the first time.
   *
   * @return true when this call logged it (the problem is new)
   */
  public synchronized boolean report(String key, String message) {
    if (active.containsKey(key)) {
      return false;
    }
    active.put(key, message);
    logger.warning(subject + ": " + message);
    return true;
  }

  /**
   * Notes that {@code key} is fine now; if it had a problem, logs once that it cleared.
   *
   * @return true when this call logged it (the problem was active)
   */
  public synchronized boolean clear(String key) {
    String was = active.remove(key);
    if (was == null) {
      return false;
    }
    logger.info(subject + ": cleared: " + was);
    return true;
  }

  /** As {@link #clear(String)}, with the line to log in place of the default. */
  public synchronized boolean clear(String key, String message) {
    if (active.remove(key) == null) {
      return false;
    }
    logger.info(subject + ": " + message);
    return true;
  }

  /**
   * Makes {@code current} the whole set of problems: reports each (new ones are logged) and
   * clears every other active key. For a source that says all its problems every cycle.
   */
  public synchronized void update(Collection<PartialCollectionException.Problem> current) {
    Set<String> keys = new LinkedHashSet<>();
    for (PartialCollectionException.Problem problem : current) {
      keys.add(problem.key());
      report(problem.key(), problem.message());
    }
    for (String key : List.copyOf(active.keySet())) {
      if (!keys.contains(key)) {
        clear(key);
      }
    }
  }

  /** Clears every active problem, logging each once. */
  public synchronized void clearAll() {
    update(List.of());
  }

  /** The keys with a problem now. */
  public synchronized Set<String> active() {
    return Set.copyOf(active.keySet());
  }

  /** Whether {@code key} has a problem now. */
  public synchronized boolean isActive(String key) {
    return active.containsKey(key);
  }
}
