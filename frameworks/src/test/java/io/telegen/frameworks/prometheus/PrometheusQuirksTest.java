package io.telegen.frameworks.prometheus;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.util.List;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** One hand-written payload per format quirk, from src/test/resources/prometheus/. */
class PrometheusQuirksTest {

  @Test
  void threeDigitExponentsSubnormalsAndSpecialValues() throws IOException {
    Recorder r = Recorder.parseResource("exponents.txt");
    assertEquals(0, r.report.rejectedLines(), r.report.firstRejections().toString());
    assertEquals(1.5e+100, r.one("big").value());
    assertEquals(4e-310, r.one("subnormal").value());
    assertEquals(1.15891634176e+011, r.one("nim_bytes").value());
    assertEquals(6.634254336e+09, r.one("process_virtual_memory_bytes").value());
    assertEquals(2.5e-3, r.one("upper").value());
    assertEquals(-1.0, r.one("negative").value());
    assertEquals(15.330000000000002, r.one("long_mantissa").value());
    assertEquals(Double.POSITIVE_INFINITY, r.one("specials", "v", "pinf").value());
    assertEquals(Double.NEGATIVE_INFINITY, r.one("specials", "v", "ninf").value());
    assertTrue(Double.isNaN(r.one("specials", "v", "nan").value()));
    assertEquals(Double.POSITIVE_INFINITY, r.one("specials", "v", "bare_inf").value());
  }

  @Test
  void escapedLabelValuesAndHelpAreUnescaped() throws IOException {
    Recorder r = Recorder.parseResource("escapes.txt");
    assertEquals(0, r.report.rejectedLines(), r.report.firstRejections().toString());
    LabelSet first = r.samples.get(0).labels();
    assertEquals("C:\\models\\llama", first.get("path"));
    assertEquals("say \"hi\"", first.get("quote"));
    assertEquals("line1\nline2", first.get("nl"));
    LabelSet second = r.samples.get(1).labels();
    assertEquals("tab\\there", second.get("odd"), "unknown escapes are kept verbatim");
    assertEquals("modèle-日本", second.get("utf8"));
    assertEquals(
        "Help with a backslash \\ and a newline \n and a \"quote\".", r.family("escaped").help());
  }

  @Test
  void openMetricsExemplarsAreDroppedAndSuffixesMapToFamilies() throws IOException {
    Recorder r = Recorder.parseResource("exemplars.txt");
    assertEquals(0, r.report.rejectedLines(), r.report.firstRejections().toString());
    assertTrue(r.report.eofSeen());
    assertEquals(7, r.report.samples());
    Recorder.Sample inf = r.one("request_latency_seconds_bucket", "le", "+Inf");
    assertEquals(17.0, inf.value());
    assertEquals(LabelSet.of("le", "+Inf"), inf.labels(), "exemplar labels must not leak in");
    assertEquals("request_latency_seconds", inf.family());
    assertEquals("request_latency_seconds", r.one("request_latency_seconds_created").family());
    Recorder.Sample tokens = r.one("tokens_total");
    assertEquals(42.0, tokens.value());
    assertEquals("tokens", tokens.family());
    assertEquals("tokens", r.one("tokens_created").family());
    // TYPE, UNIT and HELP of one family arrive as one family() call.
    assertEquals(
        List.of(
            new Recorder.Family(
                "request_latency_seconds", MetricKind.HISTOGRAM, "Request latency."),
            new Recorder.Family("tokens", MetricKind.COUNTER, null)),
        r.families);
  }

  @Test
  void timestampsAfterTheValueAreIgnored() throws IOException {
    Recorder r = Recorder.parseResource("timestamps.txt");
    assertEquals(0, r.report.rejectedLines(), r.report.firstRejections().toString());
    assertEquals(1027.0, r.one("http_requests_total", "code", "200").value());
    assertEquals(3.0, r.one("http_requests_total", "code", "400").value());
    assertEquals(7.5, r.one("om_gauge").value());
    assertEquals(1.0, r.one("no_ts").value());
  }

  @Test
  void crlfLineEndingsAreTolerated() throws IOException {
    Recorder r = Recorder.parseResource("crlf.txt");
    assertEquals(0, r.report.rejectedLines(), r.report.firstRejections().toString());
    assertEquals(5.0, r.one("crlf_total", "host", "win").value());
    assertEquals(2.5, r.one("crlf_gauge").value());
    assertEquals("A counter written on Windows.", r.family("crlf_total").help());
  }

  @Test
  void eofStopsTheParseAndOpenMetricsTypesResolve() throws IOException {
    Recorder r = Recorder.parseResource("eof.txt");
    assertTrue(r.report.eofSeen());
    assertEquals(0, r.report.rejectedLines());
    assertEquals(7, r.report.samples());
    assertEquals(0, r.count("after_eof_is_not_read"));
    assertEquals("acme", r.one("acme_info").family());
    assertEquals(MetricKind.INFO, r.family("acme").kind());
    assertEquals(MetricKind.STATESET, r.family("door").kind());
    assertEquals("door", r.one("door", "door", "open").family());
    assertEquals(MetricKind.GAUGE_HISTOGRAM, r.family("queue").kind());
    assertEquals("queue", r.one("queue_gcount").family());
    assertEquals("queue", r.one("queue_gsum").family());
    assertEquals("queue", r.one("queue_bucket", "le", "+Inf").family());
  }

  @Test
  void familiesWithoutSamplesAreReportedOnce() throws IOException {
    Recorder r = Recorder.parseResource("empty-family.txt");
    assertEquals(1, r.report.samples());
    assertEquals(
        List.of("Requests5XX", "GPUUtilization", "only_help", "only_type", "DiskUsage"),
        r.families.stream().map(Recorder.Family::name).collect(Collectors.toList()));
    assertEquals(MetricKind.UNTYPED, r.family("only_help").kind());
    assertNull(r.family("only_type").help());
    assertEquals(LabelSet.of("Level", "Host", "Hostname", "h"), r.one("DiskUsage").labels());
  }

