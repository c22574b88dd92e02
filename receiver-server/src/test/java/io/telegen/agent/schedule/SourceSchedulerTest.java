package io.telegen.agent.schedule;

import static io.telegen.agent.schedule.TestSources.awaitIgnoringInterrupts;
import static io.telegen.agent.schedule.TestSources.awaitTrue;
import static io.telegen.agent.schedule.TestSources.healthy;
import static io.telegen.agent.schedule.TestSources.source;
import static io.telegen.agent.schedule.TestSources.stuck;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.opentelemetry.proto.metrics.v1.Metric;
import io.opentelemetry.proto.metrics.v1.NumberDataPoint;
import io.telegen.agent.telemetry.AgentTelemetry;
import io.telegen.catalog.MetricCatalog;
import io.telegen.source.Labels;
import io.telegen.source.MetricBatch;
import io.telegen.source.MetricSource;
import io.telegen.source.PartialCollectionException;
import io.telegen.source.PartialCollectionException.Problem;
import io.telegen.source.SourceDiscovery;
import io.telegen.testsupport.LogLines;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.logging.Logger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class SourceSchedulerTest {

  private static final Logger SCHEDULER_LOG = Logger.getLogger(SourceScheduler.class.getName());

  private final MetricCatalog catalog = MetricCatalog.load();
  private final AgentTelemetry telemetry = new AgentTelemetry(0);
  private final List<String> delivered = new CopyOnWriteArrayList<>();
  private final List<MetricBatch> batches = new CopyOnWriteArrayList<>();
  private final SourceScheduler scheduler =
      new SourceScheduler(
          catalog,
          telemetry,
          (source, batch) -> {
            delivered.add(source.name());
            batches.add(batch);
          },
          Clock.systemUTC());
  private final CountDownLatch release = new CountDownLatch(1);
  private volatile boolean keepOverruns = true;
  // On a loaded machine a 30 ms cycle can overrun; those lines have tests of their own.
  private final LogLines log =
      LogLines.of(SCHEDULER_LOG, line -> keepOverruns || !line.contains("its collection"));

  @AfterEach
  void tearDown() {
    release.countDown();
    scheduler.close();
    log.close();
  }

  @Test
  void failingAndStuckSourcesDoNotStopAHealthyOne() throws Exception {
    AtomicInteger healthyRuns = new AtomicInteger();
    AtomicInteger stuckStarts = new AtomicInteger();
    scheduler.add(healthy(healthyRuns), Duration.ofMillis(50));
    scheduler.add(
        source(
            "broken",
            batch -> {
              throw new IllegalStateException("endpoint returned HTML");
            }),
        Duration.ofMillis(50));
    scheduler.add(stuck(stuckStarts, release), Duration.ofMillis(50));
    scheduler.start();

    awaitTrue(
        () ->
            healthyRuns.get() >= 10
                && errors("stuck", "skipped") >= 3
                && errors("broken", "error") >= 3);
    assertTrue(delivered.contains("healthy"));
    assertTrue(
        !delivered.contains("broken") && !delivered.contains("stuck"),
        "a failed or unfinished collection must not deliver a batch: " + delivered);
    assertEquals(1, stuckStarts.get(), "no second collection of a stuck source may start");
    assertEquals(
        1,
        lines(
            "WARNING source broken: collection failed: "
                + "java.lang.IllegalStateException: endpoint returned HTML"),
        log.lines().toString());
    assertEquals(1, lines("WARNING source stuck: its collection started "), log.lines().toString());
  }

  @Test
  void aStuckCollectionThatReturnsIsDeliveredAndItsSourceRunsAgain() throws Exception {
    AtomicInteger starts = new AtomicInteger();
    CountDownLatch firstStarted = new CountDownLatch(1);
    scheduler.schedule(
        source(
            "slow",
            batch -> {
              if (starts.incrementAndGet() == 1) {
                firstStarted.countDown();
                awaitIgnoringInterrupts(release);
              }
              batch.gauge("telegen_agent_queue_length", starts.get(), Labels.empty());
            }),
        Duration.ofMillis(40));
    assertTrue(firstStarted.await(5, TimeUnit.SECONDS));
    awaitTrue(() -> errors("slow", "skipped") >= 3);
    assertEquals(1, starts.get());

    release.countDown();
    awaitTrue(() -> starts.get() >= 3);
    assertEquals(1.0, gaugeValue(batches.get(0)), "the stuck collection's own batch");
    assertEquals(1, lines("WARNING source slow: its collection started "), log.lines().toString());
    assertEquals(
        1,
        lines("INFO source slow: its collection that ran past its cycle returned " + "after "),
        log.lines().toString());
  }

  @Test
  void aPartialCollectionIsDeliveredCountedAndEachProblemLoggedOnceThenOnceWhenItClears()
      throws Exception {
    keepOverruns = false;
    AtomicBoolean broken = new AtomicBoolean(true);
    AtomicInteger runs = new AtomicInteger();
    scheduler.schedule(
        source(
            "ports",
            batch -> {
              runs.incrementAndGet();
              batch.gauge("telegen_agent_queue_length", 5, Labels.empty());
              if (broken.get()) {
                throw new PartialCollectionException(
                    List.of(new Problem("mlx5_1/1", "mlx5_1 port 1: counter unreadable")));
              }
            }),
        Duration.ofMillis(30));

    awaitTrue(() -> errors("ports", "partial") >= 4);
    assertTrue(batches.size() >= 4, "every partial cycle delivers its batch: " + batches.size());
    assertEquals(5.0, gaugeValue(batches.get(0)));
    broken.set(false);
    int runsWhenFixed = runs.get();
    awaitTrue(() -> runs.get() >= runsWhenFixed + 3);

    assertEquals(
        List.of(
            "WARNING source ports: mlx5_1 port 1: counter unreadable",
            "INFO source ports: cleared: mlx5_1 port 1: counter unreadable"),
        log.lines());
    assertTrue(gauge("telegen_agent_collection_duration_seconds", "ports") >= 0);
  }

  @Test
  void aFailureIsLoggedOnceAndOnceWhenTheSourceRecovers() throws Exception {
    keepOverruns = false;
    AtomicInteger runs = new AtomicInteger();
    scheduler.schedule(
        source(
            "flaky",
            batch -> {
              if (runs.incrementAndGet() <= 3) {
                throw new java.io.IOException("connection refused");
              }
            }),
        Duration.ofMillis(30));

    awaitTrue(() -> runs.get() >= 6);

    assertEquals(3.0, errors("flaky", "error"));
    assertEquals(
        List.of(
            "WARNING source flaky: collection failed: java.io.IOException: "
                + "connection refused; its series are missing until it recovers, other sources continue",
            "INFO source flaky: cleared: collection failed: java.io.IOException: connection refused;"
                + " its series are missing until it recovers, other sources continue"),
        log.lines());
  }

  @Test
  void collectNowReturnsTheBatchesInOrderAndRecordsTheDuration() {
    scheduler.add(
        source("one", b -> b.gauge("telegen_agent_queue_length", 7, Labels.empty())),
        Duration.ofSeconds(5));
    scheduler.add(
        source("two", b -> b.gauge("telegen_agent_queue_length", 8, Labels.empty())),
        Duration.ofSeconds(5));

    List<MetricBatch> got = scheduler.collectNow(Duration.ofSeconds(5));

    assertEquals(List.of(7.0, 8.0), got.stream().map(SourceSchedulerTest::gaugeValue).toList());
    assertTrue(gauge("telegen_agent_collection_duration_seconds", "one") >= 0);
    assertTrue(delivered.isEmpty(), "collectNow hands the batches back, not to the sink");
  }

  @Test
  void collectNowGivesUpOnAStuckSourceAndTheNextCycleSkipsIt() {
    AtomicInteger starts = new AtomicInteger();
    scheduler.add(
        source(
            "stuck",
            b -> {
              starts.incrementAndGet();
              awaitIgnoringInterrupts(release);
            }),
        Duration.ofSeconds(30));
    scheduler.add(
        source("fine", b -> b.gauge("telegen_agent_queue_length", 1, Labels.empty())),
        Duration.ofSeconds(30));

    long started = System.nanoTime();
    List<MetricBatch> first = scheduler.collectNow(Duration.ofMillis(200));
    List<MetricBatch> second = scheduler.collectNow(Duration.ofMillis(200));

    assertTrue(Duration.ofNanos(System.nanoTime() - started).toMillis() < 5_000);
    assertEquals(1, first.size());
    assertEquals(1, second.size());
    assertEquals(1, errors("stuck", "timeout"));
    assertEquals(1, errors("stuck", "skipped"));
    assertEquals(1, starts.get());
  }

  @Test
  void aSourceEmittingAnUncataloguedMetricFailsItsCycleOnly() {
    scheduler.add(
        source("typo", b -> b.gauge("gpu_utilisation_percent", 1, Labels.empty())),
        Duration.ofSeconds(5));

    assertEquals(List.of(), scheduler.collectNow(Duration.ofSeconds(5)));
    assertEquals(1, errors("typo", "error"));
  }

  @Test
  void discoveredSourcesAreScheduledCountedUnderTheirOwnNameAndClosedWhenGone() throws Exception {
    AtomicInteger goodRuns = new AtomicInteger();
    AtomicBoolean badClosed = new AtomicBoolean();
    MetricSource good =
        source(
            "vllm",
            b -> {
              goodRuns.incrementAndGet();
              b.gauge("telegen_agent_queue_length", 3, Labels.empty());
            });
    MetricSource bad =
        new MetricSource() {
          @Override
          public String name() {
            return "triton";
          }

          @Override
          public String logName() {
            return "triton at 127.0.0.1:8002";
          }

          @Override
          public void collect(MetricBatch batch) throws Exception {
            throw new java.net.ConnectException("connection refused");
          }

          @Override
          public void close() {
            badClosed.set(true);
          }
        };
    AtomicReference<List<MetricSource>> found = new AtomicReference<>(List.of(good, bad));
    AtomicInteger asked = new AtomicInteger();
    scheduler.add(
        discovery(
            () -> {
              asked.incrementAndGet();
              return found.get();
            }),
        Duration.ofMillis(30),
        Duration.ofMillis(60));
    scheduler.start();

    awaitTrue(() -> errors("triton", "error") >= 3 && delivered.contains("vllm"));
    assertEquals(List.of(good, bad), scheduler.sources());
    assertEquals(
        1,
        lines("WARNING source triton at 127.0.0.1:8002: collection failed: "),
        log.lines().toString());

    found.set(List.of(good));
    awaitTrue(badClosed::get);
    double badErrors = errors("triton", "error");
    int goodBefore = goodRuns.get();
    awaitTrue(() -> goodRuns.get() >= goodBefore + 3);
    assertEquals(badErrors, errors("triton", "error"), "a removed source is not collected");
    assertEquals(List.of(good), scheduler.sources());
  }

  @Test
  void collectNowAsksDiscoveriesFirstAndKeepsTheOrderSourcesWereAddedIn() {
    scheduler.add(
        source("first", b -> b.gauge("telegen_agent_queue_length", 1, Labels.empty())),
        Duration.ofSeconds(5));
    scheduler.add(
        discovery(
            () ->
                List.of(
                    source(
                        "found", b -> b.gauge("telegen_agent_queue_length", 2, Labels.empty())))),
        Duration.ofSeconds(5),
        Duration.ofSeconds(30));
    scheduler.add(
        source("last", b -> b.gauge("telegen_agent_queue_length", 3, Labels.empty())),
        Duration.ofSeconds(5));

    List<MetricBatch> got = scheduler.collectNow(Duration.ofSeconds(5));

    assertEquals(
        List.of(1.0, 2.0, 3.0), got.stream().map(SourceSchedulerTest::gaugeValue).toList());
  }

  @Test
  void aSourceStillRunningAtCloseIsClosedOnlyWhenItReturns() throws Exception {
    AtomicBoolean closedWhileRunning = new AtomicBoolean();
    AtomicBoolean running = new AtomicBoolean();
    AtomicBoolean closed = new AtomicBoolean();
    CountDownLatch started = new CountDownLatch(1);
    scheduler.schedule(
        new MetricSource() {
          @Override
          public String name() {
            return "native";
          }

          @Override
          public void collect(MetricBatch batch) {
            running.set(true);
            started.countDown();
            awaitIgnoringInterrupts(release);
            running.set(false);
          }

          @Override
          public void close() {
            closedWhileRunning.set(running.get());
            closed.set(true);
          }
        },
        Duration.ofSeconds(30));
    assertTrue(started.await(5, TimeUnit.SECONDS));

    scheduler.close();
    assertFalse(closed.get());
    release.countDown();
    awaitTrue(closed::get);
    assertFalse(closedWhileRunning.get());
  }

  private interface Answer {
    List<MetricSource> current() throws Exception;
  }

  private static SourceDiscovery discovery(Answer answer) {
    return new SourceDiscovery() {
      @Override
      public String name() {
        return "test-discovery";
      }

      @Override
      public List<MetricSource> current() throws Exception {
        return answer.current();
      }
    };
  }

  private long lines(String prefix) {
    return log.lines().stream().filter(line -> line.startsWith(prefix)).count();
  }

  private static double gaugeValue(MetricBatch batch) {
    return batch.metrics().get(0).getGauge().getDataPoints(0).getAsDouble();
  }

  private double errors(String source, String reason) {
    return value(
        "telegen_agent_collection_errors_total", Map.of("source", source, "reason", reason));
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
      List<NumberDataPoint> points =
          metric.hasSum()
              ? metric.getSum().getDataPointsList()
              : metric.getGauge().getDataPointsList();
      for (NumberDataPoint p : points) {
        Map<String, String> attributes = new ConcurrentHashMap<>();
        p.getAttributesList()
            .forEach(kv -> attributes.put(kv.getKey(), kv.getValue().getStringValue()));
        if (attributes.equals(labels)) {
          return p.getAsDouble();
        }
      }
    }
    return 0;
  }
}
