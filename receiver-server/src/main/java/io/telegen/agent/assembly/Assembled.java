package io.telegen.agent.assembly;

import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.telegen.node.DeviceAttribution;
import io.telegen.node.GpuProcessTable;
import io.telegen.node.ProcessAttribution;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.function.UnaryOperator;

/**
 * What a capability's assembly produced: its sources in the order they run, the lines that say
 * what it found, and what it hands the rest of the agent.
 *
 * @param scheduled the capability's sources and discoveries with their intervals, in the order
 *     they were found
 * @param findings plain-words lines, one per thing found or not found; {@code check} prints them
 *     and {@code run} logs them at start
 * @param gpuTables the GPU process tables of a GPU capability (one per vendor), for the
 *     capabilities after it
 * @param traceObserver where the receiver hands each accepted trace request, if anywhere
 * @param metricNames how the receiver renames the metrics apps push, if at all
 * @param deviceAttributions who uses each GPU device (the kubelet's pods), for the GPU sources
 *     after it
 * @param processAttributions who each process belongs to (its pod, the training job of a rank),
 *     for the sources of every capability
 */
public record Assembled(
    List<Scheduled> scheduled,
    List<String> findings,
    List<GpuProcessTable> gpuTables,
    Optional<Consumer<ExportTraceServiceRequest>> traceObserver,
    Optional<UnaryOperator<String>> metricNames,
    List<DeviceAttribution> deviceAttributions,
    List<ProcessAttribution> processAttributions) {

  public Assembled {
    deviceAttributions = List.copyOf(deviceAttributions);
    processAttributions = List.copyOf(processAttributions);
    scheduled = List.copyOf(scheduled);
    findings = List.copyOf(findings);
    gpuTables = List.copyOf(gpuTables);
  }

  /** The sources among {@link #scheduled}, without the discoveries. */
  public List<ScheduledSource> sources() {
    List<ScheduledSource> sources = new ArrayList<>();
    for (Scheduled item : scheduled) {
      if (item instanceof ScheduledSource source) {
        sources.add(source);
      }
    }
    return List.copyOf(sources);
  }

  /** Nothing: a capability that is off and has nothing to say. */
  public static Assembled nothing() {
    return builder().build();
  }

  public static Builder builder() {
    return new Builder();
  }

  /** Collects a capability's sources and findings in order. */
  public static final class Builder {
    private final List<Scheduled> scheduled = new ArrayList<>();
    private final List<String> findings = new ArrayList<>();
    private final List<GpuProcessTable> gpuTables = new ArrayList<>();
    private Consumer<ExportTraceServiceRequest> traceObserver;
    private UnaryOperator<String> metricNames;
    private final List<DeviceAttribution> deviceAttributions = new ArrayList<>();
    private final List<ProcessAttribution> processAttributions = new ArrayList<>();

    private Builder() {}

    /** Labels for the series of the GPU devices someone uses, for the GPU sources after it. */
    public Builder deviceAttribution(DeviceAttribution attribution) {
      deviceAttributions.add(attribution);
      return this;
    }

    /** Labels for the series of processes (their pods, their jobs), for every capability. */
    public Builder processAttribution(ProcessAttribution attribution) {
      processAttributions.add(attribution);
      return this;
    }

    public Builder source(ScheduledSource source) {
      scheduled.add(source);
      return this;
    }

    public Builder discovery(ScheduledDiscovery discovery) {
      scheduled.add(discovery);
      return this;
    }

    public Builder finding(String line) {
      findings.add(line);
      return this;
    }

    /** A GPU vendor's process table; the agent combines every vendor's. */
    public Builder gpuTable(GpuProcessTable table) {
      gpuTables.add(table);
      return this;
    }

    public Builder traceObserver(Consumer<ExportTraceServiceRequest> observer) {
      Consumer<ExportTraceServiceRequest> before = traceObserver;
      traceObserver = before == null ? observer : before.andThen(observer);
      return this;
    }

    public Builder metricNames(UnaryOperator<String> renaming) {
      UnaryOperator<String> before = metricNames;
      metricNames = before == null ? renaming : name -> renaming.apply(before.apply(name));
      return this;
    }

    /** Adds everything {@code other} produced after what is here already. */
    public Builder add(Assembled other) {
      scheduled.addAll(other.scheduled());
      other.findings().forEach(this::finding);
      other.gpuTables().forEach(this::gpuTable);
      other.traceObserver().ifPresent(this::traceObserver);
      other.metricNames().ifPresent(this::metricNames);
      other.deviceAttributions().forEach(this::deviceAttribution);
      other.processAttributions().forEach(this::processAttribution);
      return this;
    }

    public Assembled build() {
      return new Assembled(
          scheduled,
          findings,
          gpuTables,
          Optional.ofNullable(traceObserver),
          Optional.ofNullable(metricNames),
          deviceAttributions,
          processAttributions);
    }
  }
}
