package io.telegen.testsupport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TestFilesTest {

  @TempDir Path dir;

  @Test
  void aTreeIsCopiedWithItsFilesAndEmptyDirectoriesThenDeleted() throws IOException {
    Path source = Files.createDirectories(dir.resolve("source/1234/fd"));
    Files.writeString(source.resolveSibling("cmdline"), "vllm\0serve\0");
    Files.createDirectories(dir.resolve("source/empty"));

    Path copy = TestFiles.copyTree(dir.resolve("source"), dir.resolve("copy"));

    assertEquals("vllm\0serve\0", Files.readString(copy.resolve("1234/cmdline")));
    assertEquals(true, Files.isDirectory(copy.resolve("1234/fd")));
    assertEquals(true, Files.isDirectory(copy.resolve("empty")));
    TestFiles.deleteTree(copy);
    assertFalse(Files.exists(copy));
    TestFiles.deleteTree(copy); // gone already: nothing to do
  }
}
