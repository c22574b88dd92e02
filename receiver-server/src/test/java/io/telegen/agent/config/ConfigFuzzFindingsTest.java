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
 * Inputs the loader did not answer with a configuration or a {@link ConfigException}, kept in
 * src/test/resources/config/fuzz/, each with what the operator is told now: found by {@link
 * ConfigLoaderFuzzTest} (also kept in its corpus as the crash-* file Jazzer wrote), or by reading
 * the loader against that test's contract where a million inputs did not reach them.
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

  @Test
  void aPathWithANulCharacterIsAProblemAtItsKey() throws IOException {
    // a YAML "\0" in a path; was an InvalidPathException (found by reading, not by the fuzzer)
    ConfigException e =
        assertThrows(
            ConfigException.class, () -> NO_ENV.parse(finding("nul-in-a-path.yaml"), "fuzz.yaml"));
    assertEquals(
        List.of("agent.proc_root: not a file path (Nul character not allowed)"), e.problems());
  }

  @Test
  void aSizeTooLargeForTheAgentIsAProblemAtItsKey() throws IOException {
    // was a NumberFormatException, and a negative size once multiplied by its unit (found by
    // reading, not by the fuzzer)
    ConfigException e =
        assertThrows(
            ConfigException.class, () -> NO_ENV.parse(finding("size-too-large.yaml"), "fuzz.yaml"));
    assertEquals(
        List.of(
            "agent.exporter.queue.max_bytes: expected a size like 4MiB or 4194304, got"
                + " \"99999999999999999999\", too large",
            "agent.receiver.max_request_size: expected a size like 4MiB or 4194304, got"
                + " \"9999999999GiB\", too large"),
        e.problems());
  }

  private static String finding(String name) throws IOException {
    try (InputStream in =
        ConfigFuzzFindingsTest.class.getResourceAsStream("/config/fuzz/" + name)) {
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
  }
}
