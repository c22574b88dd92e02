package io.telegen.integration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.opentelemetry.api.metrics.LongCounter;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeSet;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;

/**
 * Nothing the receiver acknowledged is lost to a {@code kill -9}: with {@code
 * agent.exporter.queue.directory} set and the collector away, an application's requests are
 * accepted, the agent is killed, the collector comes up, the agent starts again on the same
 * directory, and every request reaches the stock collector.
 */
final class DiskQueueEndToEndTest {

  private static final String SERVICE = "disk-queue-test";
  private static final int REQUESTS = 30;
  private static final Duration DELIVERY = Duration.ofSeconds(60);

  private final Cleanup cleanup = new Cleanup();

  @AfterEach
  void stopEverything() {
    cleanup.close();
  }

  @Test
  void requestsAcceptedBeforeAKill9ArriveAfterTheRestart(TestInfo testInfo) throws IOException {
    Path dir = TestLogDir.of(testInfo);
    Files.createDirectories(dir.resolve("first"));
    Files.createDirectories(dir.resolve("second"));
    int collectorPort = FreePorts.next(); // nothing listens here yet
    Map<String, Object> sections = sections("127.0.0.1:" + collectorPort, dir.resolve("queue"));
    AgentProcess first =
        cleanup.register(AgentProcess.start(dir.resolve("first"), "unused", sections, Map.of()));
    try (JavaSdkClient app = new JavaSdkClient(first.receiverEndpoint(), SERVICE)) {
      LongCounter sent = app.meter().counterBuilder("disk_queue_requests").build();
      for (int i = 1; i <= REQUESTS; i++) {
        sent.add(1);
        assertTrue(app.flush(), "request " + i + " refused\n" + first.describe());
      }
    }
    first.kill();
    assertFalse(first.isAlive());

    StockCollector collector = cleanup.register(StockCollector.start(dir, collectorPort));
    AgentProcess second =
        cleanup.register(AgentProcess.start(dir.resolve("second"), "unused", sections, Map.of()));
    // The counter went 1..30, one request each: every value must arrive.
    TreeSet<Double> values = new TreeSet<>();
    long deadline = System.nanoTime() + DELIVERY.toNanos();
    while (values.size() < REQUESTS && System.nanoTime() < deadline) {
      values.clear();
      for (Otlp.ResourceMetric m : collector.output().metrics()) {
        if (m.metric().getName().equals("disk_queue_requests") && m.serviceName().equals(SERVICE)) {
          m.metric().getSum().getDataPointsList().forEach(p -> values.add(Otlp.value(p)));
        }
      }
      ExternalProcess.sleep(Duration.ofMillis(500));
    }
    assertEquals(REQUESTS, values.size(), values + "\n" + second.describe());
    assertEquals(1.0, values.first());
    assertEquals(REQUESTS, values.last());
    System.out.printf(
        "DiskQueueEndToEndTest: %d requests accepted before kill -9, %d arrived after the"
            + " restart%n",
        REQUESTS, values.size());
  }

  private static Map<String, Object> sections(String collector, Path queue) {
    Map<String, Object> exporter = new LinkedHashMap<>();
    exporter.put("endpoint", collector);
    exporter.put("insecure", true);
    exporter.put("retry", Map.of("initial_interval", "1s", "max_interval", "2s"));
    exporter.put("queue", Map.of("max_requests", 1024, "directory", queue.toString()));
    return Map.of("exporter", exporter, "self_telemetry", Map.of("enabled", false));
  }
}
