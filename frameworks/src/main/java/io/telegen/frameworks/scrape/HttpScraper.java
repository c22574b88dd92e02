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
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.channels.UnresolvedAddressException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Bounded, timed HTTP GETs against serving frameworks.
 *
 * <p>All scrapers share one {@link HttpClient} (HTTP/1.1, daemon threads, a connect timeout of
 * {@value #CONNECT_TIMEOUT_MILLIS} ms). Each request has a deadline covering the whole exchange:
 * the response headers and the body. The body is streamed into the Prometheus parser and never
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

  private static final HttpClient CLIENT =
      HttpClient.newBuilder()
          .version(HttpClient.Version.HTTP_1_1)
          .connectTimeout(Duration.ofMillis(CONNECT_TIMEOUT_MILLIS))
          .followRedirects(HttpClient.Redirect.NORMAL)
          .executor(daemonPool())
          .build();

  private static final ScheduledExecutorService DEADLINES =
      Executors.newSingleThreadScheduledExecutor(
          r -> {
            Thread t = new Thread(r, "telegen-scrape-deadline");
            t.setDaemon(true);
            return t;
          });

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
    String url = String.valueOf(uri);
    HttpResponse<InputStream> response = send(uri, "text/plain;version=0.0.4;q=1.0,*/*;q=0.1");
    AtomicBoolean expired = new AtomicBoolean();
    InputStream raw = response.body();
    ScheduledFuture<?> deadline = closeAtDeadline(raw, expired);
    try (raw) {
      checkStatus(url, response, advice);
      String contentType =
          response.headers().firstValue("Content-Type").orElse("").toLowerCase(Locale.ROOT);
      if (contentType.startsWith("text/html") || contentType.startsWith("application/json")) {
        throw notMetrics(url, "a " + contentType.split(";")[0].trim() + " page", advice);
      }
      BufferedInputStream body = new BufferedInputStream(raw, 8192);
      if (startsWithMarkup(body)) {
        throw notMetrics(url, "an HTML/XML page", advice);
      }
      ParseReport report;
      try {
        report = PrometheusTextParser.parse(body, maxBytes, handler);
      } catch (IOException e) {
        throw readFailure(url, expired, e);
      }
      if (expired.get()) {
        throw timedOut(url, "its body did not finish");
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
      // Only closing can end up here; the scrape itself has already succeeded or failed.
      throw new ScrapeException(Reason.IO, url, url + ": " + e.getMessage(), e);
    } finally {
      deadline.cancel(false);
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
    HttpResponse<InputStream> response = send(uri, "application/json");
    AtomicBoolean expired = new AtomicBoolean();
    InputStream raw = response.body();
    ScheduledFuture<?> deadline = closeAtDeadline(raw, expired);
    try (raw) {
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
        throw readFailure(url, expired, e);
      }
      if (expired.get()) {
        throw timedOut(url, "its body did not finish");
      }
      String text = out.toString(StandardCharsets.UTF_8);
      if (!text.stripLeading().startsWith("{")) {
        throw notMetrics(url, "something that is not a JSON object", advice);
      }
      return text;
    } catch (IOException e) {
      throw new ScrapeException(Reason.IO, url, url + ": " + e.getMessage(), e);
    } finally {
      deadline.cancel(false);
    }
  }

  private HttpResponse<InputStream> send(URI uri, String accept) throws ScrapeException {
    String url = String.valueOf(uri);
    HttpRequest request;
    try {
      request =
          HttpRequest.newBuilder(uri)
              .GET()
              .timeout(timeout)
              .header("Accept", accept)
              .header("User-Agent", USER_AGENT)
              .build();
    } catch (IllegalArgumentException | NullPointerException e) {
      throw new ScrapeException(
          Reason.IO, url, url + " is not a usable http(s) URL: " + e.getMessage(), e);
    }
    try {
      return CLIENT.send(request, HttpResponse.BodyHandlers.ofInputStream());
    } catch (HttpConnectTimeoutException e) {
      throw new ScrapeException(
          Reason.TIMEOUT,
          url,
          url
              + " did not accept a connection within "
              + Math.min(CONNECT_TIMEOUT_MILLIS, timeout.toMillis())
              + " ms; is the host reachable "
              + "and the port right?",
          e);
    } catch (HttpTimeoutException e) {
      throw timedOut(url, "no answer came");
    } catch (ConnectException e) {
      throw new ScrapeException(
          Reason.CONNECT,
          url,
          url
              + " refused the connection; is the "
              + "server running and listening on that address and port?",
          e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new ScrapeException(
          Reason.TIMEOUT,
          url,
          url + ": the scrape was interrupted " + "(the agent's collection deadline passed)",
          e);
    } catch (IOException e) {
      Throwable root = e;
      while (root.getCause() != null) {
        root = root.getCause();
      }
      if (root instanceof UnresolvedAddressException
          || root instanceof java.net.UnknownHostException) {
        throw new ScrapeException(
            Reason.CONNECT, url, url + ": host " + uri.getHost() + " does not resolve", e);
      }
      throw new ScrapeException(Reason.IO, url, url + ": " + describe(e), e);
    } catch (RuntimeException e) {
      throw new ScrapeException(Reason.IO, url, url + ": " + describe(e), e);
    }
  }

  private ScheduledFuture<?> closeAtDeadline(InputStream body, AtomicBoolean expired) {
    return DEADLINES.schedule(
        () -> {
          expired.set(true);
          try {
            body.close();
          } catch (IOException | RuntimeException ignored) {
            // The reader sees the stream end or fail and checks the flag.
          }
        },
        timeout.toMillis(),
        TimeUnit.MILLISECONDS);
  }

  private static void checkStatus(String url, HttpResponse<?> response, String advice)
      throws ScrapeException {
    int status = response.statusCode();
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

  private ScrapeException readFailure(String url, AtomicBoolean expired, IOException e) {
    if (expired.get()) {
      return timedOut(url, "its body did not finish");
    }
    if (Thread.currentThread().isInterrupted()) {
      return new ScrapeException(
          Reason.TIMEOUT,
          url,
          url + ": the scrape was interrupted " + "(the agent's collection deadline passed)",
          e);
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
    body.mark(512);
    try {
      for (int i = 0; i < 512; i++) {
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

  private static ExecutorService daemonPool() {
    AtomicInteger n = new AtomicInteger();
    return Executors.newCachedThreadPool(
        r -> {
          Thread t = new Thread(r, "telegen-http-" + n.incrementAndGet());
          t.setDaemon(true);
          return t;
        });
  }
}
