package io.telegen.integration;

import io.opentelemetry.api.metrics.DoubleGauge;
import java.time.Duration;
import java.util.NavigableSet;
import java.util.concurrent.ConcurrentSkipListSet;
import java.util.concurrent.atomic.AtomicLong;

/**
 * An application under steady load: a {@link JavaSdkClient} on its own thread that sets the gauge
 * {@value #METRIC} to 1, 2, 3, ... and exports each value as one request, {@code perSecond}
 * times a second. A value counts as sent when the receiver acknowledged its request (the SDK
 * retried as it does by default); refused ones are counted apart, and the next request carries
 * the next value.
 */
final class SequenceSender implements AutoCloseable {

  static final String METRIC = "telegen_it_sequence";

  private final JavaSdkClient app;
  private final DoubleGauge gauge;
  private final Duration period;
  private final NavigableSet<Long> acknowledged = new ConcurrentSkipListSet<>();
  private final AtomicLong refused = new AtomicLong();
  private final Thread thread;
  private volatile boolean running = true;
  private long next = 1;

  /** Starts sending to {@code endpoint} (host:port), values after {@code firstValue} - 1. */
  SequenceSender(String endpoint, String serviceName, int perSecond, long firstValue) {
    this.app = new JavaSdkClient(endpoint, serviceName);
    this.gauge = app.meter().gaugeBuilder(METRIC).build();
    this.period = Duration.ofMillis(1000 / perSecond);
    this.next = firstValue;
    this.thread = new Thread(this::run, "sequence-sender-" + serviceName);
    thread.setDaemon(true);
    thread.start();
  }

  private void run() {
    long due = System.nanoTime();
    while (running) {
      long value = next++;
      gauge.set(value);
      if (app.flush()) {
        acknowledged.add(value);
      } else {
        refused.incrementAndGet();
      }
      due += period.toNanos();
      long wait = due - System.nanoTime();
      if (wait > 0) {
        try {
          Thread.sleep(wait / 1_000_000, (int) (wait % 1_000_000));
        } catch (InterruptedException e) {
          return;
        }
      } else {
        due = System.nanoTime(); // behind (the receiver pushed back): no burst to catch up
      }
    }
  }

  /** Stops after the request in flight; returns the values acknowledged. */
  NavigableSet<Long> stop() {
    running = false;
    try {
      thread.join(60_000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    return acknowledged();
  }

  NavigableSet<Long> acknowledged() {
    return new ConcurrentSkipListSet<>(acknowledged);
  }

  long refused() {
    return refused.get();
  }

  /** The value the next request carries (for a sender that continues this one's sequence). */
  long nextValue() {
    return next;
  }

  @Override
  public void close() {
    stop();
    app.close();
  }
}
