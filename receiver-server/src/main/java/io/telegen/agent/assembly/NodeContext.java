package io.telegen.agent.assembly;

import io.telegen.agent.config.AgentConfig;
import io.telegen.agent.telemetry.AgentTelemetry;
import io.telegen.node.DeviceAttributions;
import io.telegen.node.GpuProcessTable;
import io.telegen.node.GpuProcessTables;
import io.telegen.node.NodeAttribution;
import io.telegen.node.ProcessAttributions;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * What every capability's assembly starts from: the node this agent runs on and what is already
 * known about it.
 *
 * @param config the validated configuration
 * @param nodeName the node's name, the {@code node} label of the sources that carry one: the
 *     Kubernetes node name ({@code NODE_NAME} from the downward API) where set, else the host name
 * @param startUnixNanos when the agent started, the start time of its cumulative series
 * @param procRoot where the host's {@code /proc} is ({@code agent.proc_root})
 * @param telemetry the agent's own {@code telegen_agent_*} counters
 * @param gpuTables the GPU process tables of the GPU sources assembled so far, one per vendor;
 *     empty before them or on a node without GPUs
 * @param deviceAttributions who uses each GPU and MIG device, as labels for its series: the GPU
 *     sources read it every collection and the capabilities after them add to it
 * @param processAttributions who each process belongs to (its pod, the training job of a rank), as
 *     labels for the series of that process, its server or its rank: the sources read it every
 *     collection and the capabilities after them add to it
 */
public record NodeContext(
    AgentConfig config,
    String nodeName,
    long startUnixNanos,
    Path procRoot,
    AgentTelemetry telemetry,
    List<GpuProcessTable> gpuTables,
    DeviceAttributions.Registry deviceAttributions,
    ProcessAttributions.Registry processAttributions) {

  public NodeContext {
    Objects.requireNonNull(config, "config");
    Objects.requireNonNull(nodeName, "nodeName");
    Objects.requireNonNull(procRoot, "procRoot");
    Objects.requireNonNull(telemetry, "telemetry");
    gpuTables = List.copyOf(gpuTables);
    Objects.requireNonNull(deviceAttributions, "deviceAttributions");
    Objects.requireNonNull(processAttributions, "processAttributions");
  }

  /** The context of a node before any capability is assembled: no GPU processes known yet. */
  public static NodeContext of(
      AgentConfig config, String nodeName, long startUnixNanos, AgentTelemetry telemetry) {
    return new NodeContext(
        config,
        nodeName,
        startUnixNanos,
        config.procRoot(),
        telemetry,
        List.of(),
        new DeviceAttributions.Registry(),
        new ProcessAttributions.Registry());
  }

  /** Whether a GPU source runs on this node (GPU communication is read only then). */
  public boolean hasGpus() {
    return !gpuTables.isEmpty();
  }

  /**
   * Which process uses which GPU and how busy each GPU is, over every vendor's table: what the
   * serving, training and communication sources join their series with.
   */
  public GpuProcessTable gpuProcesses() {
    return GpuProcessTables.combine(gpuTables);
  }

  /**
   * Who uses each device and each process, from the capabilities assembled so far and later: what
   * a GPU source labels its device and process series with, asked every collection.
   */
  public NodeAttribution attribution() {
    return new NodeAttribution(deviceAttributions, processAttributions);
  }

  /** This context with the GPU process tables a GPU capability contributed added. */
  NodeContext withGpuTables(List<GpuProcessTable> more) {
    List<GpuProcessTable> all = new ArrayList<>(gpuTables);
    all.addAll(more);
    return new NodeContext(
        config,
        nodeName,
        startUnixNanos,
        procRoot,
        telemetry,
        all,
        deviceAttributions,
        processAttributions);
  }
}
