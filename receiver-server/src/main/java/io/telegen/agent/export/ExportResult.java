package io.telegen.agent.export;

import java.time.Duration;

/**
 * The outcome of one export attempt.
 *
 * @param outcome what the export loop should do next
 * @param rejectedItems items the collector accepted the request but refused (partial success)
 * @param retryAfter the collector's {@code RetryInfo} delay, or null
 * @param detail the gRPC status and description, for the operator
 */
public record ExportResult(
    Outcome outcome, long rejectedItems, Duration retryAfter, String detail) {

  /** What an attempt means for the item. */
  public enum Outcome {
    /** Delivered (possibly with some items rejected): remove it. */
    DELIVERED,
    /** Try again later: the collector is away, busy or timed out. */
    RETRY,
    /** The collector refused it for good: remove it and count it failed. */
    REJECTED
  }

  static ExportResult delivered(long rejectedItems, String detail) {
    return new ExportResult(Outcome.DELIVERED, rejectedItems, null, detail);
  }
}
