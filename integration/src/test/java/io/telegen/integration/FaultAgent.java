package io.telegen.integration;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.NavigableSet;
import java.util.TreeSet;

/**
 * The agent as the fault tests run it: the production JVM options, the fake NVML's one-GPU node
 * polled every second, its own telemetry every second, and the export queue on disk (as the
 * DaemonSet and the Ansible role set it), exporting to a collector that may not be there.
 */
final class FaultAgent {

  static final Duration GPU_INTERVAL = Duration.ofSeconds(1);
  static final String SCENARIO = "pcie-rtx6000ada-fan";

  /**
   * The most requests (one per GPU collection or SDK export) one OTLP request carries: what can
   * arrive twice when the collector took a request whose acknowledgement the agent never saw.
   */
  static final int BATCH_REQUESTS =
      io.telegen.agent.export.CoalescingExportQueue.DEFAULT_MAX_REQUESTS;

  private FaultAgent() {}

  /** The {@code agent.*} sections; {@code queue} holds the queue keys beyond the directory. */
  static Map<String, Object> sections(
      int collectorPort, Path queueDirectory, Map<String, Object> queue) {
    Map<String, Object> queueKeys = new LinkedHashMap<>();
    queueKeys.put("directory", queueDirectory.toString());
    queueKeys.put("max_requests", 20_000);
    queueKeys.putAll(queue);
    Map<String, Object> exporter = new LinkedHashMap<>();
    exporter.put("endpoint", "127.0.0.1:" + collectorPort);
    exporter.put("insecure", true);
    exporter.put("timeout", "5s");
    exporter.put("retry", Map.of("initial_interval", "500ms", "max_interval", "1s"));
    exporter.put("queue", queueKeys);
    Map<String, Object> sections = new LinkedHashMap<>();
    sections.put("exporter", exporter);
    sections.put("gpu", FakeGpuNode.gpuSection());
    sections.put("self_telemetry", Map.of("enabled", true, "interval", "1s"));
    return sections;
  }

  static AgentProcess start(Path dir, Map<String, Object> sections) {
    return start(dir, sections, List.of());
  }

  static AgentProcess start(Path dir, Map<String, Object> sections, List<String> launcher) {
    try {
      Files.createDirectories(dir);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return AgentProcess.start(
        dir,
        "unused",
        sections,
        FakeGpuNode.environment(SCENARIO),
        AgentProcess.PRODUCTION_JVM_OPTIONS,
        launcher);
  }

  /** The agent's resident set, from {@code /proc/<pid>/status}, in KiB. */
  static long residentKib(AgentProcess agent) {
    try {
      for (String line : Files.readAllLines(Path.of("/proc/" + agent.pid() + "/status"))) {
        if (line.startsWith("VmRSS:")) {
          return Long.parseLong(line.replaceAll("[^0-9]", ""));
        }
      }
    } catch (IOException e) {
      // exited
    }
    return -1;
  }

  /** Acknowledged values that did not arrive. */
  static NavigableSet<Long> lost(NavigableSet<Long> sent, NavigableMap<Long, Integer> received) {
    NavigableSet<Long> lost = new TreeSet<>(sent);
    lost.removeAll(received.keySet());
    return lost;
  }

  /** Values that arrived more than once. */
  static NavigableSet<Long> twice(NavigableMap<Long, Integer> received) {
    NavigableSet<Long> twice = new TreeSet<>();
    received.forEach(
        (value, count) -> {
          if (count > 1) {
            twice.add(value);
          }
        });
    return twice;
  }

  /** "SDK points: N sent (acknowledged), N received, N lost, N twice" for the lead's figures. */
  static String sdkLine(NavigableSet<Long> sent, NavigableMap<Long, Integer> received) {
    long unsent = received.keySet().stream().filter(v -> !sent.contains(v)).count();
    return String.format(
        "SDK points: %d sent (acknowledged by the receiver), %d received, %d lost, %d arrived"
            + " twice %s, %d received that were not acknowledged",
        sent.size(),
        received.keySet().stream().filter(sent::contains).count(),
        lost(sent, received).size(),
        twice(received).size(),
        twice(received).isEmpty() ? "" : twice(received).toString(),
        unsent);
  }

  /** Whether the values in {@code twice} are at most one run of consecutive values (one batch). */
  static boolean oneRun(NavigableSet<Long> twice) {
    return twice.isEmpty() || twice.last() - twice.first() + 1 == twice.size();
  }
}
