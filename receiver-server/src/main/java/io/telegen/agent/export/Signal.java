package io.telegen.agent.export;

import java.util.Locale;

/** The three OTLP signals the agent carries. */
public enum Signal {
  METRICS,
  TRACES,
  LOGS;

  private final String label = name().toLowerCase(Locale.ROOT); // asked for per request

  /** The value of the {@code signal} label in self-telemetry. */
  public String label() {
    return label;
  }
}
