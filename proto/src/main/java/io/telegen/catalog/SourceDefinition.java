package io.telegen.catalog;

import java.util.Objects;

/**
 * One source of the {@link MetricCatalog}: a collector a metric's {@code sources} may name.
 *
 * @param id the source id, e.g. {@code nvml} or {@code tensorflow_serving}; a serving framework's
 *     id is its name in the agent's framework registry
 * @param capability what the source is for, e.g. {@code gpu} or {@code serving_framework}, so a
 *     module can check its own registry against the catalog without the catalog knowing it
 * @param description one line: what the source reads
 */
public record SourceDefinition(String id, String capability, String description) {

  public SourceDefinition {
    Objects.requireNonNull(id, "id");
    Objects.requireNonNull(capability, "capability");
    Objects.requireNonNull(description, "description");
  }
}
