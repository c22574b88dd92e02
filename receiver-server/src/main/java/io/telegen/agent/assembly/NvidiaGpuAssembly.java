package io.telegen.agent.assembly;

import io.telegen.agent.config.AgentConfig;
import io.telegen.agent.config.Durations;
import io.telegen.gpu.GpuOptions;
import io.telegen.gpu.GpuUnavailableException;
import io.telegen.gpu.NvidiaGpuSource;

/**
 * NVIDIA GPUs through NVML, every {@code agent.gpu.poll_interval}, unless
 * {@code agent.gpu.nvidia} is false. Contributes the GPU process table: the pids on each GPU and
 * each GPU's utilisation at the last collection.
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
      nvidia = NvidiaGpuSource.open(gpuOptions(node), node.startUnixNanos());
    } catch (GpuUnavailableException e) {
      return Assembled.builder()
          .finding("NVIDIA GPUs: none (" + e.getMessage() + "); set agent.gpu.nvml_library "
              + "if the driver is installed elsewhere, or agent.gpu.nvidia: false")
          .build();
    }
    return Assembled.builder()
        .source(new ScheduledSource(nvidia, gpu.pollInterval()))
        .finding("NVIDIA GPUs: " + nvidia.describe() + ", every "
            + Durations.show(gpu.pollInterval()))
        .gpuTable(nvidia)
        .build();
  }

  static GpuOptions gpuOptions(NodeContext node) {
    AgentConfig.Gpu gpu = node.config().gpu();
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
        .procRoot(node.procRoot())
        .build();
  }
}
