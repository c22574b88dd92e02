package io.telegen.agent;

import io.telegen.agent.config.AgentConfig;
import io.telegen.agent.config.Durations;
import io.telegen.agent.telemetry.AgentTelemetry;
import io.telegen.source.MetricSource;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * The sources a configuration asks for, built once and shared by {@code run} and
 * {@code collect}, with the plain-words findings the agent logs at start and {@code check} prints.
 */
final class Sources {

  /** A source and how often it runs. */
  record Entry(MetricSource source, Duration interval) {}

  private final AgentTelemetry telemetry;
  private final List<Entry> entries;
  private final List<String> findings;

  private Sources(AgentTelemetry telemetry, List<Entry> entries, List<String> findings) {
    this.telemetry = telemetry;
    this.entries = List.copyOf(entries);
    this.findings = List.copyOf(findings);
  }

  static Sources create(AgentConfig config, long startUnixNanos) {
    AgentTelemetry telemetry = new AgentTelemetry(startUnixNanos);
    List<Entry> entries = new ArrayList<>();
    List<String> findings = new ArrayList<>();

    AgentConfig.Gpu gpu = config.gpu();
    if (!gpu.enabled()) {
      findings.add("GPUs: off (agent.gpu.enabled: false)");
    } else {
      findings.add("GPUs: this version has no GPU source yet; agent.gpu is validated and will "
          + "take effect when the NVML and AMD SMI sources land");
    }

    if (config.aiml().frameworks().isEmpty()) {
      findings.add("LLM serving: nothing configured under agent.aiml.frameworks");
    } else {
      findings.add("LLM serving: agent.aiml.frameworks lists "
          + String.join(", ", config.aiml().frameworks().keySet())
          + "; this version has no framework source yet");
    }
    if (config.aiml().training().enabled()) {
      findings.add("training: agent.aiml.training is enabled; this version has no training "
          + "source yet");
    }

    if (config.selfTelemetry().enabled()) {
      entries.add(new Entry(telemetry, config.selfTelemetry().interval()));
      findings.add("self-telemetry: telegen_agent_* every "
          + Durations.show(config.selfTelemetry().interval()));
    } else {
      findings.add("self-telemetry: off (agent.self_telemetry.enabled: false)");
    }
    return new Sources(telemetry, entries, findings);
  }

  AgentTelemetry telemetry() {
    return telemetry;
  }

  List<Entry> entries() {
    return entries;
  }

  List<String> findings() {
    return findings;
  }
}
