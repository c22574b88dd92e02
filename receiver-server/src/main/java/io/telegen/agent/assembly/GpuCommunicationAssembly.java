package io.telegen.agent.assembly;

import io.telegen.agent.config.AgentConfig;
import io.telegen.frameworks.training.TrainingProcessDiscovery;
import io.telegen.gpu.infiniband.InfinibandSource;
import io.telegen.gpu.nccl.NcclCounterSource;
import java.nio.file.Path;

/**
 * GPU communication: the NCCL profiler plugin's counter files per rank, and the InfiniBand port
 * counters per NIC (the fallback where jobs do not load the plugin), both every
 * {@code agent.gpu.poll_interval}. Only beside a GPU source: NCCL and InfiniBand traffic matter
 * only where GPUs train; elsewhere they would be two idle threads.
 */
final class GpuCommunicationAssembly implements CapabilityAssembly {

  @Override
  public Assembled assemble(NodeContext node) {
    if (!node.hasGpus()) {
      return Assembled.nothing();
    }
    AgentConfig.Gpu gpu = node.config().gpu();
    Path procRoot = node.procRoot();
    NcclCounterSource nccl =
        NcclCounterSource.builder()
            .directory(gpu.ncclDir())
            .procRoot(procRoot)
            .nodeName(node.nodeName())
            .jobOfPid(pid -> TrainingProcessDiscovery.jobOf(procRoot, pid))
            .gpuProcesses(node.gpuProcesses())
            .owners(node.processAttributions())
            .build();
    InfinibandSource infiniband =
        InfinibandSource.builder().sysRoot(gpu.sysRoot()).nodeName(node.nodeName()).build();
    return Assembled.builder()
        .source(new ScheduledSource(nccl, gpu.pollInterval()))
        .finding(
            "NCCL: reading counter files in "
                + gpu.ncclDir()
                + " (jobs that set "
                + "NCCL_PROFILER_PLUGIN to the Telegen plugin; `telegen-agent nccl-plugin DIR` "
                + "writes it)")
        .source(new ScheduledSource(infiniband, gpu.pollInterval()))
        .finding(infiniband.describe())
        .build();
  }
}
