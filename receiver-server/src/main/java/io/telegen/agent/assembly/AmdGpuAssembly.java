package io.telegen.agent.assembly;

import io.telegen.agent.config.AgentConfig;
import io.telegen.agent.config.Durations;
import io.telegen.gpu.AmdGpuSource;
import io.telegen.gpu.GpuUnavailableException;

/**
 * AMD GPUs through AMD SMI, every {@code agent.gpu.poll_interval}, when {@code agent.gpu.amd} is
 * true. Contributes the AMD part of the GPU process table; its device series carry the labels of
 * the node's device attributions, as the NVIDIA ones do. Beside NVIDIA GPUs on one node, the two
 * vendors' series are told apart by {@code vendor} and {@code uuid}: both number from 0.
 */
final class AmdGpuAssembly implements CapabilityAssembly {

  @Override
  public Assembled assemble(NodeContext node) {
    AgentConfig.Gpu gpu = node.config().gpu();
    if (!gpu.amd()) {
      return Assembled.nothing();
    }
    AmdGpuSource amd;
    try {
      amd = AmdGpuSource.open(gpu.options(), node.startUnixNanos(), node.attribution());
    } catch (GpuUnavailableException e) {
      return Assembled.builder()
          .finding(
              "AMD GPUs: none ("
                  + e.getMessage()
                  + "); set agent.gpu.amd_smi_library if ROCm is installed elsewhere, or"
                  + " agent.gpu.amd: false")
          .build();
    }
    return Assembled.builder()
        .source(new ScheduledSource(amd, gpu.pollInterval()))
        .finding("AMD GPUs: " + amd.describe() + ", every " + Durations.show(gpu.pollInterval()))
        .gpuTable(amd)
        .build();
  }
}
