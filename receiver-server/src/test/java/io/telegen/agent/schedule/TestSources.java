package io.telegen.agent.schedule;

import io.telegen.source.Labels;
import io.telegen.source.MetricBatch;
import io.telegen.source.MetricSource;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;

/** The sources and waits the scheduler's tests share. */
final class TestSources {

  private TestSources() {}

  /** What a test source does each collection. */
  interface Body {
    void collect(MetricBatch batch) throws Exception;
  }

  /** A source named {@code name} that runs {@code body} each collection. */
  static MetricSource source(String name, Body body) {
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

  /** A source named "healthy" that counts its runs and collects one point each. */
  static MetricSource healthy(AtomicInteger runs) {
    return source(
        "healthy",
        batch -> {
          runs.incrementAndGet();
          batch.gauge("telegen_agent_queue_length", 1, Labels.empty());
        });
  }

  /**
   * A source named "stuck" that counts its starts and hangs in each, like a native call that never
   * returns, until {@code release} opens.
   */
  static MetricSource stuck(AtomicInteger starts, CountDownLatch release) {
    return source(
        "stuck",
        batch -> {
          starts.incrementAndGet();
          awaitIgnoringInterrupts(release);
        });
  }

  /** Hangs until {@code latch} opens, like a native call no interrupt ends. */
  static void awaitIgnoringInterrupts(CountDownLatch latch) {
    while (latch.getCount() > 0) {
      try {
        latch.await();
      } catch (InterruptedException ignored) {
        // keep hanging
      }
    }
  }

  /** Waits up to 10 s for {@code condition}. */
  static void awaitTrue(BooleanSupplier condition) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("condition not met within 10 s");
      }
      Thread.sleep(20);
    }
  }
}
