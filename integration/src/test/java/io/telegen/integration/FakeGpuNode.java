package io.telegen.integration;

import io.telegen.testsupport.BuildOutputs;
import io.telegen.testsupport.GpuTestResources;
import java.nio.file.Path;
import java.util.Map;

/**
 * The fake {@code libnvidia-ml.so.1} the gpu module builds, as the agent process sees it: the
 * {@code agent.gpu} section pointing at it, and the environment naming the scenario it plays.
 */
final class FakeGpuNode {

  private FakeGpuNode() {}

  /** {@code agent.gpu} on the fake library, polled every second. */
  static Map<String, Object> gpuSection() {
    Path library = BuildOutputs.fakeNvml();
    return Map.of("enabled", true, "poll_interval", "1s", "nvml_library", library.toString());
  }

  /** The agent's environment for {@code gpu/src/test/resources/nvml/<scenario>.conf}. */
  static Map<String, String> environment(String scenario) {
    return Map.of(
        GpuTestResources.SCENARIO_VARIABLE, GpuTestResources.nvmlScenario(scenario).toString());
  }
}
