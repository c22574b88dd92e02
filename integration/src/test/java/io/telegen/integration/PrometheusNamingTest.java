package io.telegen.integration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.metrics.DoubleHistogram;
import io.opentelemetry.api.metrics.Meter;
import io.opentelemetry.exporter.otlp.metrics.OtlpGrpcMetricExporter;
import io.opentelemetry.sdk.common.CompletableResultCode;
import io.opentelemetry.sdk.metrics.SdkMeterProvider;
import io.opentelemetry.sdk.metrics.export.PeriodicMetricReader;
import io.opentelemetry.sdk.resources.Resource;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.api.TestInstance;

/**
 * The shipped agent-tier collector config keeps the spec's metric names: metrics named the way
 * Telegen names them, sent with the real OpenTelemetry Java SDK over OTLP/gRPC into the stock
 * collector running collector-config/otelcol/agent.yaml, show up in a real Prometheus (scraping the
 * config's prometheus exporter) under exactly those names, with their labels and values.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
final class PrometheusNamingTest {

  private static final String JOB = "telegen-naming-test";
  private static final String INSTANCE = "naming-test-1";
  private static final Duration TIMEOUT = Duration.ofSeconds(30);
  private static final AttributeKey<String> DEVICE = AttributeKey.stringKey("device");
  private static final AttributeKey<String> MODEL = AttributeKey.stringKey("model");
  private static final Attributes GPU0 = Attributes.of(DEVICE, "nvidia0", MODEL, "llama-3-8b");
  private static final Attributes GPU1 = Attributes.of(DEVICE, "nvidia1", MODEL, "llama-3-8b");

  /** Labels every one of our series has: data-point attributes plus job/instance, nothing else. */
  private static final Set<String> SERIES_LABELS =
      Set.of("__name__", "device", "model", "job", "instance");

  private final Cleanup cleanup = new Cleanup();
  private PrometheusServer prometheus;

  @BeforeAll
  void sendSpecNamedMetricsThroughTheShippedCollector(TestInfo testInfo) {
    Path dir = TestLogDir.of(testInfo);
    StockCollector collector = cleanup.register(StockCollector.start(dir));
    prometheus =
        cleanup.register(PrometheusServer.start(dir, collector.prometheusExporterTarget()));

    Resource resource =
        Resource.getDefault()
            .merge(
                Resource.create(
                    Attributes.of(
                        AttributeKey.stringKey("service.name"), JOB,
                        AttributeKey.stringKey("service.instance.id"), INSTANCE,
                        AttributeKey.stringKey("host.name"), "naming-host")));
    OtlpGrpcMetricExporter exporter =
        OtlpGrpcMetricExporter.builder()
            .setEndpoint("http://" + collector.otlpGrpcEndpoint())
            .setTimeout(Duration.ofSeconds(10))
            .build();
    SdkMeterProvider meterProvider =
        SdkMeterProvider.builder()
            .setResource(resource)
            .registerMetricReader(
                PeriodicMetricReader.builder(exporter).setInterval(Duration.ofHours(1)).build())
            .build();
    try {
      Meter meter = meterProvider.get("io.telegen.integration");
      var utilization = meter.gaugeBuilder("gpu_utilization_percent").setUnit("%").build();
      utilization.set(42.5, GPU0);
      utilization.set(97.0, GPU1);
      meter.gaugeBuilder("gpu_sm_clock_hz").setUnit("Hz").build().set(1.41e9, GPU0);
      meter.gaugeBuilder("gpu_pcie_tx_bytes").setUnit("By/s").build().set(2.5e8, GPU0);
      meter.counterBuilder("llm_request_total").setUnit("{request}").build().add(7, GPU0);
      DoubleHistogram ttft =
          meter
              .histogramBuilder("llm_time_to_first_token_seconds")
              .setUnit("s")
              .setExplicitBucketBoundariesAdvice(List.of(0.1, 0.25, 0.5, 1.0))
              .build();
      ttft.record(0.2, GPU0);
      ttft.record(0.3, GPU0);
      ttft.record(0.7, GPU0);

      CompletableResultCode flush = meterProvider.forceFlush().join(15, TimeUnit.SECONDS);
      assertTrue(
          flush.isSuccess(), "the SDK could not export to the collector\n" + collector.describe());
    } finally {
      meterProvider.shutdown().join(10, TimeUnit.SECONDS);
    }
    // 2 + 1 + 1 gauges, 1 counter, 5 buckets + _sum + _count
    prometheus.awaitQuery(
        "count({__name__=~\"gpu_.*|llm_.*\", job=\"" + JOB + "\"})",
        result -> !result.isEmpty() && result.get(0).value() >= 12,
        TIMEOUT);
  }

  @AfterAll
  void stopEverything() {
    cleanup.close();
  }

  @Test
  void prometheusShowsExactlyTheNamesTheAgentUses() {
    // otel_sdk_*: the Java SDK's own metrics about its metric reader, also exported by it
    Set<String> names =
        prometheus.query("{job=\"" + JOB + "\", __name__!~\"otel_sdk_.*\"}").stream()
            .map(PrometheusServer.Sample::name)
            .collect(Collectors.toCollection(TreeSet::new));

    assertEquals(
        new TreeSet<>(
            Set.of(
                "gpu_utilization_percent",
                "gpu_sm_clock_hz",
                "gpu_pcie_tx_bytes",
                "llm_request_total",
                "llm_time_to_first_token_seconds_bucket",
                "llm_time_to_first_token_seconds_sum",
                "llm_time_to_first_token_seconds_count",
                "target_info")),
        names);
  }

  @Test
  void gaugesKeepTheirValuesAndLabels() {
    List<PrometheusServer.Sample> utilization =
        prometheus.query("gpu_utilization_percent{job=\"" + JOB + "\"}");
    assertEquals(2, utilization.size(), utilization.toString());
    assertEquals(
        Map.of(
            "__name__",
            "gpu_utilization_percent",
            "device",
            "nvidia0",
            "model",
            "llama-3-8b",
            "job",
            JOB,
            "instance",
            INSTANCE),
        utilization.get(0).labels());
    assertEquals(42.5, utilization.get(0).value(), 1e-9);
    assertEquals("nvidia1", utilization.get(1).labels().get("device"));
    assertEquals(97.0, utilization.get(1).value(), 1e-9);

    assertEquals(
        1.41e9, single("gpu_sm_clock_hz{job=\"" + JOB + "\", device=\"nvidia0\"}").value(), 1e-3);
    assertEquals(
        2.5e8, single("gpu_pcie_tx_bytes{job=\"" + JOB + "\", device=\"nvidia0\"}").value(), 1e-3);
  }

  @Test
  void counterKeepsItsTotalName() {
    PrometheusServer.Sample requests = single("llm_request_total{job=\"" + JOB + "\"}");
    assertEquals(7.0, requests.value(), 1e-9);
    assertEquals(SERIES_LABELS, requests.labels().keySet());
  }

  @Test
  void histogramHasBucketSumAndCountSeries() {
    String selector = "{job=\"" + JOB + "\", model=\"llama-3-8b\"}";
    assertEquals(
        0.0,
        single("llm_time_to_first_token_seconds_bucket{le=\"0.1\", job=\"" + JOB + "\"}").value());
    assertEquals(
        1.0,
        single("llm_time_to_first_token_seconds_bucket{le=\"0.25\", job=\"" + JOB + "\"}").value());
    assertEquals(
        2.0,
        single("llm_time_to_first_token_seconds_bucket{le=\"0.5\", job=\"" + JOB + "\"}").value());
    assertEquals(
        3.0,
        single("llm_time_to_first_token_seconds_bucket{le=\"+Inf\", job=\"" + JOB + "\"}").value());
    assertEquals(1.2, single("llm_time_to_first_token_seconds_sum" + selector).value(), 1e-9);
    PrometheusServer.Sample count = single("llm_time_to_first_token_seconds_count" + selector);
    assertEquals(3.0, count.value());
    assertEquals(SERIES_LABELS, count.labels().keySet());
    // the spec's latency queries work on these series as they are
    double p50 =
        single(
                "histogram_quantile(0.5, sum by (le) (llm_time_to_first_token_seconds_bucket"
                    + selector
                    + "))")
            .value();
    assertTrue(p50 > 0.25 && p50 <= 0.5, "p50 = " + p50);
  }

  @Test
  void resourceAttributesGoToTargetInfoNotToEverySeries() {
    PrometheusServer.Sample targetInfo = single("target_info{job=\"" + JOB + "\"}");
    assertEquals("naming-host", targetInfo.labels().get("host_name"), targetInfo.toString());
    assertEquals("java", targetInfo.labels().get("telemetry_sdk_language"), targetInfo.toString());
    assertEquals(INSTANCE, targetInfo.labels().get("instance"));

    List<PrometheusServer.Sample> withHostLabel =
        prometheus.query("{__name__=~\"gpu_.*|llm_.*\", host_name!=\"\"}");
    assertTrue(withHostLabel.isEmpty(), "resource attributes leaked onto series: " + withHostLabel);
    assertFalse(prometheus.query("gpu_utilization_percent{job=\"" + JOB + "\"}").isEmpty());
  }

  private PrometheusServer.Sample single(String promql) {
    List<PrometheusServer.Sample> result = prometheus.query(promql);
    assertEquals(1, result.size(), promql + " -> " + result);
    return result.get(0);
  }
}
