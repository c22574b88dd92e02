package io.telegen.frameworks.prometheus;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * Any body a server can send, parsed whole and cut at a cap: the parser throws nothing, reports
 * what it rejected with printable, short reasons, and never hands on more than the body holds.
 *
 * <p>{@code mvn test} replays the corpus in
 * src/test/resources/io/telegen/frameworks/prometheus/PrometheusTextParserFuzzTestInputs; {@code
 * mvn verify} fuzzes for {@code maxDuration}; {@code bin/fuzz} for a million inputs.
 */
class PrometheusTextParserFuzzTest {

  // Kept across inputs, as a source keeps one across scrapes: what one body leaves in it must not
  // change how the next one parses.
  private static final PrometheusTextParser.Workspace WORKSPACE =
      new PrometheusTextParser.Workspace();

  @FuzzTest(maxDuration = "12s")
  void parse(byte[] body) throws IOException {
    check(body, Long.MAX_VALUE);
    // The same body cut at a cap, as a scrape of a server that sends too much is.
    check(body, body.length / 2);
    sameThroughAWorkspaceAndForAHandlerThatWantsLess(body, Long.MAX_VALUE);
    sameThroughAWorkspaceAndForAHandlerThatWantsLess(body, body.length / 2);
  }

  /**
   * A reused workspace, and a handler that wants only some samples and no families (as the LLM
   * normalizer), get the same report and, of what they want, the same samples as a fresh parse.
   */
  private static void sameThroughAWorkspaceAndForAHandlerThatWantsLess(byte[] body, long cap)
      throws IOException {
    Recorder all = new Recorder();
    ParseReport fresh = PrometheusTextParser.parse(new ByteArrayInputStream(body), cap, all);
    Recorder some =
        new Recorder() {
          @Override
          public boolean wants(String name) {
            return name.hashCode() % 2 == 0;
          }

          @Override
          public boolean wantsFamilies() {
            return false;
          }
        };
    ParseReport reused =
        PrometheusTextParser.parse(new ByteArrayInputStream(body), cap, some, WORKSPACE);
    assertEquals(fresh, reused, "the report of a parse through a workspace, wanting less");
    List<Recorder.Sample> wanted = new ArrayList<>();
    for (Recorder.Sample sample : all.samples) {
      if (sample.name().hashCode() % 2 == 0) {
        wanted.add(sample);
      }
    }
    assertEquals(wanted, some.samples, "the wanted samples");
    assertTrue(some.families.isEmpty(), "families for a handler that wants none");
  }

  private static void check(byte[] body, long cap) throws IOException {
    List<String> sampleNames = new ArrayList<>();
    SampleHandler handler =
        new SampleHandler() {
          @Override
          public void family(String name, MetricKind kind, String help) {
            assertTrue(!name.isEmpty() && kind != null, "family " + name + " " + kind);
          }

          @Override
          public void sample(String name, String familyName, LabelSet labels, double value) {
            assertTrue(name.startsWith(familyName), familyName + " is not a prefix of " + name);
            assertTrue(labels.size() <= 256, "more labels than the parser allows");
            for (int i = 0; i < labels.size(); i++) {
              assertTrue(isLabelName(labels.name(i)), "label name " + labels.name(i));
            }
            sampleNames.add(name);
          }
        };
    ParseReport report = PrometheusTextParser.parse(new ByteArrayInputStream(body), cap, handler);

    long lines = 1;
    for (byte b : body) {
      lines += b == '\n' ? 1 : 0;
    }
    assertEquals(sampleNames.size(), report.samples());
    assertTrue(report.samples() + report.rejectedLines() <= lines, "more lines than the body has");
    assertTrue(report.bytesRead() <= Math.min(body.length, cap), "read past the body or the cap");
    if (!report.eofSeen()) { // # EOF stops the read before the cap
      assertEquals(body.length > cap, report.truncated(), "truncated");
    }
    List<ParseReport.Rejection> rejections = report.firstRejections();
    assertTrue(
        rejections.size() <= Math.min(PrometheusTextParser.MAX_REPORTED_REJECTIONS, lines),
        "rejections listed");
    assertTrue(rejections.size() <= report.rejectedLines(), "listed more than counted");
    long previous = 0;
    for (ParseReport.Rejection rejection : rejections) {
      assertTrue(rejection.line() > previous && rejection.line() <= lines, rejection.toString());
      previous = rejection.line();
      // A reason quotes at most 40 bytes of the body and only printable ASCII of it, so a binary
      // body cannot flood the log or put control characters into it.
      assertTrue(rejection.reason().length() <= 100, rejection.reason());
      for (char c : rejection.reason().toCharArray()) {
        assertTrue(c >= 0x20 && c < 0x7f, "unprintable character in a reason");
      }
    }
  }

  private static boolean isLabelName(String name) {
    if (name.isEmpty() || Character.isDigit(name.charAt(0))) {
      return false;
    }
    for (char c : name.toCharArray()) {
      if (!(c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || Character.isDigit(c))) {
        return false;
      }
    }
    return true;
  }
}