  @Test
  void sumBeforeBucketAndSummaryPartsShareTheirFamily() throws IOException {
    Recorder r = Recorder.parseResource("sum-before-bucket.txt");
    assertEquals(0, r.report.rejectedLines());
    assertEquals(8, r.report.samples());
    Recorder.Sample sum = r.samples.get(0);
    assertEquals("sglang:e2e_request_latency_seconds_sum", sum.name());
    assertEquals("sglang:e2e_request_latency_seconds", sum.family());
    assertEquals(1.7e4, sum.value());
    assertEquals(7.0, r.one("sglang:e2e_request_latency_seconds_bucket", "le", "+Inf").value());
    for (Recorder.Sample s : r.samples.subList(4, 8)) {
      assertEquals("tgi_request_skipped_tokens", s.family(), s.name());
    }
    assertEquals(3.0, r.one("tgi_request_skipped_tokens", "quantile", "0.99").value());
  }

  @Test
  void truncatedLastLineCostsOnlyThatLine() throws IOException {
    Recorder r = Recorder.parseResource("truncated-last-line.txt");
    assertEquals(2, r.report.samples());
    assertEquals(1, r.report.rejectedLines());
    assertEquals("line 4: unterminated label value", r.report.firstRejections().get(0).toString());
    assertFalse(r.report.truncated(), "the body itself ended; nothing was cut by the cap");
  }

  @Test
  void htmlErrorPageYieldsNoSamplesAndEveryLineRejected() throws IOException {
    Recorder r = Recorder.parseResource("html-404.html");
    assertEquals(0, r.report.samples());
    assertEquals(13, r.report.rejectedLines());
    assertEquals(PrometheusTextParser.MAX_REPORTED_REJECTIONS, r.report.firstRejections().size());
    assertEquals("line 1: expected a metric name", r.report.firstRejections().get(0).toString());
    assertTrue(r.families.isEmpty());
  }

  @Test
  void binaryGarbageNeverThrows() {
    byte[] junk = new byte[200_000];
    new java.util.Random(42).nextBytes(junk);
    String text = new String(junk, java.nio.charset.StandardCharsets.ISO_8859_1);
    ParseReport report = PrometheusTextParser.parse(text);
    assertEquals(0, report.samples());
    assertTrue(report.rejectedLines() > 0);
  }

  @Test
  void tfServingLeadingColonNamesAndEmptyBraces() throws IOException {
    Recorder r = Recorder.parseResource("tfserving-exporter-format.txt");
    assertEquals(0, r.report.rejectedLines(), r.report.firstRejections().toString());
    assertEquals(11, r.report.samples());
    Recorder.Sample ok = r.one(":tensorflow:serving:request_count", "status", "OK");
    assertEquals(12.0, ok.value());
    assertEquals(":tensorflow:serving:request_count", ok.family());
    assertEquals("half_plus_two", ok.labels().get("model_name"));
    Recorder.Sample bucket = r.one(":tensorflow:serving:request_latency_bucket", "le", "32.4");
    assertEquals(2.0, bucket.value());
    assertEquals(":tensorflow:serving:request_latency", bucket.family());
    assertEquals("REST", bucket.labels().get("entrypoint"));
    Recorder.Sample runs = r.one(":tensorflow:core:graph_runs");
    assertEquals(0, runs.labels().size());
    assertEquals(13.0, runs.value());
    assertNull(r.family(":tensorflow:serving:request_count").help(), "TF Serving writes no HELP");
    assertEquals("\"abc\\\"", r.one("_0:path:total_count").labels().get("name"));
  }

  @Test
  void labelValuesMayHoldBracesHashesAndCommas() throws IOException {
    Recorder r = Recorder.parseResource("quoted-specials.txt");
    assertEquals(0, r.report.rejectedLines(), r.report.firstRejections().toString());
    Recorder.Sample a = r.one("special_total", "list", "a,b,c");
    assertEquals(LabelSet.of("route", "/api/{id}", "anchor", "#frag", "list", "a,b,c"), a.labels());
    assertEquals(3.0, a.value());
    Recorder.Sample b = r.one("special_total", "brace", "}");
    assertEquals(" # ", b.labels().get("hash"));
    assertEquals("a=b", b.labels().get("eq"));
    assertEquals(4.0, b.value());
    assertEquals("special", a.family());
  }

  @Test
  void whitespaceBetweenTokensIsTolerated() throws IOException {
    Recorder r = Recorder.parseResource("whitespace.txt");
    assertEquals(0, r.report.rejectedLines(), r.report.firstRejections().toString());
    assertEquals(LabelSet.of("a", "1", "b", "2"), r.one("spaced", "a", "1").labels());
    assertEquals(3.5, r.one("spaced", "a", "1").value());
    assertEquals(4.0, r.one("spaced", "a", "x").value());
  }

  @Test
  void repeatedNamesAreSharedNotReallocated() throws IOException {
    Recorder r = Recorder.parseResource("tfserving-exporter-format.txt");
    List<Recorder.Sample> buckets =
        r.samples.stream()
            .filter(s -> s.name().equals(":tensorflow:serving:request_latency_bucket"))
            .collect(Collectors.toList());
    assertEquals(4, buckets.size());
    for (Recorder.Sample s : buckets) {
      assertTrue(s.name() == buckets.get(0).name(), "metric name interned per parse");
      assertTrue(s.labels().get("model_name") == buckets.get(0).labels().get("model_name"));
    }
  }
}
