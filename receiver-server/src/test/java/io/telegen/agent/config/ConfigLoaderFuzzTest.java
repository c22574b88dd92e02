package io.telegen.agent.config;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.nio.charset.StandardCharsets;
import java.util.Map;

/**
 * Any YAML an operator can write: the loader returns a configuration or throws a {@link
 * ConfigException} listing each problem as {@code where: what} (a key path, or the YAML parser's
 * position), and nothing else: no other exception, no error, no hang.
 */
class ConfigLoaderFuzzTest {

  private static final ConfigLoader NO_ENV = ConfigLoader.withEnvironment(Map.of());

  @FuzzTest(maxDuration = "12s")
  void parse(byte[] input) {
    String yaml = new String(input, StandardCharsets.UTF_8);
    AgentConfig config;
    try {
      config = NO_ENV.parse(yaml, "fuzz.yaml");
    } catch (ConfigException e) {
      assertFalse(e.problems().isEmpty(), "a ConfigException without problems");
      // Every problem costs at least one character of the file, bar the one an empty file has.
      assertTrue(e.problems().size() <= yaml.length() + 1, e.problems().size() + " problems");
      assertTrue(e.getMessage().startsWith("invalid configuration in fuzz.yaml"), e.getMessage());
      for (String problem : e.problems()) {
        assertTrue(problem.contains(": "), "a problem that does not say where: " + problem);
      }
      return;
    }
    assertNotNull(config.exporter());
    assertTrue(config.exporter().port() >= 1 && config.exporter().port() <= 65535, "port");
    assertTrue(config.receiver().port() >= 0 && config.receiver().port() <= 65535, "port");
  }
}
