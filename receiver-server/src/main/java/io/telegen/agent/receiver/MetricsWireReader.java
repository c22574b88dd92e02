package io.telegen.agent.receiver;

import com.google.protobuf.InvalidProtocolBufferException;

/**
 * Reads an encoded {@code ExportMetricsServiceRequest} field by field as protobuf-java 4.36's
 * generated parser reads it, and refuses exactly what that parser refuses, without building a
 * message: every message of the OTLP metrics schema ({@link MetricsWireSchema}) is checked down to
 * its last field, strings are checked to be UTF-8 (proto3 strings are, when parsed), unknown fields
 * are skipped as {@code UnknownFieldSet} reads them (groups to their matching end, the content of a
 * length-delimited one unread), and messages and groups nest at most {@link #MAX_DEPTH} deep.
 *
 * <p>What protobuf-java does, and this does with it (from its {@code CodedInputStream},
 * {@code UnknownFieldSet.Builder} and the generated {@code mergeFrom} of each message): a tag or a
 * length is a varint of up to ten bytes of which the low 32 bits count; a varint of more is
 * refused, as is one cut short by the end of its message. A tag of field 0, of wire type 6 or 7,
 * or an end-group with no group open is refused. A known field number with another wire type
 * than the schema's is an unknown field; a repeated scalar is read packed or not.
 *
 * <p>It also counts the data points the decoded request would have (see {@link #message}).
 */
final class MetricsWireReader {

  /** protobuf-java's default recursion limit: messages and groups nested in the top message. */
  static final int MAX_DEPTH = 100;

  private final byte[] b;

  /** Where the next byte is read. */
  int pos;

  /** The last {@code key} of the KeyValue {@link #keyValue} read: its offset, -1 for none. */
  int keyAt;

  int keyLength;

  MetricsWireReader(byte[] bytes) {
    this.b = bytes;
  }

  /** A field's tag; {@code end} is where its message ends. */
  int tag(int end) throws InvalidProtocolBufferException {
    int tag = varint32(end);
    if ((tag >>> 3) == 0) {
      throw refused("a field numbered 0");
    }
    return tag;
  }

  /** A length-delimited field's length, which must lie within its message. */
  int length(int end) throws InvalidProtocolBufferException {
    int n = varint32(end);
    if (n < 0) {
      throw refused("a negative length");
    }
    if (n > end - pos) {
      throw truncated();
    }
    return n;
  }

  /**
   * Reads the field of a {@code type} message (a {@link MetricsWireSchema} type) whose {@code tag}
   * was just read, in a message at {@code depth} (the top one 0) ending at {@code end}; the data
   * points it holds (for a data point, one; for a field that holds metrics, theirs).
   */
  int field(int type, int tag, int end, int depth) throws InvalidProtocolBufferException {
    int field = tag >>> 3;
    int wire = tag & 7;
    int entry = MetricsWireSchema.entry(type, field);
    switch (MetricsWireSchema.kind(entry)) {
      case MetricsWireSchema.VARINT:
        if (wire == 0) {
          skipVarint(end);
          return 0;
        }
        break;
      case MetricsWireSchema.VARINT64:
        if (wire == 0) {
          skipVarint64(end);
          return 0;
        }
        break;
      case MetricsWireSchema.FIXED64:
        if (wire == 1) {
          skip(8, end);
          return 0;
        }
        break;
      case MetricsWireSchema.STRING:
        if (wire == 2) {
          string(end);
          return 0;
        }
        break;
      case MetricsWireSchema.BYTES:
        if (wire == 2) {
          skipLength(end);
          return 0;
        }
        break;
      case MetricsWireSchema.MESSAGE:
        if (wire == 2) {
          int points = child(MetricsWireSchema.child(entry), end, depth);
          switch (MetricsWireSchema.role(entry)) {
            case MetricsWireSchema.POINT:
              return 1;
            case MetricsWireSchema.POINTS:
              return points;
            default:
              return 0;
          }
        }
        break;
      case MetricsWireSchema.PACKED_FIXED64:
        if (wire == 1) {
          skip(8, end);
          return 0;
        }
        if (wire == 2) {
          int n = length(end);
          if (n % 8 != 0) { // the last value is cut short by the end of the packed field
            throw truncated();
          }
          pos += n;
          return 0;
        }
        break;
      case MetricsWireSchema.PACKED_VARINT:
        if (wire == 0) {
          skipVarint64(end);
          return 0;
        }
        if (wire == 2) {
          int n = length(end);
          int stop = pos + n;
          while (pos < stop) {
            skipVarint64(stop);
          }
          return 0;
        }
        break;
      default:
        break;
    }
    unknown(tag, end, depth);
    return 0;
  }

