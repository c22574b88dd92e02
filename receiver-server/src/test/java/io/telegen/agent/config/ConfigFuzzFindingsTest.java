package io.telegen.agent.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The inputs {@link ConfigLoaderFuzzTest} found that the loader did not answer with a
 * configuration or a {@link ConfigException}, kept in src/test/resources/config/fuzz/ (and in the
 * fuzz corpus as the crash-* file Jazzer wrote), each with what the operator is told now.
 */
class ConfigFuzzFindingsTest {

  private static final ConfigLoader NO_ENV = ConfigLoader.withEnvironment(Map.of());

  @Test
  void aKeyThatIsNotAStringIsReadAndReportedByItsText() throws IOException {
    // "false:" under agent.aiml.frameworks: a boolean key; was a ClassCastException
    ConfigException e =
        assertThrows(
            ConfigException.class,
            () -> NO_ENV.parse(finding("boolean-framework-key.yaml"), "fuzz.yaml"));
    assertEquals(
        List.of(
            "agent.aiml.frameworks.false: unknown framework; expected one of: "
                + String.join(", ", io.telegen.frameworks.serving.ServingFrameworks.names())),
        e.problems());
  }

  private static String finding(String name) throws IOException {
    try (InputStream in =
        ConfigFuzzFindingsTest.class.getResourceAsStream("/config/fuzz/" + name)) {
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
  }
}
