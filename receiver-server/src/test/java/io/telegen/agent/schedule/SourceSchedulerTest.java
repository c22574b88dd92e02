package io.telegen.agent.schedule;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.opentelemetry.proto.metrics.v1.Metric;
import io.opentelemetry.proto.metrics.v1.NumberDataPoint;
import io.telegen.agent.telemetry.AgentTelemetry;
import io.telegen.catalog.MetricCatalog;
import io.telegen.source.Labels;
import io.telegen.source.MetricBatch;
import io.telegen.source.MetricSource;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class SourceSchedulerTest {

  private final MetricCatalog catalog = MetricCatalog.load();
  private final AgentTelemetry telemetry = new AgentTelemetry(0);
  private final List<String> delivered = new CopyOnWriteArrayList<>();
  private final SourceScheduler scheduler = new SourceScheduler(catalog, telemetry,
      (source, batch) -> delivered.add(source.name()), Clock.systemUTC());
  private final CountDownLatch release = new CountDownLatch(1);

  @AfterEach
  void tearDown() {
    release.countDown();
    scheduler.close();
  }

  @Test
  void failingAndHangingSourcesDoNotStopAHealthyOne() throws Exception {
    AtomicInteger healthyRuns = new AtomicInteger();
    scheduler.schedule(source("healthy", batch -> {
      healthyRuns.incrementAndGet();
      batch.gauge("telegen_agent_queue_length", 1, Labels.empty());
    }), Duration.ofMillis(50));
    scheduler.schedule(source("broken", batch -> {
      throw new IllegalStateException("endpoint returned HTML");
    }), Duration.ofMillis(50));
    scheduler.schedule(source("hung", batch -> {
      // Ignores interrupts, like a native call that never returns.
      while (release.getCount() > 0) {
        try {
          release.await();
        } catch (InterruptedException ignored) {
          // keep hanging
        }
      }
    }), Duration.ofMillis(50));

    awaitTrue(() -> healthyRuns.get() >= 10 && errors("hung", "timeout") >= 3
        && errors("broken", "error") >= 3);
    assertTrue(delivered.contains("healthy"));
    assertTrue(!delivered.contains("broken") && !delivered.contains("hung"),
        "a failed collection must not deliver a batch: " + delivered);
  }

  @Test
  void collectOnceReturnsTheBatchAndRecordsItsDuration() {
    MetricBatch batch = SourceScheduler.collectOnce(source("one", b ->
        b.gauge("telegen_agent_queue_length", 7, Labels.empty())), Duration.ofSeconds(5),
        catalog, telemetry, Clock.systemUTC());
    assertNotNull(batch);
    assertEquals(7.0, batch.metrics().get(0).getGauge().getDataPoints(0).getAsDouble());
    assertTrue(gauge("telegen_agent_collection_duration_seconds", "one") >= 0);
  }

  @Test
  void collectOnceGivesUpOnAHungSource() {
    long started = System.nanoTime();
    MetricBatch batch = SourceScheduler.collectOnce(source("stuck", b -> release.await()),
        Duration.ofMillis(200), catalog, telemetry, Clock.systemUTC());
    assertNull(batch);
    assertTrue(Duration.ofNanos(System.nanoTime() - started).toMillis() < 5_000);
    assertEquals(1, errors("stuck", "timeout"));
  }

  @Test
  void aSourceEmittingAnUncataloguedMetricFailsItsCycleOnly() {
    MetricBatch batch = SourceScheduler.collectOnce(source("typo", b ->
        b.gauge("gpu_utilisation_percent", 1, Labels.empty())), Duration.ofSeconds(5), catalog,
        telemetry, Clock.systemUTC());
    assertNull(batch);
    assertEquals(1, errors("typo", "error"));
  }

  private interface Body {
    void collect(MetricBatch batch) throws Exception;
  }

  private static MetricSource source(String name, Body body) {
    return new MetricSource() {
      @Override
      public String name() {
        return name;
      }

      @Override
      public void collect(MetricBatch batch) throws Exception {
        body.collect(batch);
      }
    };
  }

  private double errors(String source, String reason) {
    return value("telegen_agent_collection_errors_total",
        Map.of("source", source, "reason", reason));
  }

  private double gauge(String name, String source) {
    return value(name, Map.of("source", source));
  }

  private double value(String name, Map<String, String> labels) {
    MetricBatch batch = new MetricBatch(catalog, 0);
    telemetry.collect(batch);
    for (Metric metric : batch.metrics()) {
      if (!metric.getName().equals(name)) {
        continue;
      }
      List<NumberDataPoint> points = metric.hasSum() ? metric.getSum().getDataPointsList()
          : metric.getGauge().getDataPointsList();
      for (NumberDataPoint p : points) {
        Map<String, String> attributes = new ConcurrentHashMap<>();
        p.getAttributesList().forEach(kv ->
            attributes.put(kv.getKey(), kv.getValue().getStringValue()));
        if (attributes.equals(labels)) {
          return p.getAsDouble();
        }
      }
    }
    return -1;
  }

  private static void awaitTrue(java.util.function.BooleanSupplier condition)
      throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("condition not met within 10 s");
      }
      Thread.sleep(20);
    }
  }
}
