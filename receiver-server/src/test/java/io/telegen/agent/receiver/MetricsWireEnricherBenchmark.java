package io.telegen.agent.receiver;

import io.opentelemetry.proto.collector.metrics.v1.ExportMetricsServiceRequest;
import io.opentelemetry.proto.common.v1.InstrumentationScope;
import io.opentelemetry.proto.metrics.v1.Gauge;
import io.opentelemetry.proto.metrics.v1.Metric;
import io.opentelemetry.proto.metrics.v1.NumberDataPoint;
import io.opentelemetry.proto.metrics.v1.ResourceMetrics;
import io.opentelemetry.proto.metrics.v1.ScopeMetrics;
import io.opentelemetry.proto.resource.v1.Resource;
import io.telegen.agent.export.OtlpRequests;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * What the receiver spends on one relayed metrics request before it queues it: the single pass
 * that checks and enriches it ({@code enrich}), against protobuf-java's parse of the same bytes
 * ({@code parse}, what the receiver paid on top of the scan before the single pass). The requests:
 * telemetrygen's (one gauge point per request, as {@code bench/relay.sh} sends them) and an 8-GPU
 * node's cycle (about 600 points). Run with {@code receiver-server/bench.sh enrich}.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class MetricsWireEnricherBenchmark {

  @Param({"telemetrygen", "node-600-points"})
  public String request;

  private final MetricsWireEnricher enricher =
      new MetricsWireEnricher("node-7", "telegen-agent", "1.2.3");
  private byte[] body;

  @Setup
  public void build() {
    body =
        switch (request) {
          case "telemetrygen" -> telemetrygen().toByteArray();
          default -> OtlpRequests.metrics("gpu_utilization_percent", 600, 1).toByteArray();
        };
  }

  @Benchmark
  public MetricsWireEnricher.Enriched enrich() throws Exception {
    return enricher.enrich(body);
  }

  @Benchmark
  public ExportMetricsServiceRequest parse() throws Exception {
    return ExportMetricsServiceRequest.parseFrom(body);
  }

  /** A request as telemetrygen v0.161 sends it: one gauge of one point, the service named. */
  private static ExportMetricsServiceRequest telemetrygen() {
    return ExportMetricsServiceRequest.newBuilder()
        .addResourceMetrics(
            ResourceMetrics.newBuilder()
                .setResource(
                    Resource.newBuilder()
                        .addAttributes(OtlpRequests.attr("service.name", "telemetrygen")))
                .addScopeMetrics(
                    ScopeMetrics.newBuilder()
                        .setScope(InstrumentationScope.newBuilder())
                        .addMetrics(
                            Metric.newBuilder()
                                .setName("gen")
                                .setGauge(
                                    Gauge.newBuilder()
                                        .addDataPoints(
                                            NumberDataPoint.newBuilder()
                                                .setTimeUnixNano(1_764_600_000_000_000_000L)
                                                .setAsInt(7)))))
                .setSchemaUrl("https://opentelemetry.io/schemas/1.13.0"))
        .build();
  }

  public static void main(String[] args) throws Exception {
    org.openjdk.jmh.Main.main(args);
  }
}
