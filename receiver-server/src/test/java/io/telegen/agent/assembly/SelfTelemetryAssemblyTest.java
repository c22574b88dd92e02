package io.telegen.agent.assembly;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Self-telemetry: the node's own counters, scheduled unless switched off. */
class SelfTelemetryAssemblyTest {

  @Test
  void onItSchedulesTheNodesTelemetryAtItsInterval() throws Exception {
    NodeContext node = TestNodes.node("self_telemetry:\n  interval: 15s\n");
    Assembled self = new SelfTelemetryAssembly().assemble(node);
    assertEquals(List.of("self-telemetry: telegen_agent_* every 15s"), self.findings());
    assertSame(node.telemetry(), self.sources().get(0).source());
    assertEquals(Duration.ofSeconds(15), self.sources().get(0).interval());
  }

  @Test
  void offSaysSo() throws Exception {
    Assembled self =
        new SelfTelemetryAssembly().assemble(TestNodes.node("self_telemetry:\n  enabled: false\n"));
    assertEquals(
        List.of("self-telemetry: off (agent.self_telemetry.enabled: false)"), self.findings());
    assertEquals(List.of(), self.sources());
  }
}
