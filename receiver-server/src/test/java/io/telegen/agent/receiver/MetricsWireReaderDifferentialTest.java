package io.telegen.agent.receiver;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.telegen.agent.export.OtlpRequests;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The single pass refuses a body exactly when protobuf-java's parse of ExportMetricsServiceRequest
 * refuses it ({@link WireDecodeDifferential}): on valid requests (the fuzz corpora's and random ones
 * using the whole schema), on mutations of them (cut short, bits flipped, bytes set, inserted and
 * removed), and on bodies built at the wire level for each rule of protobuf-java's parse.
 */
class MetricsWireReaderDifferentialTest {

  private final WireDecodeDifferential differential =
      new WireDecodeDifferential("node-7", "telegen-agent", "1.2.3");

  /** Tags protobuf-java treats specially: field 0, groups, wire types 6 and 7, overlong tags. */
  private static final byte[][] TAGS = {
    {0x00},
    {0x03},
    {0x04},
    {0x06},
    {0x07},
    {0x0B},
    {0x0C},
    {0x0E},
    {0x0F},
    {0x0A},
    {0x12},
    {0x1A},
    {0x08},
    {0x09},
    {0x0D},
    {(byte) 0x80, 0x00},
    {(byte) 0x8A, (byte) 0x80, 0x00},
    {(byte) 0x83, (byte) 0x80, (byte) 0x80, (byte) 0x80, (byte) 0x80, 0x00},
    {(byte) 0xFF, (byte) 0xFF, (byte) 0xFF, (byte) 0xFF, 0x0F},
    {0x7F},
    {(byte) 0xFF}
  };

  @Test
  void randomRequestsAndTheirMutations() throws Exception {
    Random random = new Random(20261201);
    RandomMetricsRequests requests = new RandomMetricsRequests(16);
    int accepted = 0;
    int refused = 0;
    for (int i = 0; i < 1000; i++) {
      // Valid, but for an unknown length-delimited field the generator numbered as a known one.
      byte[] body = requests.next().toByteArray();
      if (differential.check(body)) {
        accepted++;
      } else {
        refused++;
      }
      for (int m = 0; m < 12; m++) {
        if (differential.check(mutate(body, random))) {
          accepted++;
        } else {
          refused++;
        }
      }
    }
    // Both answers are exercised, or the differential proves little.
    assertTrue(accepted > 2000 && refused > 2000, accepted + " accepted, " + refused + " refused");
  }

  @Test
  void everyCutOfEveryCorpusRequest() throws Exception {
    for (byte[] body : corpus()) {
      differential.check(body);
      for (int cut = 0; cut < body.length; cut++) {
        differential.check(Arrays.copyOf(body, cut));
      }
      for (int at = 0; at < body.length; at++) {
        for (int bit = 0; bit < 8; bit++) {
          byte[] flipped = body.clone();
          flipped[at] ^= (byte) (1 << bit);
          differential.check(flipped);
        }
      }
    }
  }

  @Test
  void tagsInsertedAtEveryOffset() throws Exception {
    byte[] body = new RandomMetricsRequests(7).next().toByteArray();
    byte[] small = OtlpRequests.metrics("m", 2, 0).toByteArray();
    for (byte[] base : List.of(body, small)) {
      int step = base == small ? 1 : 3; // every offset of the small one, a third of the other's
      for (int at = 0; at <= base.length; at += step) {
        for (byte[] tag : TAGS) {
          differential.check(insert(base, at, tag));
          differential.check(insert(base, at, concat(tag, new byte[] {0x00})));
          differential.check(insert(base, at, concat(tag, new byte[] {0x01, 0x41})));
        }
      }
    }
  }

  @Test
  void varintsOfUpToTenBytesAreReadAndLongerOnesRefused() throws Exception {
    // A ResourceMetrics field whose tag and length are padded to n bytes: up to ten are read.
    for (int n = 1; n <= 12; n++) {
      byte[] rm = OtlpRequests.metrics("m", 1, 0).getResourceMetrics(0).toByteArray();
      byte[] body = concat(varint(0x0A, n), varint(rm.length, n), rm);
      assertEquals(n <= 10, differential.check(body), n + " bytes");
    }
    // A tag whose high bits fall out of 32 bits: its low 32 bits count (field 1 here, or 0).
    differential.check(
        concat(new byte[] {(byte) 0x8A, (byte) 0x80, (byte) 0x80, (byte) 0x80, 0x70, 0x00}));
    differential.check(
        concat(new byte[] {(byte) 0x80, (byte) 0x80, (byte) 0x80, (byte) 0x80, 0x10, 0x00}));
    // A sum's temporality (an enum, open) and monotonic flag as ten-byte and eleven-byte varints.
    for (int n = 9; n <= 11; n++) {
      byte[] sum = concat(new byte[] {0x10}, varint(2, n), new byte[] {0x18}, varint(1, n));
      byte[] metric = field(7, sum);
      assertEquals(n <= 10, differential.check(request(metric)), n + " bytes");
    }
  }

