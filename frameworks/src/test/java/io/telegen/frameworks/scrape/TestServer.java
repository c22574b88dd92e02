package io.telegen.frameworks.scrape;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.telegen.testsupport.RealPayloads;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

/** A local HTTP server on 127.0.0.1 and an ephemeral port, one thread per exchange. */
final class TestServer implements AutoCloseable {

  interface Handler {
    void handle(HttpExchange exchange) throws IOException, InterruptedException;
  }

  private final HttpServer server;
  private final ExecutorService executor =
      Executors.newCachedThreadPool(
          r -> {
            Thread t = new Thread(r, "test-http");
            t.setDaemon(true);
            return t;
          });

  /** Released at close so that hanging handlers end. */
  final CountDownLatch closing = new CountDownLatch(1);

  TestServer() throws IOException {
    server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    server.setExecutor(executor);
    server.start();
  }

  TestServer on(String path, Handler handler) {
    server.createContext(
        path,
        exchange -> {
          try {
            handler.handle(exchange);
          } catch (IOException e) {
            // The client went away; expected in the limit tests.
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          } finally {
            exchange.close();
          }
        });
    return this;
  }

  TestServer text(String path, String contentType, int status, String body) {
    return on(
        path,
        exchange -> {
          byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
          exchange.getResponseHeaders().set("Content-Type", contentType);
          exchange.sendResponseHeaders(status, bytes.length == 0 ? -1 : bytes.length);
          if (bytes.length > 0) {
            try (OutputStream out = exchange.getResponseBody()) {
              out.write(bytes);
            }
          }
        });
  }

  TestServer metrics(String path, String body) {
    return text(path, "text/plain; version=0.0.4; charset=utf-8", 200, body);
  }

  /** Answers nothing until the server closes. */
  TestServer hang(String path) {
    return on(path, exchange -> closing.await(60, TimeUnit.SECONDS));
  }

  int port() {
    return server.getAddress().getPort();
  }

  URI uri(String path) {
    return URI.create("http://127.0.0.1:" + port() + path);
  }

  @Override
  public void close() {
    closing.countDown();
    server.stop(0);
    executor.shutdownNow();
  }

  static String fixture(String name) throws IOException {
    return Files.readString(fixtures().resolve(name), StandardCharsets.UTF_8);
  }

  static Path fixtures() {
    return RealPayloads.dir();
  }
}
