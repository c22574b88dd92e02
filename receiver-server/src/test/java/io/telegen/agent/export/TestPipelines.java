package io.telegen.agent.export;

import static io.telegen.agent.export.OtlpRequests.attr;

import io.opentelemetry.proto.common.v1.KeyValue;
import io.telegen.agent.telemetry.AgentTelemetry;
import io.telegen.catalog.MetricCatalog;
import io.telegen.source.Labels;
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

  /** GPU 0, in training job "llama": its series go under the job's resource. */
  static final Labels TRAINING_GPU =
      Labels.of(
              "device", "0", "name", "H100", "uuid", "GPU-0", "pci_bus_id", "a", "vendor", "nvidia")
          .and("job", "llama")
          .and("node", "n");

  /** GPU 1, in no job: its series stay under the agent's resource. */
  private static final Labels OWN_GPU =
      Labels.of(
          "device", "1", "name", "H100", "uuid", "GPU-1", "pci_bus_id", "b", "vendor", "nvidia");

  private TestPipelines() {}

  /**
   * Two metrics with points for both GPUs (utilisation 100 and energy 10 on the training GPU, 3
   * and 20 on the other) and gpu_up for the other only.
   */
  static MetricBatch trainingJobGpus() {
    MetricBatch gpus = new MetricBatch(MetricCatalog.load(), 1);
    gpus.gauge("gpu_utilization_percent", 100, TRAINING_GPU);
    gpus.gauge("gpu_utilization_percent", 3, OWN_GPU);
    gpus.counter("gpu_energy_joules_total", 10, 5L, TRAINING_GPU);
    gpus.counter("gpu_energy_joules_total", 20, 5L, OWN_GPU);
    gpus.gauge("gpu_up", 1, OWN_GPU);
    return gpus;
  }

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
