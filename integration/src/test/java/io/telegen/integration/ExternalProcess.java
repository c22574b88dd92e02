package io.telegen.integration;

import static org.junit.jupiter.api.Assertions.fail;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * A program a test runs: started with arguments and environment, stdout and stderr going to one
 * log file, stopped with SIGTERM and then, if it does not exit within 10 s, SIGKILL.
 *
 * <p>The child gets this JVM's environment minus every {@code OTEL_*} and {@code TELEGEN_*}
 * variable (those change what the collector and the agent do), plus the variables given. A JVM
 * shutdown hook kills whatever is still running, so nothing outlives a crashed test run.
 * Assertion messages include {@link #describe()}: the program's state and the end of its log.
 */
final class ExternalProcess implements AutoCloseable {

  static final Duration STOP_TIMEOUT = Duration.ofSeconds(10);
  private static final int TAIL_LINES = 60;
  private static final Set<Process> RUNNING = ConcurrentHashMap.newKeySet();

  static {
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(() -> RUNNING.forEach(Process::destroyForcibly), "external-process-reaper"));
  }

  /** What a program that ran to completion left behind. */
  record Result(int exitCode, String output) {}

  private final String name;
  private final List<String> command;
  private final Path logFile;
  private final Process process;

  private ExternalProcess(String name, List<String> command, Path logFile, Process process) {
    this.name = name;
    this.command = List.copyOf(command);
    this.logFile = logFile;
    this.process = process;
  }

  static ExternalProcess start(
      String name, List<String> command, Map<String, String> environment, Path logFile) {
    try {
      Files.createDirectories(logFile.toAbsolutePath().getParent());
      Files.writeString(
          logFile,
          "$ "
              + String.join(" ", command)
              + System.lineSeparator()
              + (environment.isEmpty() ? "" : "# env " + environment + System.lineSeparator()));
      ProcessBuilder builder =
          new ProcessBuilder(command)
              .redirectErrorStream(true)
              .redirectOutput(ProcessBuilder.Redirect.appendTo(logFile.toFile()))
              .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
      Map<String, String> env = builder.environment();
      env.keySet().removeIf(key -> key.startsWith("OTEL_") || key.startsWith("TELEGEN_"));
      env.putAll(environment);
      Process process = builder.start();
      RUNNING.add(process);
      process.onExit().thenRun(() -> RUNNING.remove(process));
      return new ExternalProcess(name, command, logFile, process);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot start " + name + ": " + command, e);
    }
  }

  /** Runs a program to completion; fails the test if it takes longer than {@code timeout}. */
  static Result run(
      String name,
      List<String> command,
      Map<String, String> environment,
      Path logFile,
      Duration timeout) {
    try (ExternalProcess process = start(name, command, environment, logFile)) {
      int exitCode = process.waitForExit(timeout);
      return new Result(exitCode, process.log());
    }
  }

  String name() {
    return name;
  }

  long pid() {
    return process.pid();
  }

  Path logFile() {
    return logFile;
  }

  boolean isAlive() {
    return process.isAlive();
  }

  /** Waits until something accepts TCP connections on host:port; fails if the program exits first. */
  void waitForTcpPort(String host, int port, Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (true) {
      if (!process.isAlive()) {
        fail(name + " exited before listening on " + host + ":" + port + "\n" + describe());
      }
      try (Socket socket = new Socket()) {
        socket.connect(new InetSocketAddress(host, port), 200);
        return;
      } catch (IOException notYet) {
        // not listening yet
      }
      if (System.nanoTime() > deadline) {
        fail(
            name
                + " does not listen on "
                + host
                + ":"
                + port
                + " after "
                + timeout
                + "\n"
                + describe());
      }
      sleep(Duration.ofMillis(100));
    }
  }

  /** Waits for the program to exit and returns its exit code; fails (and kills it) on timeout. */
  int waitForExit(Duration timeout) {
    try {
      if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
        stop();
        fail(name + " did not finish within " + timeout + "\n" + describe());
      }
      return process.exitValue();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      stop();
      throw new IllegalStateException("interrupted while waiting for " + name, e);
    }
  }

  /** SIGKILL, as {@code kill -9}: no shutdown hook runs, nothing is flushed or closed. */
  void kill() {
    process.destroyForcibly();
    try {
      process.waitFor(STOP_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** SIGTERM, and the exit code within {@code timeout}; fails (and kills it) past it. */
  int terminate(Duration timeout) {
    process.destroy();
    return waitForExit(timeout);
  }

  /** SIGTERM, then SIGKILL if the program has not exited after {@link #STOP_TIMEOUT}. */
  void stop() {
    if (!process.isAlive()) {
      return;
    }
    process.destroy();
    try {
      if (!process.waitFor(STOP_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
        process.destroyForcibly();
        process.waitFor(STOP_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
      }
    } catch (InterruptedException e) {
      process.destroyForcibly();
      Thread.currentThread().interrupt();
    }
  }

  @Override
  public void close() {
    stop();
  }

  String log() {
    try {
      return Files.readString(logFile, StandardCharsets.UTF_8);
    } catch (IOException e) {
      return "(cannot read " + logFile + ": " + e + ")";
    }
  }

  String logTail(int lines) {
    List<String> all = new ArrayList<>(log().lines().toList());
    return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
  }

  /** The program's state and the end of its log, for assertion messages. */
  String describe() {
    String state = process.isAlive() ? "running" : "exited with code " + process.exitValue();
    return "--- "
        + name
        + " (pid "
        + process.pid()
        + ", "
        + state
        + ", command "
        + command
        + "), last "
        + TAIL_LINES
        + " lines of "
        + logFile
        + ":\n"
        + logTail(TAIL_LINES)
        + "\n--- end of "
        + name
        + " log";
  }

  static void sleep(Duration duration) {
    try {
      Thread.sleep(duration.toMillis());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    }
  }
}
