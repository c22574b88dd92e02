package io.telegen.integration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import io.telegen.agent.kubernetes.FakeContainerRuntime;
import io.telegen.agent.kubernetes.FakeKubelet;
import io.telegen.testsupport.Repository;
import io.telegen.testsupport.TestFiles;
import java.nio.file.Files;
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
 *
 * <p>Node A is a Kubernetes node: a fake kubelet (a real gRPC server on a unix socket) says pod
 * {@code ml/llama-finetune-0} holds GPU 0 and {@code ml/llama-finetune-1} GPU 1, and a fake
 * containerd names the pods of the ranks' containers, which their cgroups name. Prometheus
 * answers the GPU series by pod and the ranks' process series by pod and job.
 */
final class MultiNodeTrainingEndToEndTest {

  private static final Duration TIMEOUT = Duration.ofSeconds(60);
  private static final String JOB = "llama-finetune";

  // two-ranks-on-two-gpus.conf: GPU 0 100 % busy with 29791092736 bytes used, GPU 1 87 % with
  // 22024290304 bytes.
  private static final double UTILIZATION_PER_NODE = 100 + 87;
  private static final double MEMORY_PER_NODE = 29791092736.0 + 22024290304.0;

  private static final String GPU_0 = "GPU-c6f87718-6d76-407e-881e-d162ae2eb154";
  private static final String GPU_1 = "GPU-ec66a787-95e7-41d1-b731-af10506bf2ef";
  private static final String POD_0_UID = "3b1f6c2e-0d4a-4e8b-9f7c-5a6b7c8d9e0f";
  private static final String POD_1_UID = "8e7d6c5b-4a39-4281-b7a6-f5e4d3c2b1a0";
  private static final String RANK_0_CONTAINER = "a0".repeat(32);
  private static final String RANK_1_CONTAINER = "a1".repeat(32);

  private final Cleanup cleanup = new Cleanup();

  @AfterEach
  void stopEverything() {
    cleanup.close();
  }

  @Test
  void theSpecsJobQueriesReturnTheGpusOfTheJobOnEveryNode(TestInfo testInfo) throws Exception {
    Path dir = TestLogDir.of(testInfo);
    StockCollector collector = cleanup.register(StockCollector.start(dir));
    PrometheusServer prometheus =
        cleanup.register(PrometheusServer.start(dir, collector.prometheusExporterTarget()));
    // In a pod the host name is the pod's: the DaemonSet passes the node's as NODE_NAME.
    Path proc = trainingNode(dir.resolve("node-a"));
    FakeContainerRuntime.cgroup(proc, 3001, POD_0_UID, RANK_0_CONTAINER);
    FakeContainerRuntime.cgroup(proc, 3002, POD_1_UID, RANK_1_CONTAINER);
    // Unix socket paths are short (108 bytes): the sockets live under a short temporary directory.
    Path sockets = Files.createTempDirectory("k8s");
    cleanup.register(() -> TestFiles.deleteTree(sockets));
    FakeKubelet kubelet =
        cleanup.register(FakeKubelet.start(sockets.resolve("pod-resources/kubelet.sock")));
    kubelet
        .pod(
            "ml",
            "llama-finetune-0",
            FakeKubelet.sidecar("log-shipper"),
            FakeKubelet.container("trainer", "nvidia.com/gpu", GPU_0))
        .pod("ml", "llama-finetune-1", FakeKubelet.container("trainer", "nvidia.com/gpu", GPU_1));
    FakeContainerRuntime runtime =
        cleanup.register(
            FakeContainerRuntime.start(sockets.resolve("containerd/containerd.sock"))
                .container(POD_0_UID, "ml", "llama-finetune-0", "trainer", RANK_0_CONTAINER)
                .container(POD_1_UID, "ml", "llama-finetune-1", "trainer", RANK_1_CONTAINER));
    AgentProcess nodeA =
        startNode(
            dir.resolve("node-a"),
            proc,
            collector,
            Map.of(
                "pod_resources_socket",
                kubelet.socket().toString(),
                "cri_socket",
                runtime.socket().toString()),
            Map.of("NODE_NAME", "gpu-node-a", "HOSTNAME", "telegen-agent-x7k2p"));
    AgentProcess nodeB =
        startNode(
            dir.resolve("node-b"),
            trainingNode(dir.resolve("node-b")),
            collector,
            Map.of("enabled", false),
            Map.of("HOSTNAME", "gpu-node-b"));

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

    // The GPUs of node A by the pods that hold them. The series of a collection before the
    // training source had found the ranks (the pod, no job yet) may still be there: Prometheus
    // keeps a series five minutes after its last point.
    List<PrometheusServer.Sample> pod0 =
        prometheus.awaitQuery(
            "gpu_utilization_percent{k8s_pod=\"llama-finetune-0\"}",
            r -> r.stream().anyMatch(sample -> JOB.equals(sample.labels().get("job"))),
            TIMEOUT);
    for (PrometheusServer.Sample sample : pod0) {
      assertEquals(100.0, sample.value(), describe(nodeA, nodeB));
      assertEquals(GPU_0, sample.labels().get("uuid"));
      assertEquals("ml", sample.labels().get("k8s_namespace"));
      assertEquals("trainer", sample.labels().get("k8s_container"), "not the sidecar");
    }
    PrometheusServer.Sample ofJob =
        pod0.stream().filter(sample -> JOB.equals(sample.labels().get("job"))).findFirst().get();
    assertEquals("gpu-node-a", ofJob.labels().get("node"));

    // The ranks' own process series: their job on both nodes, their pods on node A. Rank 0 is on
    // GPUs 0 and 1, rank 1 on GPU 1.
    Map<String, String> podOfProcess = new TreeMap<>();
    for (PrometheusServer.Sample sample :
        prometheus.awaitQuery(
            "gpu_process_memory_bytes{job=\"" + JOB + "\"}", r -> r.size() == 6, TIMEOUT)) {
      Map<String, String> labels = sample.labels();
      podOfProcess.put(
          labels.get("node") + "/" + labels.get("device") + "/" + labels.get("pid"),
          labels.getOrDefault("k8s_pod", "-"));
    }
    assertEquals(
        Map.of(
            "gpu-node-a/0/3001", "llama-finetune-0",
            "gpu-node-a/1/3001", "llama-finetune-0",
            "gpu-node-a/1/3002", "llama-finetune-1",
            "gpu-node-b/0/3001", "-",
            "gpu-node-b/1/3001", "-",
            "gpu-node-b/1/3002", "-"),
        podOfProcess);
    List<PrometheusServer.Sample> rank1 =
        prometheus.awaitQuery(
            "training_gpu_utilization_percent{k8s_pod=\"llama-finetune-1\"}",
            r -> r.size() == 1,
            TIMEOUT);
    assertEquals("3002", rank1.get(0).labels().get("pid"));
  }

  private static Path trainingNode(Path dir) {
    return TestFiles.copyTree(
        Repository.dir("frameworks/src/test/resources/training/proc-training-node"),
        dir.resolve("proc"));
  }

  private AgentProcess startNode(
      Path dir,
      Path proc,
      StockCollector collector,
      Map<String, Object> kubernetes,
      Map<String, String> env) {
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
                    Map.of("enabled", true)),
                "kubernetes",
                kubernetes),
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
