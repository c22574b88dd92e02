package io.telegen.agent.schedule;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.telegen.agent.telemetry.AgentTelemetry;
import io.telegen.catalog.MetricCatalog;
import io.telegen.source.MetricSource;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Sources of one interval share the scheduler's phase, whenever they were added. */
class SourceSchedulerPhaseTest {

  private static final Duration INTERVAL = Duration.ofSeconds(1);

  /** Far below the offsets a source added later starts with (0.3 and 0.8 of the interval). */
  private static final long ON_PHASE_NANOS = TimeUnit.MILLISECONDS.toNanos(150);

  private final SourceScheduler scheduler =
      new SourceScheduler(
          MetricCatalog.load(), new AgentTelemetry(0), (source, batch) -> {}, Clock.systemUTC());

  @AfterEach
  void tearDown() {
    scheduler.close();
  }

  @Test
  void aSourceAddedLaterIsCollectedAtOnceThenTogetherWithTheOthers() throws Exception {
    Timed first = new Timed("first");
    Timed early = new Timed("early"); // added 0.3 intervals in: on phase at the next tick
    Timed late = new Timed("late"); // added 0.8 intervals in: on phase from the tick after
    scheduler.schedule(first.source, INTERVAL);
    Thread.sleep(INTERVAL.toMillis() * 3 / 10);
    scheduler.add(early.source, INTERVAL);
    Thread.sleep(INTERVAL.toMillis() / 2);
    scheduler.add(late.source, INTERVAL);

    TestSources.awaitTrue(() -> first.times.size() >= 4 && late.times.size() >= 3);

    for (Timed added : List.of(early, late)) {
      List<Long> times = List.copyOf(added.times);
      long firstTwoApart = times.get(1) - times.get(0);
      assertTrue(
          firstTwoApart >= INTERVAL.toNanos() / 2,
          added.name
              + ": collected at once when added, then not again within half an interval, but "
              + firstTwoApart / 1_000_000
              + " ms later");
      for (long t : times.subList(1, times.size())) {
        long off = first.times.stream().mapToLong(f -> Math.abs(f - t)).min().orElseThrow();
        assertTrue(
            off < ON_PHASE_NANOS,
            added.name
                + ": a tick after the first must come with one of the first source's, "
                + "but is "
                + off / 1_000_000
                + " ms from the nearest");
      }
    }
  }

  /** A source, by {@link TestSources#source}, that notes when each of its collections ran. */
  private static final class Timed {
    final String name;
    final List<Long> times = new CopyOnWriteArrayList<>();
    final MetricSource source;

    Timed(String name) {
      this.name = name;
      this.source = TestSources.source(name, batch -> times.add(System.nanoTime()));
    }
  }
}
