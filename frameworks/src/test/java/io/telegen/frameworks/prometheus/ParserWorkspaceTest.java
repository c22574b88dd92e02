package io.telegen.frameworks.prometheus;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.telegen.testsupport.RealPayloads;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * A source parses every scrape of its endpoint through one {@link PrometheusTextParser.Workspace},
 * and the LLM normalizer asks only for the samples its table reads: neither changes what a parse
 * reports or hands on.
 */
class ParserWorkspaceTest {

  @Test
  void everyCaptureParsesThroughOneWorkspaceAsItDoesFresh() throws IOException {
    PrometheusTextParser.Workspace workspace = new PrometheusTextParser.Workspace();
    List<Path> files;
    try (Stream<Path> s = Files.list(RealPayloads.dir())) {
      files = s.filter(p -> p.toString().endsWith(".txt")).sorted().toList();
    }
    assertTrue(files.size() >= 8, "captures found: " + files);
    for (int round = 0; round < 2; round++) { // the second round finds the cache filled
      for (Path file : files) {
        Recorder fresh = Recorder.parse(file);
        Recorder reused = new Recorder();
        try (InputStream in = Files.newInputStream(file)) {
          reused.report = PrometheusTextParser.parse(in, Long.MAX_VALUE, reused, workspace);
        }
        assertEquals(fresh.report, reused.report, file.toString());
        assertEquals(fresh.samples, reused.samples, file.toString());
        assertEquals(fresh.families, reused.families, file.toString());
      }
    }
  }

  @Test
  void theNamesOfOneScrapeAreTheSameStringsInTheNext() throws IOException {
    PrometheusTextParser.Workspace workspace = new PrometheusTextParser.Workspace();
    byte[] body =
        "vllm:num_requests_running{model_name=\"opt\"} 3\n".getBytes(StandardCharsets.UTF_8);
    Recorder first = new Recorder();
    PrometheusTextParser.parse(new ByteArrayInputStream(body), Long.MAX_VALUE, first, workspace);
    Recorder second = new Recorder();
    PrometheusTextParser.parse(new ByteArrayInputStream(body), Long.MAX_VALUE, second, workspace);
    assertSame(first.samples.get(0).name(), second.samples.get(0).name());
    assertSame(first.samples.get(0).labels().value(0), second.samples.get(0).labels().value(0));
  }

  @Test
  void aSampleTheHandlerDoesNotWantIsStillCheckedAndCounted() {
    String body =
        "# HELP wanted_total a counter\n"
            + "# TYPE wanted_total counter\n"
            + "wanted_total{a=\"1\"} 1\n"
            + "other_total{a=\"1\"} 2\n"
            + "other_total{a=\"2\" 3\n" // unterminated: rejected although nobody wants it
            + "other_total{a=\"3\"} x\n"; // not a number: rejected as well
    Recorder wantsOne =
        new Recorder() {
          @Override
          public boolean wants(String name) {
            return name.equals("wanted_total");
          }

          @Override
          public boolean wantsFamilies() {
            return false;
          }
        };
    ParseReport report = PrometheusTextParser.parse(body, wantsOne);
    assertEquals(PrometheusTextParser.parse(body), report);
    assertEquals(2, report.samples());
    assertEquals(2, report.rejectedLines());
    assertEquals(
        List.of(new Recorder.Sample("wanted_total", "wanted_total", LabelSet.of("a", "1"), 1.0)),
        wantsOne.samples);
    assertTrue(wantsOne.families.isEmpty());
  }

  @Test
  void aWorkspaceServesOneParseAtATime() {
    PrometheusTextParser.Workspace workspace = new PrometheusTextParser.Workspace();
    InputStream body = new ByteArrayInputStream("a 1\nb 2\n".getBytes(StandardCharsets.UTF_8));
    SampleHandler nested =
        (name, family, labels, value) ->
            assertThrows(
                IllegalStateException.class,
                () ->
                    PrometheusTextParser.parse(
                        new ByteArrayInputStream(new byte[0]),
                        Long.MAX_VALUE,
                        (n, f, l, v) -> {},
                        workspace));
    assertEquals(
        2, assertDoesNotThrowParse(body, nested, workspace).samples(), "the outer parse goes on");
  }

  private static ParseReport assertDoesNotThrowParse(
      InputStream body, SampleHandler handler, PrometheusTextParser.Workspace workspace) {
    try {
      return PrometheusTextParser.parse(body, Long.MAX_VALUE, handler, workspace);
    } catch (IOException e) {
      throw new AssertionError(e);
    }
  }
}
