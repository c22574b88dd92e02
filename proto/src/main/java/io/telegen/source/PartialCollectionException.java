package io.telegen.source;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Thrown by {@link MetricSource#collect} after writing what it could read, to say what it could
 * not: one unreadable InfiniBand port beside good ones, one run directory beside readable ones.
 * The scheduler delivers the batch, counts the cycle as
 * {@code telegen_agent_collection_errors_total{reason="partial"}} and logs each distinct
 * {@link Problem} once, then once when a later cycle no longer reports it. Modelled on the
 * OpenTelemetry Collector's {@code scrapererror.PartialScrapeError}.
 *
 * <p>Any other exception from {@code collect} still costs the source its whole cycle.
 */
public final class PartialCollectionException extends Exception {

  private static final long serialVersionUID = 1L;

  /**
   * One thing a collection could not read.
   *
   * @param key what failed, stable across cycles (a file, a port, a run directory), so that the
   *     same problem is logged once however many cycles it lasts
   * @param message what an operator reads: what failed, where, what to do
   */
  public record Problem(String key, String message) {
    public Problem {
      Objects.requireNonNull(key, "key");
      Objects.requireNonNull(message, "message");
    }
  }

  private final transient List<Problem> problems;
  private final int unread;

  /**
   * @param problems the distinct problems; a key given twice keeps its first message
   * @param unread how many items (ports, files, run directories) could not be read; at least the
   *     number of distinct problems
   */
  public PartialCollectionException(List<Problem> problems, int unread) {
    super(summary(distinct(problems), unread));
    this.problems = distinct(problems);
    if (this.problems.isEmpty()) {
      throw new IllegalArgumentException("a partial collection names at least one problem");
    }
    this.unread = Math.max(unread, this.problems.size());
  }

  /** One problem per unread item. */
  public PartialCollectionException(List<Problem> problems) {
    this(problems, problems.size());
  }

  /** Throws when {@code problems} is not empty; one problem per unread item. */
  public static void throwIfAny(List<Problem> problems) throws PartialCollectionException {
    if (!problems.isEmpty()) {
      throw new PartialCollectionException(problems);
    }
  }

  /** The distinct problems, in the order they were found. */
  public List<Problem> problems() {
    return problems;
  }

  /** How many items could not be read. */
  public int unread() {
    return unread;
  }

  private static List<Problem> distinct(List<Problem> problems) {
    Map<String, Problem> byKey = new LinkedHashMap<>();
    for (Problem problem : problems) {
      byKey.putIfAbsent(problem.key(), problem);
    }
    return List.copyOf(new ArrayList<>(byKey.values()));
  }

  private static String summary(List<Problem> problems, int unread) {
    StringBuilder sb =
        new StringBuilder()
            .append(Math.max(unread, problems.size()))
            .append(" item(s) could not be read; the rest were collected: ");
    for (int i = 0; i < problems.size(); i++) {
      sb.append(i == 0 ? "" : "; ").append(problems.get(i).message());
    }
    return sb.toString();
  }
}
