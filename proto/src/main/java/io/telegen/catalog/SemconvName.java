package io.telegen.catalog;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * The OpenTelemetry semantic-convention form of one catalog metric (from {@code semconv.yaml}): its
 * name and unit, the factor that turns the catalog's value into the convention's (0.01 from
 * percent to a ratio), and the attributes the convention adds ({@code hw.gpu.task}, {@code
 * hw.type}, ...).
 *
 * @param metric the catalog name, e.g. {@code gpu_utilization_percent}
 * @param name the convention name, e.g. {@code hw.gpu.utilization}
 * @param unit the convention's UCUM unit
 * @param scale multiplier from the catalog value to the convention value
 * @param attributes attributes with fixed values the convention form carries, in file order
 */
public record SemconvName(
    String metric, String name, String unit, double scale, Map<String, String> attributes) {

  /** Copies the attributes so that the value cannot change. */
  public SemconvName {
    Objects.requireNonNull(metric, "metric");
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(unit, "unit");
    attributes = Collections.unmodifiableMap(new LinkedHashMap<>(attributes));
  }
}
