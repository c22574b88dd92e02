package io.telegen.agent.assembly;

/**
 * Builds the sources of one capability (GPUs, GPU communication, LLM serving, training,
 * self-telemetry) from what the configuration asks for and what is on the node, and says in plain
 * words what it found. A new capability is one implementation plus its line in
 * {@link Capabilities#ORDERED}.
 */
@FunctionalInterface
public interface CapabilityAssembly {

  /**
   * The capability's sources and findings on {@code node}. Never throws for what the node lacks
   * (no driver, no process, a server that is down): that is a finding.
   */
  Assembled assemble(NodeContext node);
}
