package io.telegen.frameworks.scrape;

import java.io.BufferedInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.net.UnknownHostException;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.SSLSocketFactory;

/**
 * A small blocking HTTP/1.1 GET client for scrapes, run on the scraping thread itself: no
 * selector thread, no executor and no deadline thread (the JDK's {@code HttpClient} hops each
 * exchange across three threads, which cost more CPU than parsing the body). Connections are kept
 * alive per host and port, and reused while idle under {@value #REUSE_IDLE_MILLIS} ms (servers
 * close idle ones after a few seconds; uvicorn after 5); a reused connection that turns out
 * closed is replaced once, before anything was read.
 *
 * <p>Sockets are NIO channels in blocking mode: an interrupt (the agent's collection deadline)
 * closes the socket and ends a blocked read at once, and every read waits at most until the
 * exchange's deadline. Bodies are framed by {@code Content-Length}, chunked encoding, or the end
 * of the connection; {@code https} goes through the JDK's TLS with host name verification.
 */
final class Http1Client {

  static final long REUSE_IDLE_MILLIS = 4000;
  private static final int MAX_HEADER_BYTES = 64 * 1024;
  private static final int MAX_POOLED_PER_HOST = 4;

  private final Map<String, ArrayDeque<Connection>> idle = new HashMap<>();

  // The request bytes of each URL and header set: a scrape sends the same request every time.
  private static final int MAX_CACHED_REQUESTS = 256;

  // equals and hashCode spelt out: the record's generated ones call through method handles that
  // the client compiler (the launcher's -XX:TieredStopAtLevel=1) does not inline.
  private record RequestKey(URI uri, Map<String, String> headers) {
    @Override
    public boolean equals(Object o) {
      return o instanceof RequestKey k && uri.equals(k.uri) && headers.equals(k.headers);
    }

    @Override
    public int hashCode() {
      return uri.hashCode() * 31 + headers.hashCode();
    }
  }

  private final Map<RequestKey, byte[]> requests = new ConcurrentHashMap<>();

  /** What failed: the scraper words each for the operator. */
  enum Phase {
    CONNECT,
    HEADERS,
    BODY
  }

  /** A timeout, with the phase it struck in. */
  static final class Timeout extends SocketTimeoutException {
    private static final long serialVersionUID = 1L;
    final Phase phase;

    Timeout(Phase phase, String message) {
      super(message);
      this.phase = phase;
    }
  }

  /**
   * A response whose body is read from the connection; {@link Response#close} returns the
   * connection to the pool when the body was read to its end, else closes it.
   */
  static final class Response implements AutoCloseable {
    final int status;
    private final Map<String, String> headers;
    final InputStream body;

    Response(int status, Map<String, String> headers, InputStream body) {
      this.status = status;
      this.headers = headers;
      this.body = body;
    }

    /** The first value of header {@code name}, or "" when absent. */
    String header(String name) {
      return headers.getOrDefault(name.toLowerCase(Locale.ROOT), "");
    }

    @Override
    public void close() throws IOException {
      body.close();
    }
  }

  /**
   * GETs {@code uri}: connects (within {@code connectMillis}) or reuses a connection, sends the
   * request and reads the status and headers by {@code headersDeadlineNanos} ({@code
   * System.nanoTime()}); the body's reads then end by {@code bodyMillis} after the headers came.
   *
   * @throws Timeout when a deadline passed, with its phase
   * @throws java.net.ConnectException when the connection was refused
   * @throws UnknownHostException when the host does not resolve
   */
  Response get(
      URI uri,
      Map<String, String> requestHeaders,
      long connectMillis,
      long headersDeadlineNanos,
      long bodyMillis)
      throws IOException {
    boolean tls = "https".equalsIgnoreCase(uri.getScheme());
    String host = uri.getHost();
    int port = uri.getPort() >= 0 ? uri.getPort() : tls ? 443 : 80;
    String key = (tls ? "https://" : "http://") + host + ":" + port;
    byte[] request = requests.get(new RequestKey(uri, requestHeaders));
    if (request == null) {
      request = request(uri, host, port, tls, requestHeaders);
      if (requests.size() >= MAX_CACHED_REQUESTS) {
        requests.clear(); // endpoints that come and go: start over rather than grow
      }
      requests.put(new RequestKey(uri, requestHeaders), request);
    }
    Connection reused = take(key);
    if (reused != null) {
      try {
        return exchange(reused, key, request, headersDeadlineNanos, bodyMillis, true);
      } catch (StaleConnection e) {
        // Closed by the server while idle: a fresh connection, once.
      }
    }
    Connection fresh = connect(host, port, tls, connectMillis, headersDeadlineNanos);
    return exchange(fresh, key, request, headersDeadlineNanos, bodyMillis, false);
  }

