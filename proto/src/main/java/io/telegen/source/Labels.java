package io.telegen.source;

import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.telegen.catalog.MetricDefinition;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Objects;

/**
 * An immutable, ordered set of string labels for one series. Kept as OTLP {@link KeyValue}s so
 * that building a data point copies nothing.
 */
public final class Labels {

  // Before EMPTY, whose constructor reads it.
  private static final MetricDefinition[] NONE_FITTED = new MetricDefinition[0];

  private static final Labels EMPTY = new Labels(List.of());

  /** The most definitions a series' labels remember fitting; a GPU's labels serve about 40. */
  private static final int MAX_FITTED = 64;

  private final List<KeyValue> attributes;
  // Each attribute's encoding, made on first use (a benign race makes it twice at worst).
  private byte[][] encoded;
  // The catalog definitions these labels were found to fit (see MetricBatch), by identity: a
  // series' labels are checked against its definition once instead of at every point of every
  // cycle. Copied on write; a benign race loses an entry at worst, and the check runs again.
  private MetricDefinition[] fitted = NONE_FITTED;

  private Labels(List<KeyValue> attributes) {
    this.attributes = attributes;
  }

  public static Labels empty() {
    return EMPTY;
  }

  /** Labels from alternating keys and values: {@code Labels.of("device", "0", "name", "H100")}. */
  public static Labels of(String... keysAndValues) {
    if (keysAndValues.length % 2 != 0) {
      throw new IllegalArgumentException("Labels.of needs key/value pairs, got an odd count");
    }
    Labels labels = EMPTY;
    for (int i = 0; i < keysAndValues.length; i += 2) {
      labels = labels.and(keysAndValues[i], keysAndValues[i + 1]);
    }
    return labels;
  }

  /** A copy with one more label; a later value for an existing key replaces it. */
  public Labels and(String key, String value) {
    Objects.requireNonNull(key, "key");
    Objects.requireNonNull(value, () -> "value of label " + key);
    List<KeyValue> copy = new ArrayList<>(attributes.size() + 1);
    for (KeyValue kv : attributes) {
      if (!kv.getKey().equals(key)) {
        copy.add(kv);
      }
    }
    copy.add(
        KeyValue.newBuilder()
            .setKey(key)
            .setValue(AnyValue.newBuilder().setStringValue(value))
            .build());
    return new Labels(Collections.unmodifiableList(copy));
  }

  /** A copy with all labels of {@code other} added. */
  public Labels and(Labels other) {
    Labels merged = this;
    for (KeyValue kv : other.attributes) {
      merged = merged.and(kv.getKey(), kv.getValue().getStringValue());
    }
    return merged;
  }

  public List<KeyValue> attributes() {
    return attributes;
  }

  /**
   * Each attribute's {@code KeyValue} encoded, without tag and length, for writers that encode
   * OTLP themselves: a series' labels repeat every cycle, so they are encoded once. Not to be
   * changed.
   */
  public byte[][] encodedAttributes() {
    byte[][] e = encoded;
    if (e == null) {
      e = new byte[attributes.size()][];
      for (int i = 0; i < e.length; i++) {
        e[i] = attributes.get(i).toByteArray();
      }
      encoded = e;
    }
    return e;
  }

  /** Whether {@link #fitted} was called with {@code definition} (the same instance). */
  boolean knownToFit(MetricDefinition definition) {
    for (MetricDefinition d : fitted) {
      if (d == definition) {
        return true;
      }
    }
    return false;
  }

  /** Remembers that these labels fit {@code definition}'s declared labels. */
  void fitted(MetricDefinition definition) {
    MetricDefinition[] f = fitted;
    if (f.length < MAX_FITTED) {
      f = Arrays.copyOf(f, f.length + 1);
      f[f.length - 1] = definition;
      fitted = f;
    }
  }

  public boolean containsKey(String key) {
    for (KeyValue kv : attributes) {
      if (kv.getKey().equals(key)) {
        return true;
      }
    }
    return false;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Labels other && attributes.equals(other.attributes);
  }

  @Override
  public int hashCode() {
    return attributes.hashCode();
  }

  @Override
  public String toString() {
    StringBuilder sb = new StringBuilder("{");
    for (KeyValue kv : attributes) {
      if (sb.length() > 1) {
        sb.append(", ");
      }
      sb.append(kv.getKey()).append('=').append(kv.getValue().getStringValue());
    }
    return sb.append('}').toString();
  }
}
