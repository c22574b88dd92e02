package io.telegen.frameworks.scrape;

/**
 * A scrape that produced nothing usable. The message is one line for the operator: it names the
 * endpoint, what went wrong and what to do about it.
 */
public final class ScrapeException extends Exception {

  private static final long serialVersionUID = 1L;

  /** What kind of failure, for counting and tests. */
  public enum Reason {
    /** Could not connect (nothing listening, refused, unreachable). */
    CONNECT,
    /** No answer, or the body did not finish, within the timeout. */
    TIMEOUT,
    /** An HTTP status other than 2xx. */
    HTTP_STATUS,
    /** The answer is not a metrics exposition (an HTML page, JSON where text was expected). */
    NOT_METRICS,
    /** The body was longer than the byte cap. */
    TOO_LARGE,
    /** Reading the body failed part-way, or it could not be understood. */
    IO
  }

  private final Reason reason;
  private final String endpoint;

  public ScrapeException(Reason reason, String endpoint, String message) {
    this(reason, endpoint, message, null);
  }

  public ScrapeException(Reason reason, String endpoint, String message, Throwable cause) {
    super(message, cause);
    this.reason = reason;
    this.endpoint = endpoint;
  }

  public Reason reason() {
    return reason;
  }

  /** The URL that was asked. */
  public String endpoint() {
    return endpoint;
  }
}
