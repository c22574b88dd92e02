package io.telegen.agent.assembly;

import io.telegen.agent.config.AgentConfig;
import io.telegen.agent.telemetry.AgentTelemetry;
import java.nio.file.Path;
import java.util.Objects;

/**
 * What every capability's assembly starts from: the node this agent runs on and what is already
 * known about it.
 *
 * @param config the validated configuration
 * @param nodeName the node's name, the {@code node} label of the sources that carry one
 * @param startUnixNanos when the agent started, the start time of its cumulative series
 * @param procRoot where the host's {@code /proc} is ({@code agent.proc_root})
 * @param telemetry the agent's own {@code telegen_agent_*} counters
 * @param gpuProcesses which process uses which GPU, as the GPU sources assembled so far know it;
 *     {@link GpuProcesses#none()} before them or on a node without GPUs
 */
public record NodeContext(AgentConfig config, String nodeName, long startUnixNanos,
    Path procRoot, AgentTelemetry telemetry, GpuProcesses gpuProcesses) {

  public NodeContext {
    Objects.requireNonNull(config, "config");
    Objects.requireNonNull(nodeName, "nodeName");
    Objects.requireNonNull(procRoot, "procRoot");
    Objects.requireNonNull(telemetry, "telemetry");
    Objects.requireNonNull(gpuProcesses, "gpuProcesses");
  }

  /** The context of a node before any capability is assembled: no GPU processes known yet. */
  public static NodeContext of(AgentConfig config, String nodeName, long startUnixNanos,
      AgentTelemetry telemetry) {
    return new NodeContext(config, nodeName, startUnixNanos, config.procRoot(), telemetry,
        GpuProcesses.none());
  }

  /** This context with the GPU process table the GPU sources contributed. */
  NodeContext withGpuProcesses(GpuProcesses table) {
    return new NodeContext(config, nodeName, startUnixNanos, procRoot, telemetry, table);
  }
}
