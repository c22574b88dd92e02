package io.telegen.agent.assembly;

import java.util.List;

/**
 * GPUs: one source per vendor whose driver is on the node, unless {@code agent.gpu.enabled} is
 * false. A new vendor is one assembly plus its line in {@link #VENDORS}.
 */
final class GpuAssembly implements CapabilityAssembly {

  /** The vendors, in the order their findings are printed. */
  static final List<CapabilityAssembly> VENDORS =
      List.of(new NvidiaGpuAssembly(), new AmdGpuAssembly());

  @Override
  public Assembled assemble(NodeContext node) {
    if (!node.config().gpu().enabled()) {
      return Assembled.builder().finding("GPUs: off (agent.gpu.enabled: false)").build();
    }
    return Capabilities.assemble(VENDORS, node);
  }
}
