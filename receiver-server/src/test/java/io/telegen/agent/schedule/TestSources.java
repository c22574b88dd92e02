package io.telegen.agent.schedule;

import io.telegen.source.MetricBatch;
import io.telegen.source.MetricSource;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
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
