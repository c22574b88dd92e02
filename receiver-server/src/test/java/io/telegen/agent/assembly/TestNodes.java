package io.telegen.agent.assembly;

import io.telegen.agent.config.AgentConfig;
import io.telegen.agent.config.ConfigLoader;
import io.telegen.agent.telemetry.AgentTelemetry;
import java.util.Map;

/** Node contexts for assembly tests, from the YAML under {@code agent:}. */
final class TestNodes {

  static final String NODE = "node-a";
  static final long START = 1_764_320_000_000_000_000L;

  private TestNodes() {}

  /** A node whose configuration is {@code agent:} followed by {@code yaml} (indented by 2). */
  static NodeContext node(String yaml) throws Exception {
    AgentConfig config =
        ConfigLoader.withEnvironment(Map.of()).parse("agent:\n" + yaml.indent(2), "test.yaml");
    return NodeContext.of(config, NODE, START, new AgentTelemetry(START));
  }
}
