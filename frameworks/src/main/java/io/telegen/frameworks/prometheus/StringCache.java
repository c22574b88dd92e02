package io.telegen.frameworks.prometheus;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Byte-range to String interning for one parse, or for the parses of one endpoint (see
 * {@link PrometheusTextParser.Workspace}). A payload repeats the same few hundred names and
 * label values thousands of times; looking the bytes up here means each distinct one is decoded
 * once, and later occurrences cost a hash and a compare instead of a new String.
 *
 * <p>Bounded so that a payload with high-cardinality label values cannot grow it without limit;
 * once full, new strings are decoded but not remembered.
 */
final class StringCache {

  private static final int MAX_ENTRIES = 8192;

  private byte[][] keys = new byte[512][];
  private String[] values = new String[512];
  private int[] hashes = new int[512];
  private int size;

  /**
   * Empties a full cache, so that one kept across parses goes on caching when the payload's
   * strings change (label values that churn) instead of keeping only the first ones it saw.
   */
  void startOverIfFull() {
    if (size >= MAX_ENTRIES) {
      keys = new byte[512][];
      values = new String[512];
      hashes = new int[512];
      size = 0;
    }
  }

  String get(byte[] buf, int off, int len) {
    int h = 1;
    for (int i = off, end = off + len; i < end; i++) {
      h = 31 * h + buf[i];
    }
    h ^= h >>> 16;
    int mask = keys.length - 1;
    int slot = h & mask;
    for (byte[] k; (k = keys[slot]) != null; slot = (slot + 1) & mask) {
      if (hashes[slot] == h && k.length == len && Arrays.equals(k, 0, len, buf, off, off + len)) {
        return values[slot];
      }
    }
    String s = new String(buf, off, len, StandardCharsets.UTF_8);
    if (size < MAX_ENTRIES) {
      keys[slot] = Arrays.copyOfRange(buf, off, off + len);
      values[slot] = s;
      hashes[slot] = h;
      if (++size * 2 > keys.length) {
        grow();
      }
    }
    return s;
  }

  private void grow() {
    byte[][] oldKeys = keys;
    String[] oldValues = values;
    int[] oldHashes = hashes;
    int cap = oldKeys.length * 2;
    keys = new byte[cap][];
    values = new String[cap];
    hashes = new int[cap];
    int mask = cap - 1;
    for (int i = 0; i < oldKeys.length; i++) {
      if (oldKeys[i] != null) {
        int slot = oldHashes[i] & mask;
        while (keys[slot] != null) {
          slot = (slot + 1) & mask;
        }
        keys[slot] = oldKeys[i];
        values[slot] = oldValues[i];
        hashes[slot] = oldHashes[i];
      }
    }
  }
}
