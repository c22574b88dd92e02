package io.telegen.integration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.proto.metrics.v1.AggregationTemporality;
import io.opentelemetry.proto.metrics.v1.NumberDataPoint;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;

/**
 * An application using the OpenTelemetry Java SDK sends a gauge, a counter and a span to the
 * agent's OTLP receiver; they reach the stock collector (shipped agent.yaml) with their values and
 * service.name intact and the agent's host.name and telegen.agent.version added.
 */
final class JavaSdkThroughAgentTest {

  private static final String SERVICE = "checkout-test";
  private static final Duration TIMEOUT = Duration.ofSeconds(30);
  private static final Attributes REGION = Attributes.of(AttributeKey.stringKey("region"), "eu-1");

  private final Cleanup cleanup = new Cleanup();

  @AfterEach
  void stopEverything() {
    cleanup.close();
  }

  @Test
  void metricsAndSpansPassThroughTheAgentIntactAndEnriched(TestInfo testInfo) {
    Path dir = TestLogDir.of(testInfo);
    StockCollector collector = cleanup.register(StockCollector.start(dir));
    AgentProcess agent = cleanup.register(AgentProcess.start(dir, collector.otlpGrpcEndpoint()));

    String traceId;
    String spanId;
    try (JavaSdkClient app = new JavaSdkClient(agent.receiverEndpoint(), SERVICE)) {
      app.meter().gaugeBuilder("checkout_queue_depth").setUnit("{item}").build().set(17.5, REGION);
      app.meter().counterBuilder("checkout_orders_total").setUnit("{order}").build().add(3, REGION);
      Span span =
          app.tracer()
              .spanBuilder("charge-card")
              .setAttribute("payment.method", "card")
              .setAttribute("order.items", 3L)
              .startSpan();
      traceId = span.getSpanContext().getTraceId();
      spanId = span.getSpanContext().getSpanId();
      span.end();
      assertTrue(
          app.flush(), "the agent's receiver did not accept the SDK's export\n" + agent.describe());
    }
    CollectorFileOutput output = collector.output();

    Otlp.ResourceMetric gauge =
        output.awaitMetric("checkout_queue_depth", m -> m.serviceName().equals(SERVICE), TIMEOUT);
    assertTrue(gauge.metric().hasGauge(), gauge.metric().toString());
    assertEquals("{item}", gauge.metric().getUnit());
    NumberDataPoint gaugePoint = onlyPoint(gauge);
    assertEquals(17.5, gaugePoint.getAsDouble());
    assertEquals(Map.of("region", "eu-1"), Otlp.attributes(gaugePoint.getAttributesList()));
    AgentEnrichment.assertEnrichedByAgent(gauge.resource(), SERVICE, output, TIMEOUT);

    Otlp.ResourceMetric counter =
        output.awaitMetric("checkout_orders_total", m -> m.serviceName().equals(SERVICE), TIMEOUT);
    assertTrue(
        counter.metric().hasSum() && counter.metric().getSum().getIsMonotonic(),
        counter.metric().toString());
    assertEquals(
        AggregationTemporality.AGGREGATION_TEMPORALITY_CUMULATIVE,
        counter.metric().getSum().getAggregationTemporality());
    NumberDataPoint counterPoint = onlyPoint(counter);
    assertEquals(3L, counterPoint.getAsInt());
    assertEquals(Map.of("region", "eu-1"), Otlp.attributes(counterPoint.getAttributesList()));
    AgentEnrichment.assertEnrichedByAgent(counter.resource(), SERVICE, output, TIMEOUT);

    Otlp.ResourceSpan span =
        output.awaitSpan("charge-card", s -> s.traceIdHex().equals(traceId), TIMEOUT);
    assertEquals(spanId, span.spanIdHex());
    assertEquals(
        Map.of("payment.method", "card", "order.items", "3"),
        Otlp.attributes(span.span().getAttributesList()));
    AgentEnrichment.assertEnrichedByAgent(span.resource(), SERVICE, output, TIMEOUT);
  }

  private static NumberDataPoint onlyPoint(Otlp.ResourceMetric metric) {
    List<NumberDataPoint> points = metric.numberPoints();
    assertEquals(1, points.size(), metric.metric().toString());
    return points.get(0);
  }
}
