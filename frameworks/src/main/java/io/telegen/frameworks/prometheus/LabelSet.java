package io.telegen.frameworks.prometheus;

import java.util.Arrays;

/**
 * An immutable, ordered list of label (name, value) pairs, in the order the payload wrote them.
 *
 * <p>Order is kept rather than sorted because the parser hands sets straight to the caller and
 * sorting every sample would cost more than the few callers that need a canonical order. Equality
 * is therefore order-sensitive. Duplicate names are kept as written; {@link #get} returns the first.
 */
public final class LabelSet {

  private static final LabelSet EMPTY = new LabelSet(new String[0]);

  // names at even indexes, values at odd ones: one array per sample instead of two
  private final String[] pairs;
  private int hash;

  private LabelSet(String[] pairs) {
    this.pairs = pairs;
  }

  /** The set with no labels. */
  public static LabelSet empty() {
    return EMPTY;
  }

  /**
   * A set from alternating names and values, e.g. {@code of("model_name", "opt", "le", "0.5")}.
   *
   * @throws IllegalArgumentException when the count is odd or an element is null
   */
  public static LabelSet of(String... namesAndValues) {
    if (namesAndValues.length % 2 != 0) {
      throw new IllegalArgumentException(
          "expected name/value pairs, got " + namesAndValues.length + " strings");
    }
    for (String s : namesAndValues) {
      if (s == null) {
        throw new IllegalArgumentException("label names and values must not be null");
      }
    }
    return namesAndValues.length == 0 ? EMPTY : new LabelSet(namesAndValues.clone());
  }

  /** Takes ownership of {@code pairs} without copying; only the parser calls this. */
  static LabelSet wrap(String[] pairs) {
    return pairs.length == 0 ? EMPTY : new LabelSet(pairs);
  }

  /** Number of labels. */
  public int size() {
    return pairs.length >> 1;
  }

  /** Name of the {@code i}-th label. */
  public String name(int i) {
    return pairs[checkIndex(i) << 1];
  }

  /** Value of the {@code i}-th label. */
  public String value(int i) {
    return pairs[(checkIndex(i) << 1) + 1];
  }

  /** Value of the first label called {@code name}, or {@code null} when there is none. */
  public String get(String name) {
    for (int i = 0; i < pairs.length; i += 2) {
      if (pairs[i].equals(name)) {
        return pairs[i + 1];
      }
    }
    return null;
  }

  private int checkIndex(int i) {
    if (i < 0 || i >= size()) {
      throw new IndexOutOfBoundsException("label " + i + " of " + size());
    }
    return i;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof LabelSet other && Arrays.equals(pairs, other.pairs);
  }

  @Override
  public int hashCode() {
    int h = hash;
    if (h == 0) {
      h = Arrays.hashCode(pairs);
      hash = h;
    }
    return h;
  }

  /** Renders in exposition syntax, e.g. {@code {le="0.5",model_name="opt"}}, values escaped. */
  @Override
  public String toString() {
    StringBuilder sb = new StringBuilder().append('{');
    for (int i = 0; i < pairs.length; i += 2) {
      if (i > 0) {
        sb.append(',');
      }
      sb.append(pairs[i]).append("=\"");
      String v = pairs[i + 1];
      for (int j = 0; j < v.length(); j++) {
        char c = v.charAt(j);
        switch (c) {
          case '\\' -> sb.append("\\\\");
          case '"' -> sb.append("\\\"");
          case '\n' -> sb.append("\\n");
          default -> sb.append(c);
        }
      }
      sb.append('"');
    }
    return sb.append('}').toString();
  }
}
