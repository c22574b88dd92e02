package io.telegen.frameworks.prometheus;

import java.util.List;

/**
 * What one parse did: how much was accepted, what was thrown away and why, and whether the body
 * was complete.
 *
 * @param samples sample lines accepted and passed to the handler
 * @param rejectedLines lines that were not understood (each cost only itself)
 * @param firstRejections the first {@value PrometheusTextParser#MAX_REPORTED_REJECTIONS}
 *     rejected lines with the reason, in line order
 * @param bytesRead bytes consumed from the stream, never more than the cap
 * @param truncated {@code true} when the body was longer than the cap and was cut; a partial last
 *     line is then dropped and counted as rejected
 * @param eofSeen {@code true} when an OpenMetrics {@code # EOF} line ended the body
 */
public record ParseReport(
    long samples,
    long rejectedLines,
    List<Rejection> firstRejections,
    long bytesRead,
    boolean truncated,
    boolean eofSeen) {

  /** Copies the list so the report stays immutable. */
  public ParseReport {
    firstRejections = List.copyOf(firstRejections);
  }

  /**
   * One rejected line.
   *
   * @param line 1-based line number in the body
   * @param reason short explanation, e.g. {@code expected '=' after label name}
   */
  public record Rejection(long line, String reason) {
    /** Renders as {@code line 17: expected '=' after label name}. */
    @Override
    public String toString() {
      return "line " + line + ": " + reason;
    }
  }
}
