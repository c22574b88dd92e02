package io.telegen.testsupport;

import static org.junit.jupiter.api.Assertions.fail;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The repository checkout the tests run in. Surefire and Failsafe run each module's tests in that
 * module's directory, so the root is the nearest directory above it that holds the parent
 * {@code pom.xml} and this {@code test-support} module; {@code -Dtelegen.repo.root=DIR} overrides
 * the search.
 */
public final class Repository {

  private static final Path ROOT = find();

  private Repository() {}

  /** The repository root, absolute. */
  public static Path root() {
    return ROOT;
  }

  /** A directory inside the repository, e.g. {@code gpu/src/test/resources/nvml}; must exist. */
  public static Path dir(String relative) {
    Path dir = ROOT.resolve(relative);
    if (!Files.isDirectory(dir)) {
      fail(dir + " is missing from the checkout at " + ROOT);
    }
    return dir;
  }

  /** A file inside the repository, e.g. {@code integration/otelcol/builder-config.yaml}. */
  public static Path file(String relative) {
    Path file = ROOT.resolve(relative);
    if (!Files.isRegularFile(file)) {
      fail(file + " is missing from the checkout at " + ROOT);
    }
    return file;
  }

  private static Path find() {
    String property = System.getProperty("telegen.repo.root");
    if (property != null && !property.isBlank()) {
      Path root = Path.of(property).toAbsolutePath().normalize();
      if (!isRoot(root)) {
        throw new IllegalStateException(
            "-Dtelegen.repo.root="
                + property
                + " is not the Telegen checkout (no pom.xml and test-support/ there)");
      }
      return root;
    }
    Path here = Path.of("").toAbsolutePath().normalize();
    for (Path p = here; p != null; p = p.getParent()) {
      if (isRoot(p)) {
        return p;
      }
    }
    throw new IllegalStateException(
        "cannot find the Telegen checkout above "
            + here
            + " (a directory with pom.xml and test-support/); run the tests through Maven from the"
            + " checkout or set -Dtelegen.repo.root=DIR");
  }

  private static boolean isRoot(Path dir) {
    return Files.isRegularFile(dir.resolve("pom.xml"))
        && Files.isRegularFile(dir.resolve("test-support/pom.xml"));
  }
}
