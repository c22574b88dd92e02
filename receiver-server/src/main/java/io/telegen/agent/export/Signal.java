package io.telegen.agent.export;

import java.util.Locale;

/** The three OTLP signals the agent carries. */
public enum Signal {
  METRICS,
  TRACES,
  LOGS;

  /** The value of the {@code signal} label in self-telemetry. */
  public String label() {
    return name().toLowerCase(Locale.ROOT);
  }
}