  private static byte[] request(
      URI uri, String host, int port, boolean tls, Map<String, String> headers) {
    String path = uri.getRawPath() == null || uri.getRawPath().isEmpty() ? "/" : uri.getRawPath();
    if (uri.getRawQuery() != null) {
      path += "?" + uri.getRawQuery();
    }
    boolean defaultPort = port == (tls ? 443 : 80);
    String hostHeader = host.indexOf(':') >= 0 && !host.startsWith("[") ? "[" + host + "]" : host;
    StringBuilder s = new StringBuilder(128);
    s.append("GET ").append(path).append(" HTTP/1.1\r\nHost: ").append(hostHeader);
    if (!defaultPort) {
      s.append(':').append(port);
    }
    s.append("\r\n");
    headers.forEach((k, v) -> s.append(k).append(": ").append(v).append("\r\n"));
    s.append("\r\n");
    return s.toString().getBytes(StandardCharsets.ISO_8859_1);
  }

  private Connection connect(
      String host, int port, boolean tls, long connectMillis, long headersDeadlineNanos)
      throws IOException {
    InetSocketAddress address = new InetSocketAddress(host, port);
    if (address.isUnresolved()) {
      throw new UnknownHostException(host);
    }
    SocketChannel channel = SocketChannel.open();
    Socket socket = channel.socket();
    try {
      socket.setTcpNoDelay(true);
      long left = millisLeft(headersDeadlineNanos);
      int connectTimeout = (int) Math.max(1, Math.min(connectMillis, left));
      try {
        socket.connect(address, connectTimeout);
      } catch (SocketTimeoutException e) {
        throw new Timeout(Phase.CONNECT, "connect timed out");
      }
      if (tls) {
        SSLSocket ssl =
            (SSLSocket)
                ((SSLSocketFactory) SSLSocketFactory.getDefault())
                    .createSocket(socket, host, port, true);
        SSLParameters parameters = ssl.getSSLParameters();
        parameters.setEndpointIdentificationAlgorithm("HTTPS");
        ssl.setSSLParameters(parameters);
        ssl.setSoTimeout((int) Math.max(1, millisLeft(headersDeadlineNanos)));
        try {
          ssl.startHandshake();
        } catch (SocketTimeoutException e) {
          throw new Timeout(Phase.HEADERS, "TLS handshake timed out");
        }
        socket = ssl;
      }
      return new Connection(socket);
    } catch (IOException | RuntimeException e) {
      socket.close();
      throw e;
    }
  }

  private Response exchange(
      Connection c,
      String key,
      byte[] request,
      long headersDeadlineNanos,
      long bodyMillis,
      boolean reused)
      throws IOException {
    try {
      try {
        c.out.write(request);
        c.out.flush();
      } catch (IOException e) {
        if (reused && !Thread.currentThread().isInterrupted()) {
          throw new StaleConnection();
        }
        throw e;
      }
      c.deadlineNanos = headersDeadlineNanos;
      c.phase = Phase.HEADERS;
      String statusLine = c.readLine(reused);
      int status = statusCode(statusLine);
      Map<String, String> headers = new HashMap<>();
      for (String line = c.readLine(false); !line.isEmpty(); line = c.readLine(false)) {
        int colon = line.indexOf(':');
        if (colon > 0) {
          headers.putIfAbsent(
              line.substring(0, colon).trim().toLowerCase(Locale.ROOT),
              line.substring(colon + 1).trim());
        }
      }
      boolean keepAlive =
          statusLine.startsWith("HTTP/1.1")
              ? !"close".equalsIgnoreCase(headers.getOrDefault("connection", ""))
              : "keep-alive".equalsIgnoreCase(headers.getOrDefault("connection", ""));
      c.phase = Phase.BODY;
      c.deadlineNanos = System.nanoTime() + bodyMillis * 1_000_000;
      InputStream body;
      String length = headers.get("content-length");
      if (status == 204 || status == 304 || (status >= 100 && status < 200)) {
        body = new FixedBody(c, 0);
      } else if (headers
          .getOrDefault("transfer-encoding", "")
          .toLowerCase(Locale.ROOT)
          .contains("chunked")) {
        body = new ChunkedBody(c);
      } else if (length != null) {
        long n;
        try {
          n = Long.parseLong(length.trim());
        } catch (NumberFormatException e) {
          throw new IOException("the Content-Length \"" + length + "\" is not a number");
        }
        body = new FixedBody(c, n);
      } else {
        keepAlive = false;
        body = new FixedBody(c, Long.MAX_VALUE);
      }
      c.keepAlive = keepAlive;
      c.key = key;
      return new Response(status, headers, body);
    } catch (IOException | RuntimeException e) {
      c.closeQuietly();
      throw e;
    }
  }