  /**
   * Reads a message of {@code type} ending at {@code end}, at {@code depth}; its data points. A
   * metric's are those of its data as decoded: the data field read last says which of the five it
   * is, and protobuf-java merges every copy of that field into it, including copies read before
   * another data field came in between (its builder for that field is kept).
   */
  int message(int type, int end, int depth) throws InvalidProtocolBufferException {
    if (type == MetricsWireSchema.METRIC) {
      return metric(end, depth);
    }
    int points = 0;
    while (pos < end) {
      points += field(type, tag(end), end, depth);
    }
    return points;
  }

  /** Reads a KeyValue ending at {@code end}, at {@code depth}; sets {@link #keyAt}. */
  void keyValue(int end, int depth) throws InvalidProtocolBufferException {
    keyAt = -1;
    keyLength = 0;
    while (pos < end) {
      int tag = tag(end);
      if (tag == (1 << 3 | 2)) {
        int n = length(end);
        utf8(n);
        keyAt = pos;
        keyLength = n;
        pos += n;
      } else {
        field(MetricsWireSchema.KEY_VALUE, tag, end, depth);
      }
    }
  }

  /** Whether the last key read is {@code key}. */
  boolean keyIs(byte[] key) {
    if (keyLength != key.length) {
      return false;
    }
    for (int i = 0; i < key.length; i++) {
      if (b[keyAt + i] != key[i]) {
        return false;
      }
    }
    return true;
  }

  /** Reads a nested message's length and the message; in a message at {@code depth}. */
  int child(int type, int end, int depth) throws InvalidProtocolBufferException {
    int n = length(end);
    if (depth >= MAX_DEPTH) {
      throw tooDeep();
    }
    return message(type, pos + n, depth + 1);
  }

  private int metric(int end, int depth) throws InvalidProtocolBufferException {
    int gauge = 0;
    int sum = 0;
    int histogram = 0;
    int exponential = 0;
    int summary = 0;
    int data = 0;
    while (pos < end) {
      int tag = tag(end);
      int field = tag >>> 3;
      int entry = MetricsWireSchema.entry(MetricsWireSchema.METRIC, field);
      if ((tag & 7) == 2 && MetricsWireSchema.role(entry) == MetricsWireSchema.DATA) {
        int points = child(MetricsWireSchema.child(entry), end, depth);
        switch (field) {
          case MetricsWireSchema.GAUGE_FIELD -> gauge += points;
          case MetricsWireSchema.SUM_FIELD -> sum += points;
          case MetricsWireSchema.HISTOGRAM_FIELD -> histogram += points;
          case MetricsWireSchema.EXPONENTIAL_HISTOGRAM_FIELD -> exponential += points;
          default -> summary += points;
        }
        data = field;
      } else {
        field(MetricsWireSchema.METRIC, tag, end, depth);
      }
    }
    switch (data) {
      case MetricsWireSchema.GAUGE_FIELD:
        return gauge;
      case MetricsWireSchema.SUM_FIELD:
        return sum;
      case MetricsWireSchema.HISTOGRAM_FIELD:
        return histogram;
      case MetricsWireSchema.EXPONENTIAL_HISTOGRAM_FIELD:
        return exponential;
      case MetricsWireSchema.SUMMARY_FIELD:
        return summary;
      default:
        return 0;
    }
  }

  /** Skips an unknown field as {@code UnknownFieldSet.Builder.mergeFieldFrom} reads it. */
  private void unknown(int tag, int end, int depth) throws InvalidProtocolBufferException {
    switch (tag & 7) {
      case 0: // read as an int64
        skipVarint64(end);
        return;
      case 1:
        skip(8, end);
        return;
      case 2:
        skipLength(end);
        return;
      case 3:
        group(tag, end, depth);
        return;
      case 4:
        throw refused("an end-group tag with no group open");
      case 5:
        skip(4, end);
        return;
      default:
        throw refused("a field of wire type " + (tag & 7));
    }
  }

  /** An unknown group, to its end-group tag; started in a message or group at {@code depth}. */
  private void group(int startTag, int end, int depth) throws InvalidProtocolBufferException {
    if (depth >= MAX_DEPTH) {
      throw tooDeep();
    }
    int endTag = (startTag & ~7) | 4;
    while (true) {
      if (pos >= end) {
        throw refused("a group that does not end");
      }
      int tag = tag(end);
      if ((tag & 7) == 4) {
        if (tag != endTag) {
          throw refused("an end-group tag that does not match its group");
        }
        return;
      }
      unknown(tag, end, depth + 1);
    }
  }

  /** Skips a length-delimited field's content (read after its length, not as {@code pos +=}). */
  private void skipLength(int end) throws InvalidProtocolBufferException {
    int n = length(end);
    pos += n;
  }