  @Test
  void theTenthByteOfAVarintAsProtobufJavaReadsIt() throws Exception {
    // Read as 64 bits (a bool, an unknown varint, a packed uint64) protobuf-java takes a tenth
    // byte with its low bit set even when its continuation bit is set too; as 32 bits it does not.
    int accepted = 0;
    for (int tenth : new int[] {0x00, 0x01, 0x02, 0x7F, 0x80, 0x81, 0x82, 0xFE, 0xFF}) {
      byte[] v = new byte[10];
      Arrays.fill(v, (byte) 0x81);
      v[9] = (byte) tenth;
      byte[] after = {0x10, 0x01}; // a field after it, which a longer read would swallow
      for (int tag : new int[] {0x10, 0x18, 0x78}) { // Sum's temporality, is_monotonic, field 15
        accepted +=
            differential.check(request(field(7, concat(new byte[] {(byte) tag}, v, after))))
                ? 1
                : 0;
      }
      byte[] buckets = field(2, concat(v, new byte[] {0x01}));
      accepted += differential.check(request(field(10, field(1, field(8, buckets))))) ? 1 : 0;
    }
    assertTrue(accepted > 9 && accepted < 36, accepted + " accepted");
  }

  @Test
  void stringsMustBeUtf8AndBytesNeedNot() throws Exception {
    byte[][] strings = {
      {},
      {'a'},
      {(byte) 0xC3, (byte) 0xA9},
      {(byte) 0xC3},
      {(byte) 0xC0, (byte) 0x80},
      {(byte) 0xC1, (byte) 0xBF},
      {(byte) 0xE0, (byte) 0x9F, (byte) 0xBF},
      {(byte) 0xE0, (byte) 0xA0, (byte) 0x80},
      {(byte) 0xED, (byte) 0x9F, (byte) 0xBF},
      {(byte) 0xED, (byte) 0xA0, (byte) 0x80},
      {(byte) 0xEF, (byte) 0xBF, (byte) 0xBF},
      {(byte) 0xF0, (byte) 0x8F, (byte) 0xBF, (byte) 0xBF},
      {(byte) 0xF0, (byte) 0x90, (byte) 0x80, (byte) 0x80},
      {(byte) 0xF4, (byte) 0x8F, (byte) 0xBF, (byte) 0xBF},
      {(byte) 0xF4, (byte) 0x90, (byte) 0x80, (byte) 0x80},
      {(byte) 0xF5, (byte) 0x80, (byte) 0x80, (byte) 0x80},
      {(byte) 0xF8, (byte) 0x88, (byte) 0x80, (byte) 0x80, (byte) 0x80},
      {(byte) 0x80},
      {(byte) 0xBF},
      {(byte) 0xE2, (byte) 0x82},
      {(byte) 0xF0, (byte) 0x9F, (byte) 0x98},
      {(byte) 0xFF},
      {'a', (byte) 0xFE, 'b'}
    };
    int refused = 0;
    for (byte[] s : strings) {
      // Metric.name, KeyValue.key (resource and point), AnyValue.string_value, EntityRef.type;
      // and as AnyValue.bytes_value and Exemplar.span_id, where anything goes.
      byte[] kv = concat(field(1, s), field(2, field(1, s)));
      List<byte[]> bodies =
          List.of(
              request(field(1, s)),
              concat(
                  field(
                      1,
                      concat(
                          field(1, field(1, kv)),
                          field(2, field(2, field(5, field(1, field(7, kv)))))))),
              concat(field(1, field(1, field(3, field(2, s))))),
              request(field(5, field(1, field(5, concat(field(4, s), field(5, s)))))),
              concat(field(1, field(1, field(1, field(2, field(7, s)))))));
      for (byte[] body : bodies) {
        if (!differential.check(body)) {
          refused++;
        }
      }
    }
    assertTrue(refused > 40, refused + " refused");
  }

