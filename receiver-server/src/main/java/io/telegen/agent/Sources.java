package io.telegen.agent;

import io.telegen.agent.config.AgentConfig;
import io.telegen.agent.config.Durations;
import io.telegen.agent.telemetry.AgentTelemetry;
import io.telegen.gpu.GpuOptions;
import io.telegen.gpu.GpuUnavailableException;
import io.telegen.gpu.NvidiaGpuSource;
import io.telegen.source.MetricSource;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * The sources a configuration asks for, built once and shared by {@code run} and
 * {@code collect}, with the plain-words findings the agent logs at start and {@code check} prints.
 */
final class Sources implements AutoCloseable {

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
      if (gpu.nvidia()) {
        try {
          NvidiaGpuSource nvidia = NvidiaGpuSource.open(gpuOptions(config), startUnixNanos);
          entries.add(new Entry(nvidia, gpu.pollInterval()));
          findings.add("NVIDIA GPUs: " + nvidia.describe() + ", every "
              + Durations.show(gpu.pollInterval()));
        } catch (GpuUnavailableException e) {
          findings.add("NVIDIA GPUs: none (" + e.getMessage() + "); set agent.gpu.nvml_library "
              + "if the driver is installed elsewhere, or agent.gpu.nvidia: false");
        }
      }
      if (gpu.amd()) {
        findings.add("AMD GPUs: this version reads NVIDIA GPUs only; agent.gpu.amd is ignored");
      }
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

  static GpuOptions gpuOptions(AgentConfig config) {
    AgentConfig.Gpu gpu = config.gpu();
    return GpuOptions.builder()
        .pollInterval(gpu.pollInterval())
        .utilization(gpu.metrics().utilization())
        .memory(gpu.metrics().memory())
        .temperature(gpu.metrics().temperature())
        .power(gpu.metrics().power())
        .clock(gpu.metrics().clock())
        .pcieThroughput(gpu.metrics().pcieThroughput())
        .encoderDecoder(gpu.metrics().encoderDecoder())
        .perProcess(gpu.perProcess())
        .nvmlLibrary(gpu.nvmlLibrary())
        .procRoot(config.procRoot())
        .build();
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

  /** Closes every source (native handles, sampling threads). */
  @Override
  public void close() {
    for (Entry entry : entries) {
      entry.source().close();
    }
  }
}
