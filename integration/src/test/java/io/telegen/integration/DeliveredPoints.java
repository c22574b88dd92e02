package io.telegen.integration;

import io.opentelemetry.proto.collector.metrics.v1.ExportMetricsServiceRequest;
import io.opentelemetry.proto.metrics.v1.Metric;
import io.opentelemetry.proto.metrics.v1.NumberDataPoint;
import io.opentelemetry.proto.metrics.v1.ResourceMetrics;
import io.opentelemetry.proto.metrics.v1.ScopeMetrics;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.BooleanSupplier;

/**
 * What reached the stock collector, counted for the fault tests: the collectors' metrics files
 * (one per collector run, each added with {@link #follow}) read as they grow, each line parsed
 * once.
 *
 * <p>Three kinds of point are kept: an application's {@link SequenceSender} points (their values,
 * each with how often it arrived), the GPU source's points by series and timestamp (a series is a
 * metric name with its point attributes; each timestamp with how often it arrived), and the
 * agent's own {@code telegen_agent_*} gauges (their values in order of arrival).
 */
final class DeliveredPoints {

  private static final String GPU_SCOPE = "io.telegen.nvml";
  private static final String SELF_SCOPE = "io.telegen.self";

  private final String sequenceService;
  private final List<Path> files = new ArrayList<>();
  private final Map<Path, Long> readUpTo = new LinkedHashMap<>();
  private final TreeMap<Long, Integer> sequence = new TreeMap<>();
  private final Map<String, TreeMap<Long, Integer>> gpuSeries = new TreeMap<>();
  private final Map<String, List<Double>> selfGauges = new TreeMap<>();
  private final Map<String, Double> selfCounters = new TreeMap<>();
  private final TreeSet<Long> selfTimestamps = new TreeSet<>();

  /** {@code sequenceService}: the {@code service.name} of the {@link SequenceSender}. */
  DeliveredPoints(String sequenceService) {
    this.sequenceService = sequenceService;
  }

  /** Reads {@code collector}'s metrics file from now on, beside the ones followed already. */
  synchronized DeliveredPoints follow(StockCollector collector) {
    files.add(collector.output().metricsFile());
    return this;
  }