  @Test
  void nestingIsRefusedPastProtobufJavasLimitOfAHundred() throws Exception {
    // AnyValue in ArrayValue in AnyValue ...: the request, resource metrics, resource and key
    // value are 4 levels; then 2 per array.
    int accepted = 0;
    for (int arrays = 44; arrays <= 52; arrays++) {
      byte[] value = field(1, "x".getBytes());
      for (int i = 0; i < arrays; i++) {
        value = field(5, field(1, value));
      }
      byte[] body =
          concat(field(1, field(1, field(1, concat(field(1, "k".getBytes()), field(2, value))))));
      accepted += differential.check(body) ? 1 : 0;
    }
    assertTrue(accepted > 0 && accepted < 9, accepted + " accepted");
    // Unknown groups nested in a ResourceMetrics, and in the top message.
    accepted = 0;
    for (int depth = 95; depth <= 102; depth++) {
      byte[] groups = {};
      for (int i = 0; i < depth; i++) {
        groups =
            concat(new byte[] {(byte) 0xFB, 0x01}, groups, new byte[] {(byte) 0xFC, 0x01}); // 31
      }
      accepted += differential.check(groups) ? 1 : 0;
      accepted += differential.check(field(1, groups)) ? 1 : 0;
    }
    assertTrue(accepted > 0 && accepted < 16, accepted + " accepted");
  }

  @Test
  void groupsEndOnlyWithTheirOwnEndTag() throws Exception {
    byte[][] bodies = {
      {(byte) 0xFB, 0x01, (byte) 0xFC, 0x01}, // group 31, ended
      {(byte) 0xFB, 0x01, (byte) 0xF4, 0x01}, // ended by group 30's end
      {(byte) 0xFB, 0x01}, // never ended
      {(byte) 0xFC, 0x01}, // an end with no group
      {
        (byte) 0xFB,
        0x01,
        0x08,
        0x01,
        0x12,
        0x01,
        0x41,
        0x1D,
        1,
        2,
        3,
        4,
        0x21,
        1,
        2,
        3,
        4,
        5,
        6,
        7,
        8,
        (byte) 0xFC,
        0x01
      }, // every wire type inside
      {(byte) 0xFB, 0x01, 0x0E, (byte) 0xFC, 0x01}, // wire type 6 inside
      {(byte) 0xFB, 0x01, 0x00, (byte) 0xFC, 0x01}, // field 0 inside
      {0x0B, 0x0C}, // group 1 at the top: field 1 is a message there, so this is unknown
      {0x0A, 0x04, 0x0B, 0x13, 0x14, 0x0C}, // groups in a ResourceMetrics, nested
      {0x0A, 0x02, 0x0B, 0x0C, 0x0C}, // an end-group past the message
      {0x0A, 0x03, 0x0B, 0x0C, 0x0C}, // an end-group with no group open in a ResourceMetrics
      {0x0A, 0x01, 0x0B, 0x0C}, // a group running past its message's end
    };
    for (byte[] body : bodies) {
      differential.check(body);
    }
  }

  @Test
  void packedAndUnpackedRepeatedScalars() throws Exception {
    for (int length = 0; length <= 17; length++) {
      byte[] packed = new byte[length];
      Arrays.fill(packed, (byte) 0x01);
      // HistogramDataPoint.bucket_counts and explicit_bounds packed (length multiple of 8 or not).
      differential.check(request(field(9, field(1, concat(field(6, packed), field(7, packed))))));
      // Buckets.bucket_counts packed: varints that must end within the field.
      byte[] varints = packed.clone();
      if (length > 0) {
        varints[length - 1] = (byte) 0x81;
      }
      differential.check(request(field(10, field(1, field(8, field(2, varints))))));
      differential.check(request(field(10, field(1, field(8, field(2, packed))))));
    }
    // Unpacked: one value per field, and a known field with another wire type (unknown, kept).
    byte[] unpacked = {
      0x31, 1, 2, 3, 4, 5, 6, 7, 8, 0x39, 1, 2, 3, 4, 5, 6, 7, 8, 0x30, 0x05, 0x3D, 1, 2, 3, 4
    };
    assertTrue(differential.check(request(field(9, field(1, unpacked)))));
    assertTrue(
        differential.check(
            request(field(10, field(1, field(8, new byte[] {0x10, 0x05, 0x10, 0x06}))))));
    assertTrue(
        differential.check(
            request(concat(new byte[] {0x0D, 1, 2, 3, 4, 0x28, 0x01}, field(5, new byte[0])))));
  }

  @Test
  void theLastDataFieldOfAMetricCountsWithEveryCopyOfItMerged() throws Exception {
    byte[] gauge1 = field(1, new byte[0]);
    byte[] points2 = concat(gauge1, gauge1);
    byte[] points3 = concat(gauge1, gauge1, gauge1);
    byte[][] metrics = {
      concat(field(5, points2), field(5, points3)),
      concat(field(5, points2), field(7, points3)),
      concat(field(5, points2), field(7, points3), field(5, gauge1)),
      concat(field(9, points3), field(11, points2), field(10, gauge1), field(9, gauge1)),
      concat(field(7, points3), new byte[] {0x38, 0x01}), // field 7 as a varint: unknown
    };
    for (byte[] metric : metrics) {
      assertTrue(differential.check(request(metric)));
    }
  }

