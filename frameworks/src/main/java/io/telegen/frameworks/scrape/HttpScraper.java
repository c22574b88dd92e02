package io.telegen.frameworks.scrape;

import io.telegen.frameworks.prometheus.ParseReport;
import io.telegen.frameworks.prometheus.PrometheusTextParser;
import io.telegen.frameworks.prometheus.SampleHandler;
import io.telegen.frameworks.scrape.ScrapeException.Reason;
import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.ConnectException;
import java.net.URI;
import java.net.UnknownHostException;
import java.nio.channels.ClosedByInterruptException;
import java.nio.channels.UnresolvedAddressException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * Bounded, timed HTTP GETs against serving frameworks.
 *
 * <p>All scrapers share one keep-alive connection pool ({@link Http1Client}: HTTP/1.1 on the
 * calling thread, no threads of its own, a connect timeout of {@value #CONNECT_TIMEOUT_MILLIS}
 * ms). Each request has a deadline for the response headers and one as long again for the body;
 * an interrupt ends a scrape at once. The body is streamed into the Prometheus parser and never
 * held whole; reading stops at the byte cap. Every failure is a {@link ScrapeException} whose
 * message names the endpoint and says what to check.
 *
 * <p>Thread-safe; one instance may serve any number of endpoints concurrently.
 */
public final class HttpScraper {

  /** Default cap on a metrics body: 16 MiB, far above any real server's output. */
  public static final long DEFAULT_MAX_BYTES = 16L * 1024 * 1024;

  /** Default cap on small JSON answers ({@code /info}, {@code /props}). */
  public static final long DEFAULT_MAX_JSON_BYTES = 1024 * 1024;

  /** Default deadline of one exchange, headers and body. */
  public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(5);

  static final long CONNECT_TIMEOUT_MILLIS = 2000;

  private static final String USER_AGENT = "telegen-agent";

  private static final Http1Client CLIENT = new Http1Client();

  private static final String METRICS_ACCEPT = "text/plain;version=0.0.4;q=1.0,*/*;q=0.1";
  private static final Map<String, String> METRICS_HEADERS =
      Map.of("Accept", METRICS_ACCEPT, "User-Agent", USER_AGENT);

  // How far into a body the check for an HTML page looks; also the size of the buffer that lets
  // it look (the parser's own reads are larger and go past it, so a bigger one would only be
  // allocated for nothing at every scrape).
  private static final int MARKUP_PEEK = 512;

  private static final int MAX_REDIRECTS = 5;
  private static final Set<Integer> REDIRECTS = Set.of(301, 302, 303, 307, 308);

  private static final Map<Integer, String> STATUS_TEXT =
      Map.ofEntries(
          Map.entry(301, "Moved Permanently"), Map.entry(302, "Found"),
          Map.entry(400, "Bad Request"), Map.entry(401, "Unauthorized"),
          Map.entry(403, "Forbidden"), Map.entry(404, "Not Found"),
          Map.entry(405, "Method Not Allowed"), Map.entry(406, "Not Acceptable"),
          Map.entry(429, "Too Many Requests"), Map.entry(500, "Internal Server Error"),
          Map.entry(501, "Not Implemented"), Map.entry(502, "Bad Gateway"),
          Map.entry(503, "Service Unavailable"), Map.entry(504, "Gateway Timeout"));

  private final Duration timeout;
  private final long maxBytes;
  private final long maxJsonBytes;

  /**
   * @param timeout deadline of one exchange, response headers and body together
   * @param maxBytes cap on a metrics body; longer bodies are cut and the scrape fails
   */
  public HttpScraper(Duration timeout, long maxBytes) {
    this(timeout, maxBytes, DEFAULT_MAX_JSON_BYTES);
  }

  public HttpScraper(Duration timeout, long maxBytes, long maxJsonBytes) {
    Objects.requireNonNull(timeout, "timeout");
    if (timeout.isNegative() || timeout.isZero()) {
      throw new IllegalArgumentException("timeout must be positive: " + timeout);
    }
    if (maxBytes <= 0 || maxJsonBytes <= 0) {
      throw new IllegalArgumentException("byte caps must be positive");
    }
    this.timeout = timeout;
    this.maxBytes = maxBytes;
    this.maxJsonBytes = maxJsonBytes;
  }

  /** A scraper with the defaults: 5 s, 16 MiB. */
  public static HttpScraper defaults() {
    return new HttpScraper(DEFAULT_TIMEOUT, DEFAULT_MAX_BYTES);
  }

  public Duration timeout() {
    return timeout;
  }

  public long maxBytes() {
    return maxBytes;
  }

  /**
   * GETs {@code uri} and streams the body into {@code handler}.
   *
   * <p>The handler may have been given samples when this throws (the body failed part-way);
   * callers that must not publish a partial scrape discard what the handler gathered.
   *
   * @param advice what to check when the endpoint answers 404 or something that is not metrics,
   *     e.g. {@code "is metrics enabled (SGLang needs --enable-metrics)?"}; may be null
   * @return what the parser accepted and rejected
   * @throws ScrapeException on any failure; never anything else
   */
  public ParseReport scrape(URI uri, String advice, SampleHandler handler) throws ScrapeException {
    return scrape(uri, advice, handler, new PrometheusTextParser.Workspace());
  }

  /**
   * GETs {@code uri} and streams the body into {@code handler} as {@link #scrape(URI, String,
   * SampleHandler)} does, parsing with {@code workspace}: one per endpoint, so its scrapes reuse
   * the buffers and decoded strings of the one before.
   */
  public ParseReport scrape(
      URI uri, String advice, SampleHandler handler, PrometheusTextParser.Workspace workspace)
      throws ScrapeException {
    String url = String.valueOf(uri);
    Http1Client.Response response = send(uri, METRICS_ACCEPT);
    InputStream raw = response.body;
    try (response) {
      checkStatus(url, response, advice);
      String contentType = response.header("Content-Type").toLowerCase(Locale.ROOT);
      if (contentType.startsWith("text/html") || contentType.startsWith("application/json")) {
        throw notMetrics(url, "a " + contentType.split(";")[0].trim() + " page", advice);
      }
      BufferedInputStream body = new BufferedInputStream(raw, MARKUP_PEEK);
      if (startsWithMarkup(body)) {
        throw notMetrics(url, "an HTML/XML page", advice);
      }
      ParseReport report;
      try {
        report = PrometheusTextParser.parse(body, maxBytes, handler, workspace);
      } catch (IOException e) {
        throw readFailure(url, e);
      }
      if (report.truncated()) {
        throw new ScrapeException(
            Reason.TOO_LARGE,
            url,
            url
                + " sent more than "
                + showBytes(maxBytes)
                + " of metrics; the body was cut there and this scrape dropped. "
                + "A server with that many series usually has a label explosion; raise the cap only "
                + "if the size is expected");
      }
      if (report.samples() == 0 && report.rejectedLines() > 0) {
        throw new ScrapeException(
            Reason.NOT_METRICS,
            url,
            url
                + " answered "
                + report.rejectedLines()
                + " lines and none is a Prometheus sample (first problem: "
                + report.firstRejections().get(0)
                + ")"
                + (advice == null ? "" : "; " + advice));
      }
      return report;
    } catch (IOException e) {
      // Only the markup check and closing can end up here.
      throw readFailure(url, e);
    }
  }

  /**
   * GETs a small JSON document (TGI {@code /info}, llama.cpp {@code /props}) under the same
   * timeout and a {@link #DEFAULT_MAX_JSON_BYTES} cap.
   *
   * @return the body as UTF-8 text
   * @throws ScrapeException on any failure; never anything else
   */
  public String fetchJson(URI uri, String advice) throws ScrapeException {
    String url = String.valueOf(uri);
    Http1Client.Response response = send(uri, "application/json");
    InputStream raw = response.body;
    try (response) {
      checkStatus(url, response, advice);
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      byte[] chunk = new byte[8192];
      try {
        for (int n; (n = raw.read(chunk)) >= 0; ) {
          out.write(chunk, 0, n);
          if (out.size() > maxJsonBytes) {
            throw new ScrapeException(
                Reason.TOO_LARGE,
                url,
                url
                    + " sent more than "
                    + showBytes(maxJsonBytes)
                    + "; expected a small JSON document");
          }
        }
      } catch (IOException e) {
        throw readFailure(url, e);
      }
      String text = out.toString(StandardCharsets.UTF_8);
      if (!text.stripLeading().startsWith("{")) {
        throw notMetrics(url, "something that is not a JSON object", advice);
      }
      return text;
    } catch (IOException e) {
      throw readFailure(url, e);
    }
  }

  /** GETs {@code uri}, following up to {@value #MAX_REDIRECTS} redirects (not https to http). */
  private Http1Client.Response send(URI uri, String accept) throws ScrapeException {
    String url = String.valueOf(uri);
    long headersDeadline = System.nanoTime() + timeout.toNanos();
    URI at = uri;
    for (int redirects = 0; ; redirects++) {
      if (at.getHost() == null
          || at.getScheme() == null
          || !(at.getScheme().equalsIgnoreCase("http")
              || at.getScheme().equalsIgnoreCase("https"))) {
        throw new ScrapeException(
            Reason.IO, url, url + " is not a usable http(s) URL: " + at, null);
      }
      Http1Client.Response response = exchange(uri, at, accept, headersDeadline);
      int status = response.status;
      String location = response.header("Location");
      if (!REDIRECTS.contains(status) || location.isEmpty() || redirects >= MAX_REDIRECTS) {
        return response;
      }
      URI next;
      try {
        response.close();
        next = at.resolve(location.trim());
      } catch (IOException | IllegalArgumentException e) {
        return response;
      }
      if (at.getScheme().equalsIgnoreCase("https") && "http".equalsIgnoreCase(next.getScheme())) {
        return response; // as the JDK's client: no downgrade to plaintext
      }
      at = next;
    }
  }

  private Http1Client.Response exchange(URI uri, URI at, String accept, long headersDeadline)
      throws ScrapeException {
    String url = String.valueOf(uri);
    try {
      return CLIENT.get(
          at,
          accept.equals(METRICS_ACCEPT)
              ? METRICS_HEADERS
              : Map.of("Accept", accept, "User-Agent", USER_AGENT),
          CONNECT_TIMEOUT_MILLIS,
          headersDeadline,
          timeout.toMillis());
    } catch (Http1Client.Timeout e) {
      if (e.phase == Http1Client.Phase.CONNECT) {
        throw new ScrapeException(
            Reason.TIMEOUT,
            url,
            url
                + " did not accept a connection within "
                + Math.min(CONNECT_TIMEOUT_MILLIS, timeout.toMillis())
                + " ms; is the host reachable "
                + "and the port right?",
            e);
      }
      throw timedOut(url, "no answer came");
    } catch (ConnectException e) {
      throw new ScrapeException(
          Reason.CONNECT,
          url,
          url
              + " refused the connection; is the "
              + "server running and listening on that address and port?",
          e);
    } catch (UnknownHostException e) {
      throw new ScrapeException(
          Reason.CONNECT, url, url + ": host " + at.getHost() + " does not resolve", e);
    } catch (IOException e) {
      if (Thread.currentThread().isInterrupted() || e instanceof ClosedByInterruptException) {
        throw interrupted(url, e);
      }
      throw new ScrapeException(Reason.IO, url, url + ": " + describe(e), e);
    } catch (UnresolvedAddressException e) {
      throw new ScrapeException(
          Reason.CONNECT, url, url + ": host " + at.getHost() + " does not resolve", e);
    } catch (RuntimeException e) {
      throw new ScrapeException(Reason.IO, url, url + ": " + describe(e), e);
    }
  }

  private static ScrapeException interrupted(String url, Exception e) {
    return new ScrapeException(
        Reason.TIMEOUT,
        url,
        url + ": the scrape was interrupted " + "(the agent's collection deadline passed)",
        e);
  }

  private static void checkStatus(String url, Http1Client.Response response, String advice)
      throws ScrapeException {
    int status = response.status;
    if (status >= 200 && status < 300) {
      return;
    }
    String text = STATUS_TEXT.getOrDefault(status, "");
    StringBuilder message = new StringBuilder(url).append(" answered ").append(status);
    if (!text.isEmpty()) {
      message.append(' ').append(text);
    }
    if (status == 404 || status == 405) {
      message.append(advice == null ? "; is this the metrics path of the server?" : "; " + advice);
    } else if (status == 401 || status == 403) {
      message.append(
          "; the endpoint needs credentials, which the agent does not send; expose "
              + "metrics without authentication on a local port");
    } else if (status >= 500) {
      message.append("; the server failed to render its metrics, see its own log");
    }
    throw new ScrapeException(Reason.HTTP_STATUS, url, message.toString());
  }

  private static ScrapeException notMetrics(String url, String what, String advice) {
    return new ScrapeException(
        Reason.NOT_METRICS,
        url,
        url
            + " answered "
            + what
            + ", not Prometheus metrics; "
            + (advice == null ? "is this the metrics path of the server?" : advice));
  }

  private ScrapeException timedOut(String url, String what) {
    return new ScrapeException(
        Reason.TIMEOUT,
        url,
        url
            + " timed out: "
            + what
            + " within "
            + timeout.toMillis()
            + " ms; the server is overloaded or hung, or the timeout is too short");
  }

  private ScrapeException readFailure(String url, IOException e) {
    if (e instanceof Http1Client.Timeout) {
      return timedOut(url, "its body did not finish");
    }
    if (Thread.currentThread().isInterrupted() || e instanceof ClosedByInterruptException) {
      return interrupted(url, e);
    }
    return new ScrapeException(
        Reason.IO,
        url,
        url
            + ": reading the body failed part-way ("
            + describe(e)
            + "); the server closed the connection early",
        e);
  }

  /** Peeks at the first non-blank bytes: a body starting with '<' is HTML or XML. */
  private static boolean startsWithMarkup(BufferedInputStream body) throws IOException {
    body.mark(MARKUP_PEEK);
    try {
      for (int i = 0; i < MARKUP_PEEK; i++) {
        int b = body.read();
        if (b < 0) {
          return false;
        }
        if (b == ' ' || b == '\t' || b == '\r' || b == '\n' || b == 0xEF || b == 0xBB
            || b == 0xBF) {
          continue;
        }
        return b == '<';
      }
      return false;
    } finally {
      body.reset();
    }
  }

  private static String describe(Throwable e) {
    String message = e.getMessage();
    return message == null || message.isBlank() ? e.getClass().getSimpleName() : message;
  }

  static String showBytes(long bytes) {
    if (bytes >= 1024 * 1024 && bytes % (1024 * 1024) == 0) {
      return bytes / (1024 * 1024) + " MiB";
    }
    if (bytes >= 1024 && bytes % 1024 == 0) {
      return bytes / 1024 + " KiB";
    }
    return bytes + " bytes";
  }
}
