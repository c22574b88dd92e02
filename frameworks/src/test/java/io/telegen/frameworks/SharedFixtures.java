package io.telegen.frameworks;

import static org.junit.jupiter.api.Assertions.fail;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The real {@code /metrics} payloads in {@code shared/fixtures/frameworks}, which sits beside the
 * repository checkout ({@code ../shared} from its root), or wherever
 * {@code -Dtelegen.fixtures.frameworks} points.
 */
public final class SharedFixtures {

  private SharedFixtures() {}

  /** The fixtures directory; fails the test with what was tried when it is not there. */
  public static Path dir() {
    String override = System.getProperty("telegen.fixtures.frameworks");
    if (override != null) {
      return Path.of(override);
    }
    Path here = Path.of("").toAbsolutePath();
    for (Path p = here; p != null; p = p.getParent()) {
      Path candidate = p.resolve("shared/fixtures/frameworks");
      if (Files.isDirectory(candidate)) {
        return candidate;
      }
    }
    return fail("real /metrics fixtures not found: looked for shared/fixtures/frameworks in "
        + here + " and every parent; set -Dtelegen.fixtures.frameworks=DIR");
  }

  /** One fixture file; fails the test when it is missing. */
  public static Path file(String name) {
    Path file = dir().resolve(name);
    if (!Files.isRegularFile(file)) {
      fail("fixture " + file + " is missing");
    }
    return file;
  }
}
