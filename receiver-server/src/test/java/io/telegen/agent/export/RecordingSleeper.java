package io.telegen.agent.export;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * An {@link ExportLoop.Sleeper} that records each delay the loop asks for and sleeps only a few
 * milliseconds of it, so retry tests see the exact backoff sequence without waiting for it.
 */
final class RecordingSleeper implements ExportLoop.Sleeper {

  private static final long REAL_SLEEP_CAP_MILLIS = 5;

  final List<Duration> sleeps = new CopyOnWriteArrayList<>();

  @Override
  public void sleep(Duration duration) throws InterruptedException {
    sleeps.add(duration);
    // Still a real (interruptible) pause, so a failing collector is not hammered in a hot loop.
    Thread.sleep(Math.min(duration.toMillis(), REAL_SLEEP_CAP_MILLIS));
  }

  List<Long> millis() {
    return sleeps.stream().map(Duration::toMillis).toList();
  }
}
