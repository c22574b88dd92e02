package io.telegen.agent.export;

import java.time.Duration;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/** Bounded polling for tests: no open-ended waits, no fixed sleeps longer than needed. */
public final class Await {

  private Await() {}

  /** Polls {@code condition} every few milliseconds until true; fails after {@code timeout}. */
  public static void until(BooleanSupplier condition, Duration timeout, Supplier<String> message) {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() - deadline > 0) {
        throw new AssertionError("not within " + timeout.toMillis() + " ms: " + message.get());
      }
      try {
        Thread.sleep(2);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new AssertionError("interrupted while waiting: " + message.get(), e);
      }
    }
  }

  /** {@link #until(BooleanSupplier, Duration, Supplier)} with 10 seconds. */
  public static void until(BooleanSupplier condition, Supplier<String> message) {
    until(condition, Duration.ofSeconds(10), message);
  }
}
