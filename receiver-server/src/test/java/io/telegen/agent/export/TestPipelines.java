package io.telegen.agent.export;

import static io.telegen.agent.export.OtlpRequests.attr;

import io.opentelemetry.proto.common.v1.KeyValue;
import io.telegen.agent.telemetry.AgentTelemetry;
import io.telegen.source.MetricBatch;
import io.telegen.source.MetricSource;
import java.util.List;

/** The agent resource, pipeline and sources the export tests share. */
final class TestPipelines {

  /** An agent's resource as the assembly builds it: host, service, instance and version. */
  static final List<KeyValue> AGENT_RESOURCE =
      List.of(
          attr("host.name", "gpu-node-3"),
          attr("service.name", "telegen-agent"),
          attr("service.instance.id", "gpu-node-3"),
          attr("telegen.agent.version", "1.2.3"));

  private TestPipelines() {}

  /** A pipeline of agent 1.2.3 under {@link #AGENT_RESOURCE} into a queue of 4. */
  static MetricsPipeline agentPipeline(AgentTelemetry telemetry) {
    return new MetricsPipeline(AGENT_RESOURCE, "1.2.3", new MemoryExportQueue(4), telemetry);
  }

  /** A source named {@code name} that collects nothing (the pipeline takes only its name). */
  static MetricSource source(String name) {
    return new MetricSource() {
      @Override
      public String name() {
        return name;
      }

      @Override
      public void collect(MetricBatch batch) {}
    };
  }
}
