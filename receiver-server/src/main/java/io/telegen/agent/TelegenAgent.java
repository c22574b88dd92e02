package io.telegen.agent;

import io.opentelemetry.proto.metrics.v1.Metric;
import io.telegen.agent.cli.OneLineFormatter;
import io.telegen.agent.cli.PrometheusText;
import io.telegen.agent.config.AgentConfig;
import io.telegen.agent.config.ConfigException;
import io.telegen.agent.config.ConfigLoader;
import io.telegen.agent.config.Durations;
import io.telegen.agent.schedule.SourceScheduler;
import io.telegen.catalog.MetricCatalog;
import io.telegen.gpu.nccl.NcclCounterSource;
import io.telegen.gpu.nccl.NcclProfilerPlugin;
import io.telegen.source.MetricBatch;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The {@code telegen-agent} command line.
 *
 * <pre>
 * telegen-agent [run] [--config FILE]                                runs the service
 * telegen-agent collect [--config FILE] [--cycles N] [--interval D]  prints metrics once
 * telegen-agent check [--config FILE]                                validates and reports
 * telegen-agent nccl-plugin DIR                                      writes the NCCL plugin
 * </pre>
 *
 * Exit codes: {@value #OK} success; {@value #RUNTIME_FAILURE} the service could not start or run
 * (for example the receiver's port is taken); {@value #CONFIG_ERROR} a usage or configuration
 * error.
 */
public final class TelegenAgent {

  static final int OK = 0;
  static final int RUNTIME_FAILURE = 1;
  static final int CONFIG_ERROR = 2;

  private static final Logger logger = Logger.getLogger(TelegenAgent.class.getName());

  /** The longest {@code collect} waits for a source in one cycle (less for a shorter interval). */
  private static final Duration COLLECT_LIMIT = Duration.ofSeconds(30);

  private static final String USAGE =
      """
      Usage:
        telegen-agent [run] [--config FILE]       run the agent (embedded default without --config)
        telegen-agent collect [--config FILE] [--cycles N] [--interval D]
                                                  collect N cycles (default 2, 1s apart) and print
                                                  the last in Prometheus text format
        telegen-agent check [--config FILE]       validate the config, report what was found
        telegen-agent nccl-plugin DIR             write the NCCL profiler plugin into DIR (a
                                                  path training jobs can see) and print how a
                                                  job loads it
        telegen-agent --version | --help
      Exit codes: 0 ok, 1 runtime failure, 2 usage or configuration error.
      """;

  private TelegenAgent() {}

  /**
   * Set by {@link #main} only: the real process ends with 0 once a SIGTERM's shutdown has closed
   * everything (the JVM would say 143), so that systemd and the kubelet see a clean stop. Tests
   * that call {@link #run} in their own JVM keep its exit status.
   */
  private static volatile boolean exitZeroAfterStop;

  public static void main(String[] args) {
    exitZeroAfterStop = true;
    int code = run(args, System.out, System.err);
    if (code != OK || !isRunCommand(args)) {
      System.exit(code);
    }
  }

  private static boolean isRunCommand(String[] args) {
    return args.length == 0
        || args[0].startsWith("-") && !args[0].equals("--help") && !args[0].equals("--version")
        || args[0].equals("run");
  }

  /** Runs one command; for {@code run}, returns only once the agent stops. */
  static int run(String[] args, PrintStream out, PrintStream err) {
    Arguments arguments;
    try {
      arguments = Arguments.parse(args);
    } catch (IllegalArgumentException e) {
      err.println("telegen-agent: " + e.getMessage());
      err.print(USAGE);
      return CONFIG_ERROR;
    }
    switch (arguments.command()) {
      case "help" -> {
        out.print(USAGE);
        return OK;
      }
      case "version" -> {
        out.println("telegen-agent " + AgentInfo.version());
        return OK;
      }
      case "nccl-plugin" -> {
        return writeNcclPlugin(arguments.target(), out, err);
      }
      default -> {}
    }
    AgentConfig config;
    try {
      config = ConfigLoader.fromEnvironment().load(arguments.config());
    } catch (ConfigException e) {
      err.println("telegen-agent: " + e.getMessage());
      return CONFIG_ERROR;
    }
    return switch (arguments.command()) {
      case "check" -> check(config, out);
      case "collect" -> collect(config, arguments.cycles(), arguments.interval(), out, err);
      default -> serve(config);
    };
  }

  private static int writeNcclPlugin(Path dir, PrintStream out, PrintStream err) {
    try {
      Path plugin = NcclProfilerPlugin.extractTo(dir);
      out.println("wrote " + plugin);
      out.println("A training job loads it with (NCCL >= 2.23.4):");
      out.println("  NCCL_PROFILER_PLUGIN=" + plugin.toAbsolutePath());
      out.println(
          "  TELEGEN_NCCL_DIR="
              + NcclCounterSource.DEFAULT_DIRECTORY
              + "   (optional; the agent reads agent.gpu.nccl_dir)");
      return OK;
    } catch (IOException | RuntimeException e) {
      err.println(
          "telegen-agent: cannot write the NCCL profiler plugin into "
              + dir
              + ": "
              + e.getMessage()
              + "; pass a writable directory");
      return RUNTIME_FAILURE;
    }
  }

  private static int check(AgentConfig config, PrintStream out) {
    out.println("config: " + config.origin() + " is valid");
    try (Sources sources = Sources.create(config, 0)) {
      for (String finding : sources.findings()) {
        out.println(finding);
      }
    }
    out.println(receiverLine(config));
    out.println(
        exportLine(
            config,
            CollectorProbe.describe(
                config.exporter().host(), config.exporter().port(), Duration.ofSeconds(2))));
    return OK;
  }

  private static int collect(
      AgentConfig config, int cycles, Duration interval, PrintStream out, PrintStream err) {
    OneLineFormatter.install(Level.WARNING);
    Clock clock = Clock.systemUTC();
    Sources sources = Sources.create(config, now(clock));
    List<Metric> last = new ArrayList<>();
    // The scheduler `run` uses, one cycle at a time; it closes the sources when done.
    try (SourceScheduler scheduler =
        new SourceScheduler(
            MetricCatalog.load(), sources.telemetry(), (source, batch) -> {}, clock)) {
      sources.addTo(scheduler, false);
      for (int cycle = 1; cycle <= cycles; cycle++) {
        last.clear();
        for (MetricBatch batch : scheduler.collectNow(COLLECT_LIMIT)) {
          last.addAll(batch.metrics());
        }
        if (cycle < cycles) {
          try {
            Thread.sleep(interval.toMillis());
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return RUNTIME_FAILURE;
          }
        }
      }
    }
    StringBuilder text = new StringBuilder();
    PrometheusText.write(last, text);
    out.print(text);
    out.flush();
    if (last.isEmpty()) {
      err.println(
          "telegen-agent: no source produced metrics; see the findings of "
              + "'telegen-agent check'");
    }
    return OK;
  }

  private static int serve(AgentConfig config) {
    OneLineFormatter.install(Level.INFO);
    Clock clock = Clock.systemUTC();
    Sources sources = Sources.create(config, now(clock));
    Agent agent;
    try {
      agent = Agent.start(config, sources, clock);
    } catch (IOException e) {
      logger.severe(
          "cannot listen for OTLP on "
              + config.receiver().host()
              + ":"
              + config.receiver().port()
              + " ("
              + e.getMessage()
              + "). Is another agent running? "
              + "Set agent.receiver.endpoint to a free address, or agent.receiver.enabled: false");
      return RUNTIME_FAILURE;
    }
    StringBuilder summary =
        new StringBuilder("telegen-agent ")
            .append(AgentInfo.version())
            .append(" started on ")
            .append(AgentInfo.hostName())
            .append(" (config: ")
            .append(config.origin())
            .append(')');
    for (String finding : sources.findings()) {
      summary.append("\n  ").append(finding);
    }
    summary.append("\n  ").append(receiverLine(config));
    summary
        .append("\n  ")
        .append(
            exportLine(
                config,
                CollectorProbe.describe(
                    config.exporter().host(), config.exporter().port(), Duration.ofMillis(500))));
    logger.info(summary.toString());

    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  agent.close();
                  stopped.countDown();
                  if (exitZeroAfterStop) {
                    // Everything is closed and the queue is on disk or delivered: a clean stop.
                    Runtime.getRuntime().halt(OK);
                  }
                },
                "telegen-shutdown"));
    agent.exportUntilClosed();
    try {
      stopped.await();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    return OK;
  }

  private static String receiverLine(AgentConfig config) {
    return config.receiver().enabled()
        ? "OTLP receiver: "
            + config.receiver().host()
            + ":"
            + config.receiver().port()
            + " (gRPC: metrics, traces, logs); apps send here"
        : "OTLP receiver: off (agent.receiver.enabled: false)";
  }

  private static String exportLine(AgentConfig config, String probe) {
    AgentConfig.Exporter e = config.exporter();
    String line =
        "export: OTLP/gRPC to " + e.target() + " (" + e.compression() + "), collector " + probe;
    return CollectorProbe.isReachable(probe)
        ? line
        : line
            + "; data is queued (up to "
            + e.queueMaxRequests()
            + " requests) and delivered once it is up";
  }

  private static long now(Clock clock) {
    return clock.instant().getEpochSecond() * 1_000_000_000L + clock.instant().getNano();
  }

  /** The parsed command line. */
  record Arguments(String command, Path config, int cycles, Duration interval, Path target) {

    static Arguments parse(String[] args) {
      String command = "run";
      Path config = null;
      int cycles = 2;
      Duration interval = Duration.ofSeconds(1);
      int i = 0;
      if (args.length > 0 && !args[0].startsWith("-")) {
        command = args[0];
        i = 1;
        if (!List.of("run", "collect", "check", "help", "version", "nccl-plugin")
            .contains(command)) {
          throw new IllegalArgumentException("unknown command '" + command + "'");
        }
        if (command.equals("nccl-plugin")) {
          if (args.length != 2 || args[1].startsWith("-")) {
            throw new IllegalArgumentException(
                "nccl-plugin needs one directory, e.g. "
                    + "'telegen-agent nccl-plugin /opt/telegen/lib'");
          }
          return new Arguments(command, null, 2, Duration.ofSeconds(1), Path.of(args[1]));
        }
      }
      for (; i < args.length; i++) {
        String arg = args[i];
        switch (arg) {
          case "--help", "-h" -> command = "help";
          case "--version" -> command = "version";
          case "--config", "-c" -> config = Path.of(value(args, ++i, arg));
          case "--cycles" -> {
            String v = value(args, ++i, arg);
            try {
              cycles = Integer.parseInt(v);
            } catch (NumberFormatException e) {
              cycles = 0;
            }
            if (cycles < 1) {
              throw new IllegalArgumentException(
                  "--cycles: expected a whole number >= 1, got " + v);
            }
          }
          case "--interval" -> {
            String v = value(args, ++i, arg);
            interval = Durations.parse(v);
            if (interval == null) {
              throw new IllegalArgumentException(
                  "--interval: expected a duration like 1s or " + "500ms, got " + v);
            }
          }
          default -> {
            if (arg.startsWith("--config=")) {
              config = Path.of(arg.substring("--config=".length()));
            } else {
              throw new IllegalArgumentException("unknown option '" + arg + "'");
            }
          }
        }
      }
      if (!command.equals("collect") && (cycles != 2 || !interval.equals(Duration.ofSeconds(1)))) {
        throw new IllegalArgumentException("--cycles and --interval go with 'collect'");
      }
      return new Arguments(command, config, cycles, interval, null);
    }

    private static String value(String[] args, int i, String option) {
      if (i >= args.length) {
        throw new IllegalArgumentException(option + " needs a value");
      }
      return args[i];
    }
  }
}
