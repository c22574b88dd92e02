package io.telegen.agent.assembly;

import io.telegen.agent.schedule.SourceScheduler;
import io.telegen.source.MetricSource;
import java.time.Duration;
import java.util.Objects;

/**
 * A source and how often it runs.
 *
 * @param exported false for a source whose metrics {@code collect} shows but {@code run} keeps
 *     off the wire ({@code agent.aiml.training.export_metrics: false})
 */
public record ScheduledSource(MetricSource source, Duration interval, boolean exported)
    implements Scheduled {

  public ScheduledSource {
    Objects.requireNonNull(source, "source");
    Objects.requireNonNull(interval, "interval");
  }

  /** An exported source. */
  public ScheduledSource(MetricSource source, Duration interval) {
    this(source, interval, true);
  }

  @Override
  public void addTo(SourceScheduler scheduler) {
    scheduler.add(source, interval);
  }

  @Override
  public void close() {
    source.close();
  }
}