  private static int statusCode(String statusLine) throws IOException {
    // HTTP/1.1 200 OK
    int space = statusLine.indexOf(' ');
    if (!statusLine.startsWith("HTTP/") || space < 0 || statusLine.length() < space + 4) {
      throw new IOException("the answer is not HTTP: \"" + abbreviate(statusLine) + "\"");
    }
    try {
      return Integer.parseInt(statusLine.substring(space + 1, space + 4));
    } catch (NumberFormatException e) {
      throw new IOException("the answer is not HTTP: \"" + abbreviate(statusLine) + "\"");
    }
  }

  private static String abbreviate(String s) {
    return s.length() > 60 ? s.substring(0, 60) + "..." : s;
  }

  private synchronized Connection take(String key) {
    ArrayDeque<Connection> connections = idle.get(key);
    long now = System.nanoTime();
    while (connections != null && !connections.isEmpty()) {
      Connection c = connections.pollLast();
      if (now - c.idleSinceNanos < REUSE_IDLE_MILLIS * 1_000_000) {
        return c;
      }
      c.closeQuietly();
    }
    return null;
  }

  private synchronized void giveBack(Connection c) {
    ArrayDeque<Connection> connections = idle.computeIfAbsent(c.key, k -> new ArrayDeque<>());
    if (connections.size() >= MAX_POOLED_PER_HOST) {
      c.closeQuietly();
      return;
    }
    c.idleSinceNanos = System.nanoTime();
    connections.addLast(c);
  }

  private static long millisLeft(long deadlineNanos) {
    return (deadlineNanos - System.nanoTime()) / 1_000_000;
  }

  /** A reused connection the server had closed: nothing was read from it. */
  private static final class StaleConnection extends IOException {
    private static final long serialVersionUID = 1L;

    StaleConnection() {
      super("the kept-alive connection was closed by the server");
    }
  }

  /** One connection; its reads wait at most until the current deadline. */
  private final class Connection {
    final Socket socket;
    final InputStream in;
    final OutputStream out;
    long deadlineNanos;
    Phase phase = Phase.HEADERS;
    boolean keepAlive;
    String key;
    long idleSinceNanos;

    Connection(Socket socket) throws IOException {
      this.socket = socket;
      this.in = new BufferedInputStream(socket.getInputStream(), 16 * 1024);
      this.out = socket.getOutputStream();
    }

    private void arm() throws IOException {
      long left = millisLeft(deadlineNanos);
      if (left <= 0) {
        throw new Timeout(phase, "the deadline passed");
      }
      socket.setSoTimeout((int) Math.min(Integer.MAX_VALUE, left));
    }

    int read() throws IOException {
      arm();
      try {
        return in.read();
      } catch (SocketTimeoutException e) {
        throw new Timeout(phase, "read timed out");
      }
    }

    int read(byte[] b, int off, int len) throws IOException {
      arm();
      try {
        return in.read(b, off, len);
      } catch (SocketTimeoutException e) {
        throw new Timeout(phase, "read timed out");
      }
    }

