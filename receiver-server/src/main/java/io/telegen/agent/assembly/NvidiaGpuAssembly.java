package io.telegen.agent.assembly;

import io.telegen.agent.config.AgentConfig;
import io.telegen.agent.config.Durations;
import io.telegen.gpu.GpuUnavailableException;
import io.telegen.gpu.NvidiaGpuSource;

/**
 * NVIDIA GPUs through NVML, every {@code agent.gpu.poll_interval}, unless
 * {@code agent.gpu.nvidia} is false. Contributes the GPU process table: the pids on each GPU and
 * each GPU's utilisation at the last collection. Its device series carry the labels of the
 * node's device attributions (the pod holding a device, the training job of its ranks), and its
 * process series those of the process attributions (the process's pod and job), asked every
 * collection.
 */
final class NvidiaGpuAssembly implements CapabilityAssembly {

  @Override
  public Assembled assemble(NodeContext node) {
    AgentConfig.Gpu gpu = node.config().gpu();
    if (!gpu.nvidia()) {
      return Assembled.nothing();
    }
    NvidiaGpuSource nvidia;
    try {
      nvidia = NvidiaGpuSource.open(gpu.options(), node.startUnixNanos(), node.attribution());
    } catch (GpuUnavailableException e) {
      return Assembled.builder()
          .finding(
              "NVIDIA GPUs: none ("
                  + e.getMessage()
                  + "); set agent.gpu.nvml_library "
                  + "if the driver is installed elsewhere, or agent.gpu.nvidia: false")
          .build();
    }
    return Assembled.builder()
        .source(new ScheduledSource(nvidia, gpu.pollInterval()))
        .finding(
            "NVIDIA GPUs: " + nvidia.describe() + ", every " + Durations.show(gpu.pollInterval()))
        .gpuTable(nvidia)
        .build();
  }
}
