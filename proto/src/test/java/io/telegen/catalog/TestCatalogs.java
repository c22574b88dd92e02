package io.telegen.catalog;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;

/** Opens the test catalogs in {@code src/test/resources/catalog} for tests of other packages. */
public final class TestCatalogs {

  private TestCatalogs() {}

  /** Parses {@code /catalog/<file>} from the test classpath, as {@link MetricCatalog#load} would. */
  public static MetricCatalog parse(String file) {
    String path = "/catalog/" + file;
    try (InputStream in = TestCatalogs.class.getResourceAsStream(path)) {
      if (in == null) {
        throw new IllegalStateException("test resource " + path + " is missing");
      }
      return MetricCatalog.parse(in, "catalog/" + file);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
