package io.telegen.agent.assembly;

import io.telegen.agent.config.AgentConfig;
import io.telegen.agent.config.Durations;

/**
 * The agent's own {@code telegen_agent_*} metrics every {@code agent.self_telemetry.interval},
 * unless {@code agent.self_telemetry.enabled} is false (they are counted either way).
 */
final class SelfTelemetryAssembly implements CapabilityAssembly {

  @Override
  public Assembled assemble(NodeContext node) {
    AgentConfig.SelfTelemetry self = node.config().selfTelemetry();
    if (!self.enabled()) {
      return Assembled.builder()
          .finding("self-telemetry: off (agent.self_telemetry.enabled: false)")
          .build();
    }
    return Assembled.builder()
        .source(new ScheduledSource(node.telemetry(), self.interval()))
        .finding("self-telemetry: telegen_agent_* every " + Durations.show(self.interval()))
        .build();
  }
}
