package io.telegen.integration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import io.telegen.testsupport.Repository;
import io.telegen.testsupport.TestFiles;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;

/**
 * A torchrun-like job on two nodes, end to end: on each node an agent jar reads a fake
 * {@code /proc} with the job's two ranks (pids 3001 and 3002, {@code TORCHELASTIC_RUN_ID}
 * llama-finetune) and the fake NVML, whose scenario lists those pids as processes on its two
 * GPUs. Both push to one stock collector with the shipped agent.yaml; Prometheus answers the
 * spec's multi-node training queries over the GPU series, by the job the ranks give their GPUs
 * and the node each agent runs on: one agent given its Kubernetes node name ({@code NODE_NAME}),
 * the other only its host name.
 */
final class MultiNodeTrainingEndToEndTest {

  private static final Duration TIMEOUT = Duration.ofSeconds(60);
  private static final String JOB = "llama-finetune";

  // two-ranks-on-two-gpus.conf: GPU 0 100 % busy with 29791092736 bytes used, GPU 1 87 % with
  // 22024290304 bytes.
  private static final double UTILIZATION_PER_NODE = 100 + 87;
  private static final double MEMORY_PER_NODE = 29791092736.0 + 22024290304.0;

  private final Cleanup cleanup = new Cleanup();

  @AfterEach
  void stopEverything() {
    cleanup.close();
  }

  @Test
  void theSpecsJobQueriesReturnTheGpusOfTheJobOnEveryNode(TestInfo testInfo) {
    Path dir = TestLogDir.of(testInfo);
    StockCollector collector = cleanup.register(StockCollector.start(dir));
    PrometheusServer prometheus =
        cleanup.register(PrometheusServer.start(dir, collector.prometheusExporterTarget()));
    // In a pod the host name is the pod's: the DaemonSet passes the node's as NODE_NAME.
    AgentProcess nodeA =
        startNode(
            dir.resolve("node-a"),
            collector,
            Map.of("NODE_NAME", "gpu-node-a", "HOSTNAME", "telegen-agent-x7k2p"));
    AgentProcess nodeB =
        startNode(dir.resolve("node-b"), collector, Map.of("HOSTNAME", "gpu-node-b"));

    List<PrometheusServer.Sample> total =
        prometheus.awaitQuery(
            "sum(gpu_utilization_percent{job=\"" + JOB + "\"})",
            r -> r.size() == 1 && r.get(0).value() == 2 * UTILIZATION_PER_NODE,
            TIMEOUT);
    assertEquals(2 * UTILIZATION_PER_NODE, total.get(0).value(), describe(nodeA, nodeB));

    // The spec writes gpu_memory_used_bytes{job="..."} by (node); PromQL takes "by" with an
    // aggregation, so: the series, and their sum per node.
    List<PrometheusServer.Sample> series =
        prometheus.awaitQuery(
            "gpu_memory_used_bytes{job=\"" + JOB + "\"}", r -> r.size() == 4, TIMEOUT);
    Map<String, Integer> gpusPerNode = new TreeMap<>();
    for (PrometheusServer.Sample sample : series) {
      gpusPerNode.merge(sample.labels().get("node"), 1, Integer::sum);
      assertFalse(sample.labels().containsKey("exported_job"), sample.toString());
    }
    assertEquals(Map.of("gpu-node-a", 2, "gpu-node-b", 2), gpusPerNode, series.toString());

    List<PrometheusServer.Sample> byNode =
        prometheus.awaitQuery(
            "sum by (node) (gpu_memory_used_bytes{job=\"" + JOB + "\"})",
            r -> r.size() == 2,
            TIMEOUT);
    Map<String, Double> memory = new TreeMap<>();
    byNode.forEach(s -> memory.put(s.labels().get("node"), s.value()));
    assertEquals(
        Map.of("gpu-node-a", MEMORY_PER_NODE, "gpu-node-b", MEMORY_PER_NODE),
        memory,
        describe(nodeA, nodeB));

    // A process's own series carry no device job: the job is the ranks', not every process's.
    assertEquals(List.of(), prometheus.query("gpu_process_memory_bytes{job=\"" + JOB + "\"}"));
  }

  private AgentProcess startNode(Path dir, StockCollector collector, Map<String, String> env) {
    Path proc =
        TestFiles.copyTree(
            Repository.dir("frameworks/src/test/resources/training/proc-training-node"),
            dir.resolve("proc"));
    Map<String, String> environment =
        new HashMap<>(FakeGpuNode.environment("two-ranks-on-two-gpus"));
    environment.putAll(env);
    return cleanup.register(
        AgentProcess.start(
            dir,
            collector.otlpGrpcEndpoint(),
            Map.of(
                "proc_root",
                proc.toString(),
                "gpu",
                FakeGpuNode.gpuSection(),
                "aiml",
                Map.of(
                    "frameworks",
                    Map.of(),
                    "scrape_interval",
                    "1s",
                    "training",
                    Map.of("enabled", true))),
            environment));
  }

  private static String describe(AgentProcess... agents) {
    StringBuilder text = new StringBuilder();
    for (AgentProcess agent : agents) {
      text.append(agent.describe()).append('\n');
    }
    return text.toString();
  }
}