  private void string(int end) throws InvalidProtocolBufferException {
    int n = length(end);
    utf8(n);
    pos += n;
  }

  /** Checks that the {@code n} bytes at {@link #pos} are UTF-8, as {@code Utf8} decodes it. */
  private void utf8(int n) throws InvalidProtocolBufferException {
    int i = pos;
    int stop = i + n;
    while (i < stop && b[i] >= 0) {
      i++;
    }
    while (i < stop) {
      byte b1 = b[i++];
      if (b1 >= 0) {
        continue;
      }
      if (b1 < (byte) 0xE0) { // two bytes: C2..DF, one trailing byte
        if (i >= stop || b1 < (byte) 0xC2 || b[i++] > (byte) 0xBF) {
          throw invalidUtf8();
        }
      } else if (b1 < (byte) 0xF0) { // three bytes: no overlong form, no surrogate
        if (i >= stop - 1) {
          throw invalidUtf8();
        }
        byte b2 = b[i++];
        if (b2 > (byte) 0xBF
            || (b1 == (byte) 0xE0 && b2 < (byte) 0xA0)
            || (b1 == (byte) 0xED && b2 >= (byte) 0xA0)
            || b[i++] > (byte) 0xBF) {
          throw invalidUtf8();
        }
      } else { // four bytes: F0..F4, no overlong form, nothing past U+10FFFF
        if (i >= stop - 2) {
          throw invalidUtf8();
        }
        byte b2 = b[i++];
        if (b2 > (byte) 0xBF
            || (((b1 << 28) + (b2 - (byte) 0x90)) >> 30) != 0
            || b[i++] > (byte) 0xBF
            || b[i++] > (byte) 0xBF) {
          throw invalidUtf8();
        }
      }
    }
  }

  /** A varint's low 32 bits. */
  private int varint32(int end) throws InvalidProtocolBufferException {
    int p = pos;
    if (p < end) {
      byte x = b[p];
      if (x >= 0) {
        pos = p + 1;
        return x;
      }
      if (end - p > 1) {
        byte y = b[p + 1];
        if (y >= 0) {
          pos = p + 2;
          return (x & 0x7F) | (y << 7);
        }
      }
    }
    return (int) varint64(end);
  }

  private long varint64(int end) throws InvalidProtocolBufferException {
    long result = 0;
    int p = pos;
    for (int shift = 0; shift < 64; shift += 7) {
      if (p >= end) {
        throw truncated();
      }
      byte x = b[p++];
      result |= (long) (x & 0x7F) << shift;
      if (x >= 0) {
        pos = p;
        return result;
      }
    }
    throw refused("a varint longer than ten bytes");
  }

  /** Skips a varint read as a 32-bit value (int32, uint32, sint32, enum): ten bytes at most. */
  private void skipVarint(int end) throws InvalidProtocolBufferException {
    int p = pos;
    int stop = Math.min(end, p + 10);
    while (p < stop) {
      if (b[p++] >= 0) {
        pos = p;
        return;
      }
    }
    if (p - pos < 10) {
      throw truncated();
    }
    throw refused("a varint longer than ten bytes");
  }

  /**
   * Skips a varint read as a 64-bit value (int64, uint64, bool, an unknown varint). Its tenth byte
   * is taken as protobuf-java's {@code readRawVarint64} takes it: with its low bit set, even with
   * the continuation bit (its fast path keeps only that bit, the 64th, and stops), or without the
   * continuation bit.
   */
  private void skipVarint64(int end) throws InvalidProtocolBufferException {
    int p = pos;
    int stop = Math.min(end, p + 9);
    while (p < stop) {
      if (b[p++] >= 0) {
        pos = p;
        return;
      }
    }
    if (p - pos < 9 || p >= end) {
      throw truncated();
    }
    byte tenth = b[p];
    if (tenth >= 0 || (tenth & 1) != 0) {
      pos = p + 1;
      return;
    }
    throw refused("a varint longer than ten bytes");
  }

  private void skip(int n, int end) throws InvalidProtocolBufferException {
    if (end - pos < n) {
      throw truncated();
    }
    pos += n;
  }

  private InvalidProtocolBufferException truncated() {
    return refused("a field or message that runs past the end of the message holding it");
  }

  private InvalidProtocolBufferException tooDeep() {
    return refused("messages and groups nested more than " + MAX_DEPTH + " deep");
  }

  private InvalidProtocolBufferException invalidUtf8() {
    return refused("a string that is not UTF-8");
  }

  private InvalidProtocolBufferException refused(String what) {
    return new InvalidProtocolBufferException(what + " (at byte " + pos + ")");
  }
}
