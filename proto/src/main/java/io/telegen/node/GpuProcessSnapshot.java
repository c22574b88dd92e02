package io.telegen.node;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Which process uses which GPU and how busy each GPU is, as one GPU source (or all of them,
 * {@link #merge}) saw it at one collection. Immutable, so a reader that takes one snapshot sees
 * one consistent table however often the sources publish.
 */
public final class GpuProcessSnapshot {

  private static final GpuProcessSnapshot EMPTY = new GpuProcessSnapshot(Map.of(), Map.of());

  private final Map<Integer, ProcessGpus> processes;
  private final Map<GpuRef, GpuUtilization> utilizations;

  private GpuProcessSnapshot(
      Map<Integer, ProcessGpus> processes, Map<GpuRef, GpuUtilization> utilizations) {
    this.processes = processes;
    this.utilizations = utilizations;
  }

  /** No process, no GPU: the table of a node without GPUs, or before the first collection. */
  public static GpuProcessSnapshot empty() {
    return EMPTY;
  }

  public static Builder builder() {
    return new Builder();
  }

  /**
   * One snapshot holding every process and utilisation of {@code snapshots}: a process on GPUs
   * of two sources uses the devices of both. GPU references of different vendors never collide.
   */
  public static GpuProcessSnapshot merge(List<GpuProcessSnapshot> snapshots) {
    List<GpuProcessSnapshot> nonEmpty = new ArrayList<>();
    for (GpuProcessSnapshot snapshot : snapshots) {
      if (!snapshot.isEmpty()) {
        nonEmpty.add(snapshot);
      }
    }
    if (nonEmpty.isEmpty()) {
      return EMPTY;
    }
    if (nonEmpty.size() == 1) {
      return nonEmpty.get(0);
    }
    Builder merged = builder();
    for (GpuProcessSnapshot snapshot : nonEmpty) {
      snapshot.processes.values().forEach(p -> p.devices().forEach(d -> merged.uses(p.pid(), d)));
      snapshot.utilizations.values().forEach(u -> merged.utilization(u.gpu(), u.percent()));
    }
    return merged.build();
  }

  /** Every process on a GPU, by pid, in pid order. */
  public Map<Integer, ProcessGpus> processes() {
    return processes;
  }

  /** The GPUs and MIG devices {@code pid} uses, in {@link GpuRef} order; empty when none. */
  public List<GpuRef> gpusOf(int pid) {
    ProcessGpus process = processes.get(pid);
    return process == null ? List.of() : process.devices();
  }

  /** The latest utilisation of {@code gpu}; empty when its source did not read one. */
  public Optional<GpuUtilization> utilization(GpuRef gpu) {
    return Optional.ofNullable(utilizations.get(gpu));
  }

  /** Every utilisation read, in {@link GpuRef} order. */
  public List<GpuUtilization> utilizations() {
    return List.copyOf(utilizations.values());
  }

  public boolean isEmpty() {
    return processes.isEmpty() && utilizations.isEmpty();
  }

  @Override
  public String toString() {
    return "GpuProcessSnapshot{processes="
        + processes.values()
        + ", utilizations="
        + utilizations.values()
        + "}";
  }

  /** Collects one collection's readings; not thread-safe, one builder per collection. */
  public static final class Builder {
    private final Map<Integer, TreeSet<GpuRef>> processes = new TreeMap<>();
    private final Map<GpuRef, GpuUtilization> utilizations = new TreeMap<>();

    private Builder() {}

    /** {@code pid} has a context on {@code device} (a whole GPU or a MIG device). */
    public Builder uses(int pid, GpuRef device) {
      processes.computeIfAbsent(pid, p -> new TreeSet<>()).add(device);
      return this;
    }

    /** {@code gpu} was {@code percent} busy; a later value for the same device replaces it. */
    public Builder utilization(GpuRef gpu, double percent) {
      utilizations.put(gpu, new GpuUtilization(gpu, percent));
      return this;
    }

    public GpuProcessSnapshot build() {
      if (processes.isEmpty() && utilizations.isEmpty()) {
        return EMPTY;
      }
      Map<Integer, ProcessGpus> byPid = new TreeMap<>();
      processes.forEach(
          (pid, devices) -> byPid.put(pid, new ProcessGpus(pid, List.copyOf(devices))));
      return new GpuProcessSnapshot(
          Collections.unmodifiableMap(byPid),
          Collections.unmodifiableMap(new TreeMap<>(utilizations)));
    }
  }
}
