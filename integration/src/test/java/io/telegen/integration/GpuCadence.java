package io.telegen.integration;

import java.time.Duration;
import java.util.Map;
import java.util.NavigableMap;
import java.util.NavigableSet;
import java.util.Set;
import java.util.TreeSet;

/**
 * The GPU source's points as they arrived, against what its cadence says it collected: each
 * series is polled every {@code interval} at a fixed rate, so from its first to its last point it
 * has {@code round((last - first) / interval) + 1} ticks. A tick without a point is a point lost,
 * unless the agent collected nothing then: it skipped the cycle and counted it ({@code
 * telegen_agent_collection_errors_total{reason="skipped"}}), or the whole process stalled (on a
 * loaded machine the ticks that come late in a burst are dropped, not counted), which shows as
 * the agent's own telemetry, a separate source on the same ticker, missing that tick too. A
 * request lost in the queue takes the GPU points of one tick and leaves the self-telemetry of the
 * tick alone. Repeated timestamps are points that arrived twice.
 *
 * @param series GPU series seen
 * @param collected points collected: the ticks, less those the agent skipped or stalled through
 * @param received distinct points that arrived
 * @param duplicates points that arrived more than once (counted beyond the first)
 * @param timestampsTwice distinct timestamps (of any series) that arrived more than once
 * @param maxGap the longest time between two points of one series
 * @param skipped collections the agent skipped and counted
 * @param stalled ticks (over all series) without a point where the self-telemetry missed the
 *     tick as well
 */
record GpuCadence(
    int series,
    long collected,
    long received,
    long duplicates,
    int timestampsTwice,
    Duration maxGap,
    long skipped,
    long stalled) {

  /**
   * {@code selfTimestamps}: when the agent's own telemetry was collected (a point a tick), to
   * tell a stalled process from a lost request; empty for none.
   */
  static GpuCadence of(
      Map<String, NavigableMap<Long, Integer>> gpuSeries,
      Duration interval,
      NavigableSet<Long> selfTimestamps) {
    long ticks = 0;
    long received = 0;
    long duplicates = 0;
    long stalled = 0;
    Set<Long> twice = new TreeSet<>();
    long maxGap = 0;
    long step = interval.toNanos();
    for (NavigableMap<Long, Integer> points : gpuSeries.values()) {
      long first = points.firstKey();
      long last = points.lastKey();
      long seriesTicks = Math.round((double) (last - first) / step) + 1;
      ticks += seriesTicks;
      received += points.size();
      long seriesStalled = 0;
      Long previous = null;
      for (Map.Entry<Long, Integer> point : points.entrySet()) {
        duplicates += point.getValue() - 1;
        if (point.getValue() > 1) {
          twice.add(point.getKey());
        }
        if (previous != null) {
          long gap = point.getKey() - previous;
          maxGap = Math.max(maxGap, gap);
          // A late tick and the one after it on time are 1.5 and 0.5 intervals apart: a tick is
          // missing in a gap only from 1.75 intervals on.
          long missing = (long) Math.floor((double) gap / step + 0.25) - 1;
          for (long k = 1; k <= missing; k++) {
            long tick = previous + k * step;
            Long self = selfTimestamps.ceiling(tick - step / 2);
            if (!selfTimestamps.isEmpty() && (self == null || self > tick + step / 2)) {
              seriesStalled++;
            }
          }
        }
        previous = point.getKey();
      }
      stalled += Math.min(seriesStalled, Math.max(0, seriesTicks - points.size()));
    }
    return new GpuCadence(
        gpuSeries.size(),
        ticks - stalled,
        received,
        duplicates,
        twice.size(),
        Duration.ofNanos(maxGap),
        0,
        stalled);
  }

  long lost() {
    return Math.max(0, collected - received);
  }

  /** With {@code cycles} collections the agent skipped and counted taken out of the collected. */
  GpuCadence skipping(long cycles) {
    // Not below what arrived: a tick both skipped and stalled through is taken out once.
    long fewer = Math.max(Math.min(collected, received), collected - cycles * series);
    return new GpuCadence(
        series, fewer, received, duplicates, timestampsTwice, maxGap, skipped + cycles, stalled);
  }

  @Override
  public String toString() {
    return String.format(
        "GPU points: %d collected (%d series at the poll cadence), %d received, %d lost,"
            + " %d arrived twice (%d collections), longest gap %d ms; not collected: %d"
            + " collections skipped by the agent, %d points while the whole agent stalled"
            + " (its own telemetry missed those ticks too)",
        collected,
        series,
        received,
        lost(),
        duplicates,
        timestampsTwice,
        maxGap.toMillis(),
        skipped,
        stalled);
  }
}
