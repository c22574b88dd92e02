package io.telegen.integration;

import static org.junit.jupiter.api.Assertions.fail;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * The fake {@code libnvidia-ml.so.1} the gpu module builds, as the agent process sees it: the
 * {@code agent.gpu} section pointing at it, and the environment naming the scenario it plays.
 */
final class FakeGpuNode {

  private static final Path GPU_MODULE = TelegenTools.repoRoot().resolve("gpu");

  private FakeGpuNode() {}

  /** {@code agent.gpu} on the fake library, polled every second. */
  static Map<String, Object> gpuSection() {
    Path library = GPU_MODULE.resolve("target/fake-nvml/full/libnvidia-ml.so.1");
    if (!Files.exists(library)) {
      fail(library + " is missing: build the gpu module (mvn -pl gpu -am install)");
    }
    return Map.of("enabled", true, "poll_interval", "1s", "nvml_library", library.toString());
  }

  /** The agent's environment for {@code gpu/src/test/resources/nvml/<scenario>.conf}. */
  static Map<String, String> environment(String scenario) {
    return Map.of("FAKE_NVML_SCENARIO",
        GPU_MODULE.resolve("src/test/resources/nvml/" + scenario + ".conf").toString());
  }
}
