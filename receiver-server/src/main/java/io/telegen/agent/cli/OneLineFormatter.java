package io.telegen.agent.cli;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.logging.ConsoleHandler;
import java.util.logging.Formatter;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

/** {@code 2026-11-27T21:56:38Z WARN  message}: one line per record, for journald and kubectl logs. */
public final class OneLineFormatter extends Formatter {

  // JUL holds loggers weakly: a level set on an unreferenced logger is forgotten after a GC.
  private static final Logger AGENT_LOGGER = Logger.getLogger("io.telegen");

  @Override
  public String format(LogRecord record) {
    String level =
        record.getLevel() == Level.SEVERE
            ? "ERROR"
            : record.getLevel() == Level.WARNING
                ? "WARN "
                : record.getLevel() == Level.INFO ? "INFO " : "DEBUG";
    StringBuilder sb =
        new StringBuilder(128)
            .append(Instant.ofEpochMilli(record.getMillis()).truncatedTo(ChronoUnit.SECONDS))
            .append(' ')
            .append(level)
            .append(' ')
            .append(formatMessage(record))
            .append('\n');
    if (record.getThrown() != null) {
      StringWriter trace = new StringWriter();
      record.getThrown().printStackTrace(new PrintWriter(trace));
      sb.append(trace);
    }
    return sb.toString();
  }

  /** Routes all logging to stderr in this format; gRPC and Netty only speak up on warnings. */
  public static void install(Level agentLevel) {
    Logger root = Logger.getLogger("");
    for (Handler h : root.getHandlers()) {
      root.removeHandler(h);
    }
    ConsoleHandler handler = new ConsoleHandler();
    handler.setFormatter(new OneLineFormatter());
    handler.setLevel(Level.ALL);
    root.addHandler(handler);
    root.setLevel(Level.WARNING);
    AGENT_LOGGER.setLevel(agentLevel);
  }
}