  @Test
  void resourcesAndTheirAttributesWhateverTheirOrder() throws Exception {
    byte[] host = OtlpRequests.attr("host.name", "pod").toByteArray();
    byte[] version = OtlpRequests.attr("telegen.agent.version", "0.1").toByteArray();
    byte[] keyTwice =
        concat(field(1, "host.name".getBytes()), field(1, "telegen.agent.version".getBytes()));
    byte[] scope = field(2, field(2, field(1, "m".getBytes())));
    byte[][] rms = {
      concat(
          scope, field(1, field(1, host)), field(3, "u".getBytes()), field(1, field(1, version))),
      concat(
          field(1, concat(field(1, version), new byte[] {0x10, 0x03}, field(1, version))), scope),
      concat(field(1, field(1, keyTwice)), scope, scope),
      concat(
          field(1, new byte[] {0x10, 0x03, (byte) 0xFB, 0x01, (byte) 0xFC, 0x01}),
          new byte[] {0x18, 0x01}),
    };
    for (byte[] rm : rms) {
      assertTrue(differential.check(field(1, rm)));
      assertTrue(differential.check(concat(field(1, rm), new byte[] {0x10, 0x01}, field(1, rm))));
    }
  }

  @Test
  void theRegressionFixtureIsRefused() throws Exception {
    try (InputStream in = getClass().getResourceAsStream("/receiver/broken-inside-a-point.bin")) {
      assertFalse(differential.check(in.readAllBytes()));
    }
  }

  /** The metrics bodies of both receiver fuzz corpora (from the test classpath). */
  private List<byte[]> corpus() throws IOException, URISyntaxException {
    List<byte[]> bodies = new ArrayList<>();
    for (String dir :
        List.of("OtlpRequestHandlingFuzzTestInputs/handle", "OtlpReceiverFuzzTestInputs/export")) {
      try (Stream<Path> files = Files.list(Path.of(getClass().getResource(dir).toURI()))) {
        for (Path f : files.sorted().toList()) {
          byte[] input = Files.readAllBytes(f);
          // Metrics, not gzip'd (the first byte says: see the corpora's READMEs).
          if (input.length > 1 && (input[0] & 3) == 0 && (input[0] & 0x0C) == 0) {
            bodies.add(Arrays.copyOfRange(input, 1, input.length));
          }
        }
      }
    }
    assertTrue(bodies.size() >= 4, bodies.size() + " corpus bodies");
    bodies.add(OtlpRequests.metrics("gpu_power_watts", 3, 100).toByteArray());
    return bodies;
  }

  private static byte[] mutate(byte[] body, Random random) {
    if (body.length == 0) {
      return TAGS[random.nextInt(TAGS.length)];
    }
    int at = random.nextInt(body.length);
    byte[] out = body.clone();
    switch (random.nextInt(6)) {
      case 0:
        return Arrays.copyOf(body, at);
      case 1:
        out[at] ^= (byte) (1 << random.nextInt(8));
        return out;
      case 2:
        out[at] = (byte) random.nextInt(256);
        return out;
      case 3:
        return insert(body, at, TAGS[random.nextInt(TAGS.length)]);
      case 4:
        return concat(Arrays.copyOf(body, at), Arrays.copyOfRange(body, at + 1, body.length));
      default: // a run of bytes repeated
        int end = Math.min(body.length, at + 1 + random.nextInt(8));
        return insert(body, at, Arrays.copyOfRange(body, at, end));
    }
  }

  /** A request of one metric with {@code metric} as its fields. */
  private static byte[] request(byte[] metric) {
    return field(1, field(2, field(2, metric)));
  }

  private static byte[] field(int number, byte[] content) {
    return concat(varint(number << 3 | 2, 1), varint(content.length, 1), content);
  }

  /** {@code value} as a varint padded to at least {@code bytes} bytes. */
  private static byte[] varint(long value, int bytes) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    int n = 0;
    while ((value & ~0x7FL) != 0 || n < bytes - 1) {
      out.write((int) ((value & 0x7F) | 0x80));
      value >>>= 7;
      n++;
    }
    out.write((int) value);
    return out.toByteArray();
  }

  private static byte[] insert(byte[] body, int at, byte[] what) {
    return concat(Arrays.copyOf(body, at), what, Arrays.copyOfRange(body, at, body.length));
  }

  private static byte[] concat(byte[]... parts) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (byte[] p : parts) {
      out.writeBytes(p);
    }
    return out.toByteArray();
  }
}
