package io.telegen.integration;

import java.time.Duration;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Set;
import java.util.TreeSet;

/**
 * The GPU source's points as they arrived, against what its cadence says it collected: each
 * series is polled every {@code interval} at a fixed rate (late ticks catch up), so from its first
 * to its last point it has {@code round((last - first) / interval) + 1} collections; fewer
 * distinct timestamps than that are points lost, repeated ones points that arrived twice.
 *
 * @param series GPU series seen
 * @param collected points the cadence says were collected, over all series
 * @param received distinct points that arrived
 * @param duplicates points that arrived more than once (counted beyond the first)
 * @param timestampsTwice distinct timestamps (of any series) that arrived more than once
 * @param maxGap the longest time between two points of one series
 * @param skipped collections the agent skipped (not collected, so not in {@code collected})
 */
record GpuCadence(
    int series,
    long collected,
    long received,
    long duplicates,
    int timestampsTwice,
    Duration maxGap,
    long skipped) {

  static GpuCadence of(Map<String, NavigableMap<Long, Integer>> gpuSeries, Duration interval) {
    long collected = 0;
    long received = 0;
    long duplicates = 0;
    Set<Long> twice = new TreeSet<>();
    long maxGap = 0;
    for (NavigableMap<Long, Integer> points : gpuSeries.values()) {
      long first = points.firstKey();
      long last = points.lastKey();
      collected += Math.round((double) (last - first) / interval.toNanos()) + 1;
      received += points.size();
      Long previous = null;
      for (Map.Entry<Long, Integer> point : points.entrySet()) {
        duplicates += point.getValue() - 1;
        if (point.getValue() > 1) {
          twice.add(point.getKey());
        }
        if (previous != null) {
          maxGap = Math.max(maxGap, point.getKey() - previous);
        }
        previous = point.getKey();
      }
    }
    return new GpuCadence(
        gpuSeries.size(),
        collected,
        received,
        duplicates,
        twice.size(),
        Duration.ofNanos(maxGap),
        0);
  }

  long lost() {
    return collected - received;
  }

  /**
   * With {@code cycles} collections the agent skipped (counted in {@code
   * telegen_agent_collection_errors_total{reason="skipped"}}) taken out of what was collected.
   */
  GpuCadence skipping(long cycles) {
    return new GpuCadence(
        series,
        collected - cycles * series,
        received,
        duplicates,
        timestampsTwice,
        maxGap,
        skipped + cycles);
  }

  @Override
  public String toString() {
    return String.format(
        "GPU points: %d collected (%d series at the poll cadence), %d received, %d lost,"
            + " %d arrived twice (%d collections), longest gap %d ms, %d collections skipped"
            + " by the agent (the one before still running on the loaded machine)",
        collected,
        series,
        received,
        lost(),
        duplicates,
        timestampsTwice,
        maxGap.toMillis(),
        skipped);
  }
}