  /** Reads what was appended to the followed files since the last call. */
  synchronized DeliveredPoints refresh() {
    for (Path file : files) {
      if (!Files.exists(file)) {
        continue;
      }
      long from = readUpTo.getOrDefault(file, 0L);
      try (RandomAccessFile in = new RandomAccessFile(file.toFile(), "r")) {
        long length = in.length();
        if (length <= from) {
          continue;
        }
        byte[] bytes = new byte[(int) (length - from)];
        in.seek(from);
        in.readFully(bytes);
        int lastNewline = -1;
        for (int i = bytes.length - 1; i >= 0; i--) {
          if (bytes[i] == '\n') {
            lastNewline = i;
            break;
          }
        }
        if (lastNewline < 0) {
          continue; // a line still being written is read next time
        }
        String text = new String(bytes, 0, lastNewline, StandardCharsets.UTF_8);
        for (String line : text.split("\n")) {
          if (!line.isBlank()) {
            count(CollectorFileOutput.parseMetricsLine(line.strip(), file));
          }
        }
        readUpTo.put(file, from + lastNewline + 1);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
    return this;
  }

  private void count(ExportMetricsServiceRequest request) {
    for (ResourceMetrics rm : request.getResourceMetricsList()) {
      String service = Otlp.serviceName(rm.getResource());
      for (ScopeMetrics sm : rm.getScopeMetricsList()) {
        String scope = sm.getScope().getName();
        for (Metric metric : sm.getMetricsList()) {
          List<NumberDataPoint> points =
              new Otlp.ResourceMetric(rm.getResource(), metric).numberPoints();
          if (service.equals(sequenceService) && metric.getName().equals(SequenceSender.METRIC)) {
            points.forEach(p -> sequence.merge((long) Otlp.value(p), 1, Integer::sum));
          } else if (scope.equals(GPU_SCOPE)) {
            for (NumberDataPoint p : points) {
              String series = metric.getName() + Otlp.attributes(p.getAttributesList());
              gpuSeries
                  .computeIfAbsent(series, k -> new TreeMap<>())
                  .merge(p.getTimeUnixNano(), 1, Integer::sum);
            }
          } else if (scope.equals(SELF_SCOPE) && metric.hasSum()) {
            for (NumberDataPoint p : points) {
              selfCounters.merge(
                  metric.getName() + Otlp.attributes(p.getAttributesList()),
                  Otlp.value(p),
                  Math::max);
            }
          } else if (scope.equals(SELF_SCOPE) && metric.hasGauge()) {
            if (metric.getName().equals("telegen_agent_queue_length")) {
              points.forEach(p -> selfTimestamps.add(p.getTimeUnixNano()));
            }
            points.forEach(
                p ->
                    selfGauges
                        .computeIfAbsent(metric.getName(), k -> new ArrayList<>())
                        .add(Otlp.value(p)));
          }
        }
      }
    }
  }

  /** The application's values that arrived, each with how often. */
  synchronized NavigableMap<Long, Integer> sequence() {
    return new TreeMap<>(sequence);
  }

  /** The GPU series that arrived, each with its timestamps and how often each arrived. */
  synchronized Map<String, NavigableMap<Long, Integer>> gpuSeries() {
    Map<String, NavigableMap<Long, Integer>> copy = new TreeMap<>();
    gpuSeries.forEach((k, v) -> copy.put(k, new TreeMap<>(v)));
    return copy;
  }

  /** As {@link #gpuSeries()}, only the points with timestamps in [from, to). */
  synchronized Map<String, NavigableMap<Long, Integer>> gpuSeries(long fromNanos, long toNanos) {
    Map<String, NavigableMap<Long, Integer>> copy = new TreeMap<>();
    gpuSeries.forEach(
        (k, v) -> {
          NavigableMap<Long, Integer> window = v.subMap(fromNanos, true, toNanos, false);
          if (!window.isEmpty()) {
            copy.put(k, new TreeMap<>(window));
          }
        });
    return copy;
  }

  /** The values of the agent's own gauge {@code name}, in order of arrival. */
  synchronized List<Double> selfGauge(String name) {
    return List.copyOf(selfGauges.getOrDefault(name, List.of()));
  }

  /**
   * The highest value that arrived of the agent's own counter {@code name} with exactly these
   * attributes (in the order the agent sets them), 0 when none arrived.
   */
  synchronized double selfCounter(String name, Map<String, String> attributes) {
    return selfCounters.getOrDefault(name + attributes, 0.0);
  }

  /**
   * GPU collections the agent skipped because the one before was still running (on a loaded
   * machine): those points were never collected, and are no loss.
   */
  long gpuCyclesSkipped() {
    Map<String, String> labels = new LinkedHashMap<>();
    labels.put("source", "nvml");
    labels.put("reason", "skipped");
    return (long) selfCounter("telegen_agent_collection_errors_total", labels);
  }

  /** The GPU points with timestamps in [from, to) against the cadence (see {@link GpuCadence}). */
  synchronized GpuCadence gpuCadence(long fromNanos, long toNanos) {
    return GpuCadence.of(
            gpuSeries(fromNanos, toNanos), FaultAgent.GPU_INTERVAL, new TreeSet<>(selfTimestamps))
        .skipping(gpuCyclesSkipped());
  }

  /** All GPU points against the cadence. */
  GpuCadence gpuCadence() {
    return gpuCadence(Long.MIN_VALUE, Long.MAX_VALUE);
  }

  /** Refreshes until {@code done} or {@code timeout}; true when done. */
  boolean awaitUntil(BooleanSupplier done, Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (true) {
      refresh();
      if (done.getAsBoolean()) {
        return true;
      }
      if (System.nanoTime() > deadline) {
        return false;
      }
      ExternalProcess.sleep(Duration.ofMillis(500));
    }
  }

  /**
   * Whether every GPU series has a point at or after {@code unixNanos} (data collected then has
   * arrived, so everything before it has been through the queue too).
   */
  synchronized boolean gpuReached(long unixNanos) {
    return !gpuSeries.isEmpty()
        && gpuSeries.values().stream().allMatch(points -> points.lastKey() >= unixNanos);
  }
}
