package io.telegen.agent.assembly;

import io.telegen.agent.schedule.SourceScheduler;

/**
 * What a capability hands the scheduler: a source on its interval, or a discovery whose sources
 * come and go (the LLM servers in {@code /proc}).
 */
public sealed interface Scheduled permits ScheduledSource, ScheduledDiscovery {

  /** False for what {@code collect} shows but {@code run} keeps off the wire. */
  boolean exported();

  /** Hands this to {@code scheduler}, which runs and, at its close, closes it. */
  void addTo(SourceScheduler scheduler);

  /** Releases it when no scheduler took it ({@code check}). */
  void close();
}
