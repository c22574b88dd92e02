package io.telegen.gpu.internal;

import java.util.Arrays;

/**
 * The start times of cumulative series whose counters the driver keeps (energy since the driver
 * loaded, NVLink traffic) and which therefore predate the agent. A driver reload or GPU reset
 * restarts such a counter from 0; when a series' value goes down, its start time moves to just
 * after the previous point, which is how OTLP says "this counter was reset", so a backend never
 * sees a negative increase. Until then a series starts at the agent's start. Collection thread
 * only.
 *
 * <p>Shared by the vendors' sources; internal, not API.
 */
public final class CumulativeStarts {

  private final long[] starts;
  private final double[] last;
  private final long[] lastTime;

  public CumulativeStarts(int series) {
    starts = new long[series];
    last = new double[series];
    lastTime = new long[series];
    Arrays.fill(last, Double.NaN);
  }

  /**
   * The start time for {@code value} of series {@code index} observed at {@code timeUnixNanos};
   * {@code agentStartUnixNanos} until the counter first goes down.
   */
  public long startOf(int index, double value, long timeUnixNanos, long agentStartUnixNanos) {
    if (value < last[index]) {
      // The reset happened after the previous point; the latest the counter can have restarted
      // from 0 is unknown, so the new series starts just after that point (or now, if the clock
      // did not move).
      starts[index] = lastTime[index] < timeUnixNanos ? lastTime[index] + 1 : timeUnixNanos;
    }
    last[index] = value;
    lastTime[index] = timeUnixNanos;
    return starts[index] == 0 ? agentStartUnixNanos : starts[index];
  }
}
