package io.telegen.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class AgentInfoTest {

  @Test
  void theNodeIsTheKubernetesNodeNameWhereGivenElseTheHostName() {
    assertEquals("gpu-node-a", AgentInfo.nodeName(" gpu-node-a\n", () -> "telegen-agent-x7k2p"));
    assertEquals("gpu-node-b", AgentInfo.nodeName(null, () -> "gpu-node-b"));
    assertEquals("gpu-node-b", AgentInfo.nodeName("  ", () -> "gpu-node-b"));
  }
}
