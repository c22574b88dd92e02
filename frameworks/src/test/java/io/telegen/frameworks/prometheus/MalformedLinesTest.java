package io.telegen.frameworks.prometheus;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.util.List;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** A bad line costs that line only: counted, explained, and parsing carries on. */
class MalformedLinesTest {

  @Test
  void badLinesInTheMiddleAreCountedAndTheRestParsed() throws IOException {
    Recorder r = Recorder.parseResource("bad-lines.txt");
    assertEquals(
        List.of("1", "2", "6", "11"),
        r.samples.stream().map(s -> s.labels().get("i")).collect(Collectors.toList()));
    assertEquals(4, r.report.samples());
    assertEquals(9, r.report.rejectedLines());
    assertEquals(
        List.of(
            "line 3: invalid value 'is'",
            "line 5: expected ',' or '}' after label value",
            "line 6: invalid value 'four'",
            "line 7: missing value",
            "line 9: unterminated label value",
            "line 10: expected '=' after label name",
            "line 11: expected a metric name",
            "line 12: invalid timestamp 'not-a-timestamp'",
            "line 13: expected a space after '#'"),
        r.report.firstRejections().stream().map(Object::toString).collect(Collectors.toList()));
  }

  @Test
  void eachKindOfDamageHasAShortReason() {
    assertReason("foo{a=\"1\" b=\"2\"} 1", "expected ',' or '}' after label value");
    assertReason("foo{a\"1\"} 1", "expected '=' after label name");
    assertReason("foo{a=1} 1", "expected '\"' to open the label value");
    assertReason("foo{1a=\"1\"} 1", "expected a label name");
    assertReason("foo{a=\"1\",", "unterminated label set");
    assertReason("foo 1 2 3", "unexpected text after the value");
    assertReason("foo 1e", "invalid value '1e'");
    assertReason("foo .", "invalid value '.'");
    assertReason("foo 0x10", "invalid value '0x10'");
    assertReason("# TYPE foo blob", "unknown metric type 'blob'");
    assertReason("# TYPE", "expected a metric name after # TYPE");
  }

  @Test
  void ordinaryCommentsAndBlankLinesAreNotRejections() {
    ParseReport report = PrometheusTextParser.parse("# just a comment\n#\n\n   \nfoo 1\n");
    assertEquals(1, report.samples());
    assertEquals(0, report.rejectedLines());
  }

  @Test
  void onlyTheFirstFewRejectionsAreListedButAllAreCounted() {
    String body = "x{\n".repeat(50) + "ok 1\n";
    ParseReport report = PrometheusTextParser.parse(body);
    assertEquals(50, report.rejectedLines());
    assertEquals(PrometheusTextParser.MAX_REPORTED_REJECTIONS, report.firstRejections().size());
    assertEquals(1, report.samples());
  }

  private static void assertReason(String line, String reason) {
    ParseReport report = PrometheusTextParser.parse("ok 1\n" + line + "\nok 2\n");
    assertEquals(2, report.samples(), line);
    assertEquals(1, report.rejectedLines(), line);
    assertEquals("line 2: " + reason, report.firstRejections().get(0).toString(), line);
  }
}
