package io.telegen.testsupport;

import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystem;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.stream.Stream;

/**
 * The real {@code /metrics} payloads of serving frameworks (vLLM, TGI, Triton, TorchServe, SGLang,
 * llama.cpp), test resources of this module under {@code fixtures/frameworks/}; where each came
 * from is in {@code PROVENANCE.md} beside them.
 *
 * <p>In a reactor build the resources are a directory ({@code test-support/target/classes});
 * from an installed jar they are copied once into a temporary directory, so callers always get
 * files on the default file system, which parsers and fake servers can read like any other file.
 */
public final class RealPayloads {

  /** The classpath directory of the payloads. */
  static final String RESOURCE_DIR = "fixtures/frameworks";

  private RealPayloads() {}

  /** The directory of the payload files and their {@code PROVENANCE.md}. */
  public static Path dir() {
    return Holder.DIR;
  }

  /** One payload file, e.g. {@code vllm-datadog-fixture-v0-plus-v1.txt}; fails when missing. */
  public static Path file(String name) {
    Path file = dir().resolve(name);
    if (!Files.isRegularFile(file)) {
      fail("fixture " + name + " is not in test-support/src/main/resources/" + RESOURCE_DIR);
    }
    return file;
  }

  /** One payload's text (UTF-8). */
  public static String read(String name) {
    try {
      return Files.readString(file(name), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** One payload's bytes. */
  public static byte[] bytes(String name) {
    try {
      return Files.readAllBytes(file(name));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static final class Holder {
    static final Path DIR = locate();
  }

  private static Path locate() {
    URL provenance = RealPayloads.class.getResource("/" + RESOURCE_DIR + "/PROVENANCE.md");
    if (provenance == null) {
      throw new IllegalStateException(
          "no "
              + RESOURCE_DIR
              + "/PROVENANCE.md on the test"
              + " classpath: is telegen-test-support a test dependency of this module?");
    }
    try {
      URI uri = provenance.toURI();
      if ("file".equals(uri.getScheme())) {
        return Path.of(uri).getParent();
      }
      return copyOutOfJar(uri);
    } catch (URISyntaxException | IOException e) {
      throw new IllegalStateException("cannot read the fixtures at " + provenance + ": " + e, e);
    }
  }

  private static Path copyOutOfJar(URI inJar) throws IOException {
    Path target = Files.createTempDirectory("telegen-fixtures");
    // deleteOnExit runs in reverse order: the files first, then the directory
    target.toFile().deleteOnExit();
    try (FileSystem jar = FileSystems.newFileSystem(inJar, Map.of());
        Stream<Path> files = Files.list(jar.getPath("/" + RESOURCE_DIR))) {
      for (Path file : (Iterable<Path>) files::iterator) {
        Path copy = target.resolve(file.getFileName().toString());
        Files.copy(file, copy);
        copy.toFile().deleteOnExit();
      }
    }
    return target;
  }
}
