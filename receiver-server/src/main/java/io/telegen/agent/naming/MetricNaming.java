package io.telegen.agent.naming;

import java.util.Locale;
import java.util.Optional;

/**
 * {@code agent.naming}: which names the agent sends its metrics under. The spec's names are what
 * Prometheus shows behind the shipped collector config (and what the shipped rules and dashboards
 * query); the OpenTelemetry semantic-convention names ({@code hw.gpu.*}, {@code gen_ai.*}) are for
 * OTLP-native backends. Metrics without a convention name keep the spec's name in every mode.
 */
public enum MetricNaming {
  /** The spec's names only (the default). */
  SPEC,
  /** The convention names where the conventions have one, the spec's names for the rest. */
  SEMCONV,
  /** Both: every mapped metric twice, under each name. */
  BOTH;

  /** The key's value as the config spells it: {@code spec}, {@code semconv} or {@code both}. */
  public String configValue() {
    return name().toLowerCase(Locale.ROOT);
  }

  /** The mode a config value names, if any. */
  public static Optional<MetricNaming> parse(String value) {
    for (MetricNaming naming : values()) {
      if (naming.configValue().equals(value)) {
        return Optional.of(naming);
      }
    }
    return Optional.empty();
  }
}
