package io.telegen.agent;

import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.telegen.agent.assembly.Assembled;
import io.telegen.agent.assembly.Capabilities;
import io.telegen.agent.assembly.NodeContext;
import io.telegen.agent.assembly.Scheduled;
import io.telegen.agent.config.AgentConfig;
import io.telegen.agent.schedule.SourceScheduler;
import io.telegen.agent.telemetry.AgentTelemetry;
import java.util.List;
import java.util.function.Consumer;
import java.util.function.UnaryOperator;

/**
 * The sources a configuration asks for, built once by every capability's assembly and shared by
 * {@code run} and {@code collect}, with the plain-words findings the agent logs at start and
 * {@code check} prints.
 */
final class Sources implements AutoCloseable {

  private final AgentTelemetry telemetry;
  private final Assembled assembled;

  private Sources(AgentTelemetry telemetry, Assembled assembled) {
    this.telemetry = telemetry;
    this.assembled = assembled;
  }

  static Sources create(AgentConfig config, long startUnixNanos) {
    AgentTelemetry telemetry = new AgentTelemetry(startUnixNanos);
    NodeContext node = NodeContext.of(config, AgentInfo.nodeName(), startUnixNanos, telemetry);
    return new Sources(telemetry, Capabilities.assemble(node));
  }

  AgentTelemetry telemetry() {
    return telemetry;
  }

  /**
   * Hands every source and discovery to {@code scheduler}, in the order they were found; with
   * {@code exportedOnly}, those {@code run} keeps off the wire are left out. The scheduler closes
   * them.
   */
  void addTo(SourceScheduler scheduler, boolean exportedOnly) {
    for (Scheduled item : assembled.scheduled()) {
      if (item.exported() || !exportedOnly) {
        item.addTo(scheduler);
      }
    }
  }

  List<String> findings() {
    return assembled.findings();
  }

  /** Where the receiver hands accepted trace requests: the span metrics, or nowhere. */
  Consumer<ExportTraceServiceRequest> traceObserver() {
    return assembled.traceObserver().orElse(request -> {});
  }

  /**
   * How the receiver renames the metrics apps push: training metric spellings to the
   * {@code training_*} names when training is on, else unchanged.
   */
  UnaryOperator<String> metricNames() {
    return assembled.metricNames().orElse(UnaryOperator.identity());
  }

  /** Closes every source and discovery (native handles, sampling threads) no scheduler took. */
  @Override
  public void close() {
    for (Scheduled item : assembled.scheduled()) {
      item.close();
    }
  }
}
