package io.telegen.agent.export;

import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.telegen.agent.config.AgentConfig;
import io.telegen.agent.config.ConfigException;
import io.telegen.agent.config.ConfigLoader;
import io.telegen.agent.telemetry.AgentTelemetry;
import java.io.IOException;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.LongUnaryOperator;

/**
 * What the export tests build, closed in reverse order by {@link #close()} (call it from
 * {@code @AfterEach}): the agent's event loop, exporters, export loops and fake collectors.
 */
final class ExporterFixture implements AutoCloseable {

  final EventLoopGroup eventLoop = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
  final AgentTelemetry telemetry = new AgentTelemetry(1L);
  private final Deque<AutoCloseable> closeables = new ArrayDeque<>();
  private volatile Thread loopThread;

  /**
   * The exporter section the agent reads from {@code settings}, the body of a YAML flow mapping
   * under {@code agent.exporter} (e.g. {@code "compression: none, timeout: 300ms"}), aimed at
   * {@code port} on this host with retries and the queue short enough for tests.
   */
  static AgentConfig.Exporter config(int port, String settings) {
    String yaml =
        "agent: {exporter: {endpoint: '127.0.0.1:"
            + port
            + "', "
            + "retry: {initial_interval: 100ms, max_interval: 1s}, queue: {max_requests: 100}"
            + (settings.isEmpty() ? "" : ", " + settings)
            + "}}";
    try {
      return ConfigLoader.withEnvironment(Map.of()).parse(yaml, "test exporter").exporter();
    } catch (ConfigException e) {
      throw new IllegalArgumentException(e.getMessage(), e);
    }
  }

  static AgentConfig.Exporter plaintext(int port) {
    return config(port, "compression: none");
  }

  static Path tlsFile(String name) {
    URL url = ExporterFixture.class.getResource("/tls/" + name);
    if (url == null) {
      throw new IllegalStateException("test resource /tls/" + name + " is missing");
    }
    try {
      return Path.of(url.toURI());
    } catch (URISyntaxException e) {
      throw new IllegalStateException(e);
    }
  }

  FakeCollector collector() throws IOException {
    return register(FakeCollector.start());
  }

  FakeCollector collector(int port) throws IOException {
    return register(FakeCollector.start(port));
  }

  OtlpExporter exporter(AgentConfig.Exporter config) throws IOException {
    return register(OtlpExporter.create(config, eventLoop));
  }

  /** A started loop: backoff 100 ms doubling up to {@code max}, the given sleeper and jitter. */
  ExportLoop loop(
      ExportQueue queue,
      OtlpExporter exporter,
      Duration max,
      RecordingSleeper sleeper,
      LongUnaryOperator jitter) {
    ExportLoop loop =
        new ExportLoop(queue, exporter, telemetry, Duration.ofMillis(100), max, sleeper, jitter);
    start(loop);
    return loop;
  }

  /** Starts {@code loop}, remembering its thread for {@link #awaitIdle}; stopped by close. */
  void start(ExportLoop loop) {
    Set<Thread> before = Thread.getAllStackTraces().keySet();
    loop.start();
    closeables.push(loop::stop);
    loopThread =
        Thread.getAllStackTraces().keySet().stream()
            .filter(t -> t.getName().equals("telegen-export") && !before.contains(t))
            .findFirst()
            .orElseThrow(() -> new AssertionError("the export loop thread is missing"));
  }

  /**
   * Waits until the loop has finished with everything in {@code queue} (accounting included):
   * the queue is empty and the loop is back in its timed wait for the next item. (A retry sleep
   * leaves the item queued, and a blocking gRPC call parks without a timeout.)
   */
  void awaitIdle(ExportQueue queue) {
    Thread t = loopThread;
    Await.until(
        () -> queue.size() == 0 && t.getState() == Thread.State.TIMED_WAITING,
        () -> "queued " + queue.size() + ", loop thread " + t.getState());
  }

  <T extends AutoCloseable> T register(T closeable) {
    closeables.push(closeable);
    return closeable;
  }

  @Override
  public void close() {
    Exception first = null;
    while (!closeables.isEmpty()) {
      try {
        closeables.pop().close();
      } catch (Exception e) {
        if (first == null) {
          first = e;
        }
      }
    }
    eventLoop.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly(5, TimeUnit.SECONDS);
    if (first != null) {
      throw new AssertionError("closing the test fixture failed", first);
    }
  }
}
