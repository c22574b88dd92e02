package io.telegen.frameworks.prometheus;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** The byte cap: a huge body is cut without reading on, and a body at the cap is not "cut". */
class TruncationTest {

  private static final long HUNDRED_MB = 100L * 1024 * 1024;
  private static final long CAP = 4L * 1024 * 1024;

  /**
   * An endless-looking exposition body produced on demand, so a 100 MB test body never exists in
   * memory; it records how far it was read.
   */
  static final class GeneratedBody extends InputStream {
    private static final byte[] SAMPLE_LINE =
        "vllm:time_to_first_token_seconds_bucket{le=\"0.5\",model_name=\"facebook/opt-125m\"} 42.0\n"
            .getBytes(StandardCharsets.US_ASCII);
    private final byte[] pattern;
    private final long length;
    private long pos;

    /** {@code length} bytes of one vLLM bucket line, repeated. */
    GeneratedBody(long length) {
      this(SAMPLE_LINE, length);
    }

    /** {@code length} bytes of {@code pattern}, repeated. */
    GeneratedBody(byte[] pattern, long length) {
      this.pattern = pattern;
      this.length = length;
    }

    @Override
    public int read() {
      return pos < length ? pattern[(int) (pos++ % pattern.length)] & 0xff : -1;
    }

    @Override
    public int read(byte[] b, int off, int len) {
      if (pos >= length) {
        return -1;
      }
      int n = (int) Math.min(len, length - pos);
      for (int i = 0; i < n; i++) {
        b[off + i] = pattern[(int) (pos++ % pattern.length)];
      }
      return n;
    }

    long consumed() {
      return pos;
    }

    static int lineLength() {
      return SAMPLE_LINE.length;
    }
  }

  @Test
  void hundredMegabyteBodyIsCutAtFourMegabytesQuickly() {
    GeneratedBody body = new GeneratedBody(HUNDRED_MB);
    AtomicLong seen = new AtomicLong();
    ParseReport report =
        assertTimeoutPreemptively(
            Duration.ofSeconds(10),
            () -> PrometheusTextParser.parse(body, CAP, (n, f, l, v) -> seen.incrementAndGet()));
    assertTrue(report.truncated());
    assertEquals(CAP, report.bytesRead());
    assertTrue(
        body.consumed() <= CAP + 1, "read " + body.consumed() + " bytes past a " + CAP + " cap");
    long wholeLines = CAP / GeneratedBody.lineLength();
    assertEquals(wholeLines, report.samples());
    assertEquals(wholeLines, seen.get());
    boolean cutMidLine = CAP % GeneratedBody.lineLength() != 0;
    assertEquals(cutMidLine ? 1 : 0, report.rejectedLines(), report.firstRejections().toString());
    assertEquals(
        "line " + (wholeLines + 1) + ": line cut at the 4194304-byte limit",
        report.firstRejections().get(0).toString());
  }

  @Test
  void bodyOfExactlyTheCapIsNotTruncated() throws IOException {
    byte[] text = "a 1\nb 2\n".getBytes(StandardCharsets.US_ASCII);
    ParseReport report =
        PrometheusTextParser.parse(new ByteArrayInputStream(text), text.length, (n, f, l, v) -> {});
    assertFalse(report.truncated());
    assertEquals(2, report.samples());
    assertEquals(text.length, report.bytesRead());
  }

  @Test
  void cutExactlyAtALineBoundaryLosesNothingElse() throws IOException {
    byte[] text = "a 1\nb 2\nc 3\n".getBytes(StandardCharsets.US_ASCII);
    ParseReport report =
        PrometheusTextParser.parse(new ByteArrayInputStream(text), 8, (n, f, l, v) -> {});
    assertTrue(report.truncated());
    assertEquals(2, report.samples());
    assertEquals(0, report.rejectedLines());
  }

  @Test
  void numberCutShortByTheCapIsNotReportedAsAValue() throws IOException {
    byte[] text = "a 1\nb 12345\n".getBytes(StandardCharsets.US_ASCII);
    ParseReport report =
        PrometheusTextParser.parse(new ByteArrayInputStream(text), 7, (n, f, l, v) -> {});
    assertTrue(report.truncated());
    assertEquals(1, report.samples());
    assertEquals(1, report.rejectedLines());
  }

  @Test
  void overlongLineIsSkippedWithoutBufferingItAndParsingResumes() throws IOException {
    long longLine = PrometheusTextParser.MAX_LINE_BYTES * 3L;
    InputStream body =
        new java.io.SequenceInputStream(
            new java.io.SequenceInputStream(
                new ByteArrayInputStream("first 1\nx{a=\"".getBytes(StandardCharsets.US_ASCII)),
                new GeneratedBody(new byte[] {'z'}, longLine)), // one giant label value
            new ByteArrayInputStream("\"} 1\nlast 2\n".getBytes(StandardCharsets.US_ASCII)));
    ParseReport report = PrometheusTextParser.parse(body, Long.MAX_VALUE, (n, f, l, v) -> {});
    assertEquals(2, report.samples());
    assertEquals(1, report.rejectedLines());
    assertEquals(
        "line 2: line longer than " + PrometheusTextParser.MAX_LINE_BYTES + " bytes",
        report.firstRejections().get(0).toString());
  }
}
