package io.telegen.agent.assembly;

/**
 * AMD GPUs: not read by this version; says so when {@code agent.gpu.amd} asks for them. Its
 * source comes with the AMD issue.
 */
final class AmdGpuAssembly implements CapabilityAssembly {

  @Override
  public Assembled assemble(NodeContext node) {
    if (!node.config().gpu().amd()) {
      return Assembled.nothing();
    }
    return Assembled.builder()
        .finding("AMD GPUs: this version reads NVIDIA GPUs only; agent.gpu.amd is ignored")
        .build();
  }
}