    /** A CRLF (or LF) line in ISO-8859-1; {@code first}: EOF before any byte is stale. */
    String readLine(boolean first) throws IOException {
      StringBuilder line = new StringBuilder(64);
      int read = 0;
      while (true) {
        int b;
        try {
          b = read();
        } catch (Timeout e) {
          throw e;
        } catch (IOException e) {
          if (first && read == 0 && !Thread.currentThread().isInterrupted()) {
            throw new StaleConnection();
          }
          throw e;
        }
        if (b < 0) {
          if (first && read == 0) {
            throw new StaleConnection();
          }
          throw new EOFException("the server closed the connection in the headers");
        }
        read++;
        if (read > MAX_HEADER_BYTES) {
          throw new IOException("the headers are longer than " + MAX_HEADER_BYTES + " bytes");
        }
        if (b == '\n') {
          int n = line.length();
          if (n > 0 && line.charAt(n - 1) == '\r') {
            line.setLength(n - 1);
          }
          return line.toString();
        }
        line.append((char) b);
      }
    }

    /** The body ended: back to the pool when it may be reused, else closed. */
    void finished(boolean wholeBody) {
      if (wholeBody && keepAlive && !Thread.currentThread().isInterrupted()) {
        giveBack(this);
      } else {
        closeQuietly();
      }
    }

    void closeQuietly() {
      try {
        socket.close();
      } catch (IOException ignored) {
        // Nothing to do about a socket that will not close.
      }
    }
  }

  /** A body of a known length (or up to the connection's end, for {@code Long.MAX_VALUE}). */
  private static final class FixedBody extends InputStream {
    private final Connection c;
    private long left;
    private boolean closed;

    FixedBody(Connection c, long length) {
      this.c = c;
      this.left = length;
    }

    @Override
    public int read() throws IOException {
      byte[] one = new byte[1];
      return read(one, 0, 1) < 0 ? -1 : one[0] & 0xFF;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
      if (closed) {
        throw new IOException("the body is closed");
      }
      if (left == 0) {
        return -1;
      }
      if (len == 0) {
        return 0;
      }
      int n = c.read(b, off, (int) Math.min(len, left));
      if (n < 0) {
        if (left == Long.MAX_VALUE) {
          left = 0; // to the connection's end, as announced
          return -1;
        }
        throw new EOFException("the server closed the connection " + left + " bytes early");
      }
      if (left != Long.MAX_VALUE) {
        left -= n;
      }
      return n;
    }

    @Override
    public void close() {
      if (!closed) {
        closed = true;
        c.finished(left == 0);
      }
    }
  }

  /** A chunked body: chunk sizes in hex, then the trailer section. */
  private static final class ChunkedBody extends InputStream {
    private final Connection c;
    private long chunkLeft;
    private boolean done;
    private boolean closed;

    ChunkedBody(Connection c) {
      this.c = c;
    }

    @Override
    public int read() throws IOException {
      byte[] one = new byte[1];
      return read(one, 0, 1) < 0 ? -1 : one[0] & 0xFF;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
      if (closed) {
        throw new IOException("the body is closed");
      }
      if (done) {
        return -1;
      }
      if (len == 0) {
        return 0;
      }
      if (chunkLeft == 0) {
        String size = c.readLine(false);
        int semicolon = size.indexOf(';');
        String hex = (semicolon >= 0 ? size.substring(0, semicolon) : size).trim();
        try {
          chunkLeft = Long.parseLong(hex, 16);
        } catch (NumberFormatException e) {
          throw new IOException("a chunk size is not hexadecimal: \"" + abbreviate(size) + "\"");
        }
        if (chunkLeft < 0) {
          throw new IOException("a chunk size is negative");
        }
        if (chunkLeft == 0) {
          while (!c.readLine(false).isEmpty()) {
            // trailer fields: ignored
          }
          done = true;
          return -1;
        }
      }
      int n = c.read(b, off, (int) Math.min(len, chunkLeft));
      if (n < 0) {
        throw new EOFException("the server closed the connection inside a chunk");
      }
      chunkLeft -= n;
      if (chunkLeft == 0 && !c.readLine(false).isEmpty()) {
        throw new IOException("a chunk does not end with CRLF");
      }
      return n;
    }

    @Override
    public void close() {
      if (!closed) {
        closed = true;
        c.finished(done);
      }
    }
  }
}
