package io.telegen.integration;

import io.telegen.testsupport.TestFiles;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.reflect.Method;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.TestInfo;

/**
 * {@code integration/target/it-logs/<test class>/<test method>/}: where a test's processes write
 * their logs and where its generated configs and collector output files go, so that they can be
 * read after a failure. Emptied when a test starts.
 */
final class TestLogDir {

  private TestLogDir() {}

  static Path of(TestInfo testInfo) {
    String className = testInfo.getTestClass().map(Class::getSimpleName).orElse("unknown");
    Path dir = TelegenTools.repoRoot().resolve("integration/target/it-logs").resolve(className);
    dir =
        testInfo.getTestMethod().map(Method::getName).map(dir::resolve).orElse(dir.resolve("all"));
    TestFiles.deleteTree(dir);
    try {
      return Files.createDirectories(dir);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
