package io.telegen.agent.assembly;

import io.telegen.agent.schedule.SourceScheduler;
import io.telegen.source.SourceDiscovery;
import java.time.Duration;
import java.util.Objects;

/**
 * A discovery asked every {@code rediscoverEvery}; each source it finds runs every
 * {@code interval} as a source of its own.
 */
public record ScheduledDiscovery(
    SourceDiscovery discovery, Duration interval, Duration rediscoverEvery) implements Scheduled {

  public ScheduledDiscovery {
    Objects.requireNonNull(discovery, "discovery");
    Objects.requireNonNull(interval, "interval");
    Objects.requireNonNull(rediscoverEvery, "rediscoverEvery");
  }

  @Override
  public boolean exported() {
    return true;
  }

  @Override
  public void addTo(SourceScheduler scheduler) {
    scheduler.add(discovery, interval, rediscoverEvery);
  }

  @Override
  public void close() {
    discovery.close();
  }
}
