package io.telegen.integration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.opentelemetry.proto.metrics.v1.NumberDataPoint;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;

/**
 * An application using the OpenTelemetry Python SDK (integration/python/send_otlp.py, run with the
 * venv made by setup.sh) sends a gauge, a counter and a span to the agent's OTLP receiver; they
 * reach the stock collector with their values and service.name intact and the agent's host.name
 * and telegen.agent.version added.
 */
final class PythonSdkThroughAgentTest {

  private static final String SERVICE = "checkout-py-test";
  private static final Duration TIMEOUT = Duration.ofSeconds(30);

  private final Cleanup cleanup = new Cleanup();

  @AfterEach
  void stopEverything() {
    cleanup.close();
  }

  @Test
  void metricsAndSpansPassThroughTheAgentIntactAndEnriched(TestInfo testInfo) {
    Path dir = TestLogDir.of(testInfo);
    Path python = TelegenTools.python();
    Path script = TelegenTools.repoRoot().resolve("integration/python/send_otlp.py");
    StockCollector collector = cleanup.register(StockCollector.start(dir));
    AgentProcess agent = cleanup.register(AgentProcess.start(dir, collector.otlpGrpcEndpoint()));

    ExternalProcess.Result sent =
        ExternalProcess.run(
            "send_otlp.py",
            List.of(
                python.toString(),
                script.toString(),
                "--endpoint",
                agent.receiverEndpoint(),
                "--service-name",
                SERVICE),
            Map.of("PYTHONUNBUFFERED", "1"),
            dir.resolve("send_otlp.log"),
            Duration.ofSeconds(60));
    assertEquals(
        0, sent.exitCode(), "send_otlp.py failed:\n" + sent.output() + "\n" + agent.describe());
    JsonObject ids =
        JsonParser.parseString(
                sent.output()
                    .lines()
                    .filter(line -> line.startsWith("{"))
                    .reduce((a, b) -> b)
                    .orElseThrow())
            .getAsJsonObject();
    CollectorFileOutput output = collector.output();

    Otlp.ResourceMetric gauge =
        output.awaitMetric("checkout_queue_depth", m -> m.serviceName().equals(SERVICE), TIMEOUT);
    assertTrue(gauge.metric().hasGauge(), gauge.metric().toString());
    NumberDataPoint gaugePoint = onlyPoint(gauge);
    assertEquals(17.5, Otlp.value(gaugePoint));
    assertEquals(Map.of("region", "eu-1"), Otlp.attributes(gaugePoint.getAttributesList()));
    AgentEnrichment.assertEnrichedByAgent(gauge.resource(), SERVICE, output, TIMEOUT);

    Otlp.ResourceMetric counter =
        output.awaitMetric("checkout_orders_total", m -> m.serviceName().equals(SERVICE), TIMEOUT);
    assertTrue(
        counter.metric().hasSum() && counter.metric().getSum().getIsMonotonic(),
        counter.metric().toString());
    NumberDataPoint counterPoint = onlyPoint(counter);
    assertEquals(3.0, Otlp.value(counterPoint));
    assertEquals(Map.of("region", "eu-1"), Otlp.attributes(counterPoint.getAttributesList()));
    AgentEnrichment.assertEnrichedByAgent(counter.resource(), SERVICE, output, TIMEOUT);

    String traceId = ids.get("trace_id").getAsString();
    Otlp.ResourceSpan span =
        output.awaitSpan("charge-card", s -> s.traceIdHex().equals(traceId), TIMEOUT);
    assertEquals(ids.get("span_id").getAsString(), span.spanIdHex());
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
