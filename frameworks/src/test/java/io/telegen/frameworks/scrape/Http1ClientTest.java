package io.telegen.frameworks.scrape;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.telegen.frameworks.scrape.ScrapeException.Reason;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The scrape client's HTTP/1.1 on a raw socket server, where connections can be counted: kept
 * alive across scrapes, replaced when the server closed an idle one, chunked bodies, redirects,
 * and an interrupt ends a hung scrape at once.
 */
class Http1ClientTest {

  private static final String BODY = "vllm:num_requests_running{model_name=\"m\"} 3\n";

  private final HttpScraper scraper =
      new HttpScraper(Duration.ofSeconds(5), HttpScraper.DEFAULT_MAX_BYTES);
  private RawServer server;

  @AfterEach
  void stop() throws IOException {
    if (server != null) {
      server.close();
    }
  }

  /** Answers each request on a connection with {@code answer}; counts connections. */
  private static final class RawServer implements AutoCloseable {
    final ServerSocket socket = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
    final AtomicInteger connections = new AtomicInteger();
    final List<String> requestLines = new CopyOnWriteArrayList<>();
    final List<Socket> accepted = new CopyOnWriteArrayList<>();

    interface Answer {
      /** Writes the response to the request {@code requestLine}; false closes the connection. */
      boolean write(String requestLine, OutputStream out) throws Exception;
    }

    RawServer(Answer answer) throws IOException {
      Thread t =
          new Thread(
              () -> {
                while (!socket.isClosed()) {
                  try {
                    Socket s = socket.accept();
                    connections.incrementAndGet();
                    accepted.add(s);
                    Thread c = new Thread(() -> serve(s, answer));
                    c.setDaemon(true);
                    c.start();
                  } catch (IOException e) {
                    return;
                  }
                }
              });
      t.setDaemon(true);
      t.start();
    }

    private void serve(Socket s, Answer answer) {
      try (s) {
        BufferedReader in =
            new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.UTF_8));
        OutputStream out = s.getOutputStream();
        while (true) {
          String requestLine = in.readLine();
          if (requestLine == null) {
            return;
          }
          for (String h = in.readLine(); h != null && !h.isEmpty(); h = in.readLine()) {
            // headers: not needed
          }
          requestLines.add(requestLine);
          if (!answer.write(requestLine, out)) {
            return;
          }
          out.flush();
        }
      } catch (Exception e) {
        // the client went away
      }
    }

    URI uri(String path) {
      return URI.create("http://127.0.0.1:" + socket.getLocalPort() + path);
    }

    @Override
    public void close() throws IOException {
      socket.close();
      for (Socket s : accepted) {
        s.close();
      }
    }
  }

  private static void metrics(OutputStream out, String body) throws IOException {
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    out.write(
        ("HTTP/1.1 200 OK\r\nContent-Type: text/plain; version=0.0.4\r\nContent-Length: "
                + bytes.length
                + "\r\n\r\n")
            .getBytes(StandardCharsets.US_ASCII));
    out.write(bytes);
  }

  private long samples(URI uri) throws ScrapeException {
    return scraper.scrape(uri, null, (n, f, l, v) -> {}).samples();
  }

  @Test
  void scrapesOneAfterAnotherShareOneConnection() throws Exception {
    server =
        new RawServer(
            (line, out) -> {
              metrics(out, BODY);
              return true;
            });
    for (int i = 0; i < 5; i++) {
      assertEquals(1, samples(server.uri("/metrics")));
    }
    assertEquals(1, server.connections.get());
    assertEquals(5, server.requestLines.size());
    assertEquals("GET /metrics HTTP/1.1", server.requestLines.get(0));
  }

  @Test
  void aConnectionTheServerClosedIsReplacedWithoutAFailedScrape() throws Exception {
    server =
        new RawServer(
            (line, out) -> {
              metrics(out, BODY);
              out.flush();
              return false; // closes after each answer, without saying so
            });
    for (int i = 0; i < 3; i++) {
      assertEquals(1, samples(server.uri("/metrics")));
    }
    assertEquals(3, server.connections.get());
  }

  @Test
  void aChunkedBodyIsReadWholeAndTheConnectionKept() throws Exception {
    server =
        new RawServer(
            (line, out) -> {
              out.write(
                  "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nTransfer-Encoding: chunked\r\n\r\n"
                      .getBytes(StandardCharsets.US_ASCII));
              byte[] body = (BODY + BODY.replace("3", "4")).getBytes(StandardCharsets.UTF_8);
              out.write("10;ext=1\r\n".getBytes(StandardCharsets.US_ASCII));
              out.write(body, 0, 16);
              out.write(
                  ("\r\n" + Integer.toHexString(body.length - 16) + "\r\n")
                      .getBytes(StandardCharsets.US_ASCII));
              out.write(body, 16, body.length - 16);
              out.write("\r\n0\r\nX-Trailer: t\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
              return true;
            });
    List<Double> values = new CopyOnWriteArrayList<>();
    scraper.scrape(server.uri("/metrics"), null, (n, f, l, v) -> values.add(v));
    assertEquals(List.of(3.0, 4.0), values);
    assertEquals(2, samples(server.uri("/metrics")));
    assertEquals(1, server.connections.get());
  }

  @Test
  void aRedirectIsFollowed() throws Exception {
    server =
        new RawServer(
            (line, out) -> {
              if (line.startsWith("GET /old ")) {
                out.write(
                    "HTTP/1.1 301 Moved Permanently\r\nLocation: /v1/metrics\r\nContent-Length: 0\r\n\r\n"
                        .getBytes(StandardCharsets.US_ASCII));
              } else {
                metrics(out, BODY);
              }
              return true;
            });
    assertEquals(1, samples(server.uri("/old")));
    assertEquals(List.of("GET /old HTTP/1.1", "GET /v1/metrics HTTP/1.1"), server.requestLines);
  }

  @Test
  void anInterruptEndsAHungScrapeAtOnce() throws Exception {
    server =
        new RawServer(
            (line, out) -> {
              Thread.sleep(60_000);
              return false;
            });
    AtomicReference<Thread> scraping = new AtomicReference<>();
    CompletableFuture<ScrapeException> hung =
        CompletableFuture.supplyAsync(
            () -> {
              scraping.set(Thread.currentThread());
              try {
                samples(server.uri("/metrics"));
                return null;
              } catch (ScrapeException e) {
                return e;
              }
            });
    while (server.requestLines.isEmpty()) {
      Thread.sleep(5);
    }
    scraping.get().interrupt();
    ScrapeException e = hung.get(2, TimeUnit.SECONDS); // the timeout is 5 s
    assertEquals(Reason.TIMEOUT, e.reason());
    assertTrue(e.getMessage().contains("the scrape was interrupted"), e.getMessage());
  }

  @Test
  void somethingThatIsNotHttpIsAnIoError() throws Exception {
    server =
        new RawServer(
            (line, out) -> {
              out.write("SSH-2.0-OpenSSH_9.2\r\n".getBytes(StandardCharsets.US_ASCII));
              return false;
            });
    ScrapeException e = assertThrows(ScrapeException.class, () -> samples(server.uri("/metrics")));
    assertEquals(Reason.IO, e.reason());
    assertTrue(e.getMessage().contains("the answer is not HTTP"), e.getMessage());
  }
}
