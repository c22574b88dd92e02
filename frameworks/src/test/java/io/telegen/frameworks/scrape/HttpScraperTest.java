package io.telegen.frameworks.scrape;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.telegen.frameworks.prometheus.ParseReport;
import io.telegen.frameworks.scrape.ScrapeException.Reason;
import io.telegen.frameworks.serving.ServingFrameworks;
import java.io.OutputStream;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class HttpScraperTest {

  private static final String VLLM_ADVICE = ServingFrameworks.get("vllm").endpoint().advice();

  private TestServer server;
  private final HttpScraper scraper =
      new HttpScraper(Duration.ofMillis(800), HttpScraper.DEFAULT_MAX_BYTES);

  @BeforeEach
  void start() throws Exception {
    server = new TestServer();
  }

  @AfterEach
  void stop() {
    server.close();
  }

  @Test
  void streamsARealPayloadIntoTheParser() throws Exception {
    server.metrics("/metrics", TestServer.fixture("vllm-datadog-fixture-v0-plus-v1.txt"));
    AtomicLong samples = new AtomicLong();
    ParseReport report =
        scraper.scrape(
            server.uri("/metrics"),
            VLLM_ADVICE,
            (name, family, labels, value) -> samples.incrementAndGet());
    assertEquals(185, report.samples());
    assertEquals(185, samples.get());
    assertEquals(0, report.rejectedLines());
  }

  @Test
  void notFoundSaysWhatToCheck() {
    server.text("/metrics", "text/plain", 404, "404 page not found\n");
    ScrapeException e =
        assertThrows(
            ScrapeException.class,
            () -> scraper.scrape(server.uri("/metrics"), VLLM_ADVICE, (n, f, l, v) -> {}));
    assertEquals(Reason.HTTP_STATUS, e.reason());
    assertEquals(
        "http://127.0.0.1:"
            + server.port()
            + "/metrics answered 404 Not Found; "
            + "is metrics enabled (vLLM serves /metrics on its API port, SGLang needs "
            + "--enable-metrics)?",
        e.getMessage());
  }

  @Test
  void serverErrorPointsAtTheServerLog() {
    server.text("/metrics", "text/plain", 500, "boom");
    ScrapeException e =
        assertThrows(
            ScrapeException.class,
            () -> scraper.scrape(server.uri("/metrics"), VLLM_ADVICE, (n, f, l, v) -> {}));
    assertTrue(e.getMessage().contains("answered 500 Internal Server Error"), e.getMessage());
  }

  @Test
  void anHtmlPageIsNotMetrics() {
    server.text(
        "/", "text/html; charset=utf-8", 200, "<!DOCTYPE html><html><body>Triton</body></html>");
    ScrapeException e =
        assertThrows(
            ScrapeException.class,
            () ->
                scraper.scrape(
                    server.uri("/"),
                    ServingFrameworks.get("triton").endpoint().advice(),
                    (n, f, l, v) -> {}));
    assertEquals(Reason.NOT_METRICS, e.reason());
    assertTrue(
        e.getMessage()
            .startsWith(
                server.uri("/")
                    + " answered a text/html page, not "
                    + "Prometheus metrics; Triton serves metrics on --metrics-port (8002)"),
        e.getMessage());
  }

  @Test
  void anHtmlBodyUnderATextTypeIsNotMetricsEither() {
    server.metrics("/metrics", "\n  <html><head><title>Login</title></head></html>\n");
    ScrapeException e =
        assertThrows(
            ScrapeException.class,
            () -> scraper.scrape(server.uri("/metrics"), VLLM_ADVICE, (n, f, l, v) -> {}));
    assertEquals(Reason.NOT_METRICS, e.reason());
    assertTrue(e.getMessage().contains("an HTML/XML page"), e.getMessage());
  }

  @Test
  void garbageIsNotMetrics() {
    server.metrics("/metrics", "{\"object\": \"list\", \"data\": []}\nnot metrics at all\n");
    ScrapeException e =
        assertThrows(
            ScrapeException.class,
            () -> scraper.scrape(server.uri("/metrics"), VLLM_ADVICE, (n, f, l, v) -> {}));
    assertEquals(Reason.NOT_METRICS, e.reason());
    assertTrue(
        e.getMessage().contains("answered 2 lines and none is a Prometheus sample"),
        e.getMessage());
  }

  @Test
  void aPayloadCutMidLineKeepsWhatIsWhole() throws Exception {
    String full = TestServer.fixture("vllm-datadog-fixture-v0-plus-v1.txt");
    server.metrics("/metrics", full.substring(0, full.length() / 2 + 7));
    ParseReport report = scraper.scrape(server.uri("/metrics"), VLLM_ADVICE, (n, f, l, v) -> {});
    assertTrue(report.samples() > 20 && report.samples() < 185, "samples " + report.samples());
    assertEquals(false, report.truncated());
  }

  @Test
  void aBodyShorterThanAnnouncedIsAReadError() {
    server.on(
        "/metrics",
        exchange -> {
          exchange.getResponseHeaders().set("Content-Type", "text/plain");
          exchange.sendResponseHeaders(200, 5000);
          OutputStream out = exchange.getResponseBody();
          out.write(
              "vllm:num_requests_waiting{model_name=\"m\"} 0\nvllm:num_req"
                  .getBytes(StandardCharsets.UTF_8));
          out.flush();
          // Dropping the connection mid-body, as a crashing server does.
          exchange.getHttpContext().getServer().stop(0);
        });
    ScrapeException e =
        assertThrows(
            ScrapeException.class,
            () -> scraper.scrape(server.uri("/metrics"), VLLM_ADVICE, (n, f, l, v) -> {}));
    assertTrue(
        e.reason() == Reason.IO || e.reason() == Reason.TIMEOUT,
        e.reason() + ": " + e.getMessage());
    assertTrue(e.getMessage().startsWith(server.uri("/metrics").toString()), e.getMessage());
  }

  @Test
  void aHangingEndpointTimesOutWhileAnotherKeepsWorking() throws Exception {
    server.hang("/hang");
    server.metrics("/metrics", TestServer.fixture("vllm-datadog-fixture-v0-plus-v1.txt"));
    long started = System.nanoTime();
    CompletableFuture<ScrapeException> hung =
        CompletableFuture.supplyAsync(
            () -> {
              try {
                scraper.scrape(server.uri("/hang"), VLLM_ADVICE, (n, f, l, v) -> {});
                return null;
              } catch (ScrapeException e) {
                return e;
              }
            });
    int good = 0;
    while (!hung.isDone()) {
      assertEquals(
          185, scraper.scrape(server.uri("/metrics"), VLLM_ADVICE, (n, f, l, v) -> {}).samples());
      good++;
    }
    ScrapeException e = hung.get(5, TimeUnit.SECONDS);
    long millis = (System.nanoTime() - started) / 1_000_000;
    assertEquals(Reason.TIMEOUT, e.reason());
    assertTrue(millis >= 700 && millis < 3000, "took " + millis + " ms");
    assertTrue(good >= 1, "the healthy endpoint was scraped meanwhile");
    assertTrue(
        e.getMessage()
            .startsWith(server.uri("/hang") + " timed out: no answer came " + "within 800 ms"),
        e.getMessage());
  }

  @Test
  void aBodyThatNeverEndsTimesOut() {
    server.on(
        "/metrics",
        exchange -> {
          exchange.getResponseHeaders().set("Content-Type", "text/plain");
          exchange.sendResponseHeaders(200, 0);
          OutputStream out = exchange.getResponseBody();
          for (int i = 0; i < 600; i++) {
            out.write(
                ("vllm:num_requests_waiting{model_name=\"m\"} " + i + "\n")
                    .getBytes(StandardCharsets.UTF_8));
            out.flush();
            Thread.sleep(10);
          }
        });
    long started = System.nanoTime();
    ScrapeException e =
        assertThrows(
            ScrapeException.class,
            () -> scraper.scrape(server.uri("/metrics"), VLLM_ADVICE, (n, f, l, v) -> {}));
    long millis = (System.nanoTime() - started) / 1_000_000;
    assertEquals(Reason.TIMEOUT, e.reason(), e.getMessage());
    assertTrue(e.getMessage().contains("its body did not finish within 800 ms"), e.getMessage());
    assertTrue(millis < 3000, "took " + millis + " ms");
  }

  @Test
  void aHundredMegabyteBodyIsCutAtTheCap() throws Exception {
    long total = 100L * 1000 * 1000;
    AtomicLong written = new AtomicLong();
    server.on(
        "/metrics",
        exchange -> {
          exchange.getResponseHeaders().set("Content-Type", "text/plain");
          exchange.sendResponseHeaders(200, total);
          byte[] line =
              "vllm:num_requests_waiting{model_name=\"facebook/opt-125m\"} 0\n"
                  .getBytes(StandardCharsets.UTF_8);
          byte[] block = new byte[line.length * 1000];
          for (int i = 0; i < 1000; i++) {
            System.arraycopy(line, 0, block, i * line.length, line.length);
          }
          OutputStream out = exchange.getResponseBody();
          long left = total;
          while (left > 0) {
            int n = (int) Math.min(block.length, left);
            out.write(block, 0, n);
            written.addAndGet(n);
            left -= n;
          }
        });
    HttpScraper generous = new HttpScraper(Duration.ofSeconds(20), HttpScraper.DEFAULT_MAX_BYTES);
    Runtime runtime = Runtime.getRuntime();
    System.gc();
    long heapBefore = runtime.totalMemory() - runtime.freeMemory();
    AtomicLong samples = new AtomicLong();
    ScrapeException e =
        assertThrows(
            ScrapeException.class,
            () ->
                generous.scrape(
                    server.uri("/metrics"),
                    VLLM_ADVICE,
                    (n, f, l, v) -> samples.incrementAndGet()));
    long heapAfter = runtime.totalMemory() - runtime.freeMemory();
    assertEquals(Reason.TOO_LARGE, e.reason());
    assertTrue(
        e.getMessage()
            .startsWith(
                server.uri("/metrics")
                    + " sent more than 16 MiB of "
                    + "metrics; the body was cut there"),
        e.getMessage());
    // Everything up to the cap was parsed, nothing beyond it.
    long lineBytes = "vllm:num_requests_waiting{model_name=\"facebook/opt-125m\"} 0\n".length();
    assertEquals(HttpScraper.DEFAULT_MAX_BYTES / lineBytes, samples.get());
    Thread.sleep(200);
    assertTrue(
        written.get() < 60_000_000L,
        "the server could write "
            + written.get()
            + " bytes: the client did not stop reading at the cap");
    assertTrue(
        heapAfter - heapBefore < 64L * 1024 * 1024,
        "heap grew by " + (heapAfter - heapBefore) + " bytes");
  }

  @Test
  void aRefusedConnectionSaysSo() throws Exception {
    int port;
    try (ServerSocket socket = new ServerSocket(0)) {
      port = socket.getLocalPort();
    }
    URI uri = URI.create("http://127.0.0.1:" + port + "/metrics");
    ScrapeException e =
        assertThrows(
            ScrapeException.class, () -> scraper.scrape(uri, VLLM_ADVICE, (n, f, l, v) -> {}));
    assertEquals(Reason.CONNECT, e.reason());
    assertEquals(
        uri
            + " refused the connection; is the server running and listening on that "
            + "address and port?",
        e.getMessage());
  }

  @Test
  void fetchesSmallJson() throws Exception {
    String body =
        "{\"model_id\":\"bigscience/bloom-560m\",\"model_sha\":null,\"version\":\"3.3.7\"}";
    server.text("/info", "application/json", 200, body);
    assertEquals(body, scraper.fetchJson(server.uri("/info"), null));
  }

  @Test
  void largeJsonIsRefused() {
    server.text("/props", "application/json", 200, "{\"x\":\"" + "a".repeat(2_000_000) + "\"}");
    ScrapeException e =
        assertThrows(ScrapeException.class, () -> scraper.fetchJson(server.uri("/props"), null));
    assertEquals(Reason.TOO_LARGE, e.reason());
  }
}
