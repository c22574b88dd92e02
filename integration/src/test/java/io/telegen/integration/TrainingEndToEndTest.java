package io.telegen.integration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;

/**
 * Training end to end, every part real: a torchrun-like rank (the venv's python with torchrun's
 * environment, writing through tensorboardX and holding its event file open) found by the agent
 * jar in the real {@code /proc}; the real NCCL profiler plugin driven by the C stand-in for NCCL;
 * a job pushing {@code train/loss} over OTLP; all through the stock collector into Prometheus.
 */
final class TrainingEndToEndTest {

  private static final Duration TIMEOUT = Duration.ofSeconds(60);
  private static final String JOB = "e2e-llama";

  private final Cleanup cleanup = new Cleanup();

  @AfterEach
  void stopEverything() {
    cleanup.close();
  }

  @Test
  void aTorchrunRanksTensorboardScalarsAndNcclBytesAnswerTheSpecsQueries(TestInfo testInfo) {
    Path dir = TestLogDir.of(testInfo);
    Path shm = dir.resolve("shm");
    Path script = TelegenTools.repoRoot().resolve("frameworks/src/test/python/write_tfevents.py");
    Map<String, String> torchrun =
        Map.of(
            "RANK",
            "0",
            "LOCAL_RANK",
            "0",
            "WORLD_SIZE",
            "2",
            "MASTER_ADDR",
            "127.0.0.1",
            "MASTER_PORT",
            "29500",
            "TORCHELASTIC_RUN_ID",
            JOB,
            "PYTHONUNBUFFERED",
            "1");
    ExternalProcess rank0 =
        cleanup.register(
            ExternalProcess.start(
                "rank 0 (tensorboardX)",
                List.of(
                    TelegenTools.python().toString(),
                    script.toString(),
                    "--live",
                    dir.resolve("runs/llama").toString(),
                    "--steps",
                    "600",
                    "--interval",
                    "0.2"),
                torchrun,
                dir.resolve("rank0.log")));
    Map<String, String> ncclEnv = new HashMap<>(torchrun);
    ncclEnv.put("TELEGEN_NCCL_DIR", shm.toString());
    ExternalProcess nccl =
        cleanup.register(
            ExternalProcess.start(
                "nccl-driver",
                List.of(
                    TelegenTools.ncclDriver().toString(),
                    TelegenTools.ncclPlugin().toString(),
                    "--hold",
                    "300",
                    "--every",
                    "100"),
                ncclEnv,
                dir.resolve("nccl-driver.log")));

    StockCollector collector = cleanup.register(StockCollector.start(dir));
    PrometheusServer prometheus =
        cleanup.register(PrometheusServer.start(dir, collector.prometheusExporterTarget()));
    Map<String, Object> gpu = new HashMap<>(FakeGpuNode.gpuSection());
    gpu.put("nccl_dir", shm.toString());
    AgentProcess agent =
        cleanup.register(
            AgentProcess.start(
                dir,
                collector.otlpGrpcEndpoint(),
                Map.of(
                    "gpu",
                    gpu,
                    "aiml",
                    Map.of(
                        "frameworks",
                        Map.of(),
                        "scrape_interval",
                        "1s",
                        "training",
                        Map.of("enabled", true))),
                FakeGpuNode.environment("dgx-h100-nvlink")));

    // The rank's scalars, labelled with what /proc says about it.
    String rank = "{job=\"" + JOB + "\",framework=\"pytorch\",rank=\"0\"}";
    List<PrometheusServer.Sample> step =
        prometheus.awaitQuery(
            "training_step" + rank, r -> r.size() == 1 && r.get(0).value() >= 20, TIMEOUT);
    assertEquals(
        dir.resolve("runs/llama").toString(),
        step.get(0).labels().get("run_dir"),
        agent.describe());
    // write_tfevents.py --live logs loss 1/i at step 10 i, and both come from one collection.
    List<PrometheusServer.Sample> product =
        prometheus.awaitQuery(
            "training_loss" + rank + " * training_step" + rank, r -> r.size() == 1, TIMEOUT);
    assertEquals(10.0, product.get(0).value(), 1e-5, product.toString());
    assertEquals(
        (double) 1.0e-4f,
        prometheus
            .awaitQuery("training_learning_rate" + rank, r -> r.size() == 1, TIMEOUT)
            .get(0)
            .value());
    assertEquals(
        0.5,
        prometheus
            .awaitQuery("training_gradient_norm" + rank, r -> r.size() == 1, TIMEOUT)
            .get(0)
            .value());

    // The spec's communication-overhead query over the plugin's counters.
    List<PrometheusServer.Sample> overhead =
        prometheus.awaitQuery(
            "rate(gpu_nccl_send_bytes_total[5m]) + rate(gpu_nccl_recv_bytes_total[5m])",
            r -> !r.isEmpty() && r.stream().allMatch(s -> s.value() > 0),
            TIMEOUT);
    PrometheusServer.Sample allReduce =
        overhead.stream()
            .filter(s -> "AllReduce".equals(s.labels().get("collective")))
            .findFirst()
            .orElseThrow(
                () -> new AssertionError("no AllReduce in " + overhead + "\n" + nccl.describe()));
    assertEquals(JOB, allReduce.labels().get("job"), allReduce.toString());
    assertEquals("0", allReduce.labels().get("rank"), allReduce.toString());

    // A job that pushes OpenTelemetry metrics gets the same names.
    try (JavaSdkClient job = new JavaSdkClient(agent.receiverEndpoint(), "bert-pretrain")) {
      job.meter()
          .gaugeBuilder("train/loss")
          .buildWithCallback(
              m -> m.record(0.4375, Attributes.of(AttributeKey.stringKey("framework"), "pytorch")));
      assertTrue(job.flush(), agent.describe());
    }
    assertEquals(
        0.4375,
        prometheus
            .awaitQuery("training_loss{job=\"bert-pretrain\"}", r -> r.size() == 1, TIMEOUT)
            .get(0)
            .value());
    assertTrue(rank0.isAlive(), rank0.describe());
  }
}
