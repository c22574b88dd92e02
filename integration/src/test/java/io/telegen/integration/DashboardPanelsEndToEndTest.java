package io.telegen.integration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import com.sun.net.httpserver.HttpServer;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.telegen.agent.kubernetes.FakeKubelet;
import io.telegen.testsupport.RealPayloads;
import io.telegen.testsupport.Repository;
import io.telegen.testsupport.TestFiles;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;

/**
 * Every panel of the shipped Grafana dashboards ({@code collector-config/grafana/dashboards/})
 * answers end to end: three agent jars (a Kubernetes-style node with a whole GPU and a MIG GPU
 * serving a vLLM endpoint that replays the real payload, a training node with two torchrun ranks,
 * live TensorBoard scalars and the NCCL profiler plugin, and an eight-GPU NVLink node) push through
 * the stock collector with the shipped agent.yaml into a Prometheus that loads the shipped rules.
 * Each panel's every query, read from the dashboards' JSON with the template variables set to
 * "All", must return at least one finite value, so a new panel is tested by being added. The
 * dashboards are also checked against Grafana's dashboard JSON schema.
 */
final class DashboardPanelsEndToEndTest {

  private static final Duration TIMEOUT = Duration.ofSeconds(120);
  private static final String JOB = "llama-finetune";
  // Grafana's $__rate_interval: a window over the whole test, because the replayed vLLM traffic
  // is one step (the capture, then the busier payload) and a shorter window sees rates of zero
  // (NaN quantiles) once it has passed.
  private static final String RATE_INTERVAL = "5m";
  private static final Pattern LABEL_VALUES = Pattern.compile("label_values\\((.+),\\s*(\\w+)\\)");

  private final Cleanup cleanup = new Cleanup();
  private HttpServer vllm;

  @AfterEach
  void stopEverything() {
    if (vllm != null) {
      vllm.stop(0);
    }
    cleanup.close();
  }

  /** One query of one panel (or a template variable's query), as Grafana would send it. */
  record PanelQuery(String dashboard, String panel, String expr) {
    @Override
    public String toString() {
      return dashboard + " / " + panel + ": " + expr;
    }
  }

  @Test
  void dashboardsMatchGrafanasDashboardSchema(TestInfo testInfo) throws IOException {
    Path dir = TestLogDir.of(testInfo);
    Path schema =
        Repository.dir("integration/src/test/resources/grafana")
            .resolve("dashboard.jsonschema.json");
    List<String> command =
        new ArrayList<>(
            List.of(
                TelegenTools.python().toString(),
                Repository.dir("integration/python").resolve("validate_json_schema.py").toString(),
                schema.toString()));
    List<Path> dashboards = dashboards();
    dashboards.forEach(d -> command.add(d.toString()));
    ExternalProcess.Result result =
        ExternalProcess.run(
            "jsonschema", command, Map.of(), dir.resolve("jsonschema.log"), Duration.ofSeconds(60));
    assertEquals(0, result.exitCode(), result.output());
    assertEquals(
        dashboards.size(),
        result.output().lines().filter(l -> l.startsWith("valid ")).count(),
        result.output());
  }

  @Test
  void everyPanelOfEveryDashboardReturnsData(TestInfo testInfo) throws IOException {
    Path dir = TestLogDir.of(testInfo);
    List<PanelQuery> queries = new ArrayList<>();
    for (Path dashboard : dashboards()) {
      queries.addAll(queries(dashboard));
    }
    assertTrue(queries.size() >= 40, "only " + queries.size() + " queries: " + queries);

    StockCollector collector = cleanup.register(StockCollector.start(dir));
    PrometheusServer prometheus =
        cleanup.register(
            PrometheusServer.start(dir, ruleFiles(), false, collector.prometheusExporterTarget()));
    startServingNode(Files.createDirectories(dir.resolve("node-a")), collector);
    AgentProcess training =
        startTrainingNode(Files.createDirectories(dir.resolve("node-b")), collector);
    startNvlinkNode(Files.createDirectories(dir.resolve("node-c")), collector);

    // A job that pushes its own metrics through the agent's receiver (the receiver's panel).
    try (JavaSdkClient job = new JavaSdkClient(training.receiverEndpoint(), "bert-pretrain")) {
      job.meter()
          .gaugeBuilder("train/samples_per_second")
          .buildWithCallback(
              m -> m.record(812.5, Attributes.of(AttributeKey.stringKey("framework"), "pytorch")));
      assertTrue(job.flush(), training.describe());
    }

    long deadline = System.nanoTime() + TIMEOUT.toNanos();
    Map<PanelQuery, List<PrometheusServer.Sample>> empty = new LinkedHashMap<>();
    while (true) {
      empty.clear();
      for (PanelQuery query : queries) {
        List<PrometheusServer.Sample> result = prometheus.query(query.expr());
        if (result.stream().noneMatch(s -> Double.isFinite(s.value()))) {
          empty.put(query, result);
        }
      }
      if (empty.isEmpty() || System.nanoTime() > deadline) {
        break;
      }
      ExternalProcess.sleep(Duration.ofSeconds(2));
    }
    if (!empty.isEmpty()) {
      StringBuilder text = new StringBuilder();
      empty.forEach((q, r) -> text.append("\n  ").append(q).append(" -> ").append(r));
      fail(
          empty.size()
              + " of "
              + queries.size()
              + " dashboard queries returned no finite value within "
              + TIMEOUT
              + ":"
              + text
              + "\n"
              + prometheus.targets());
    }
  }

  @Test
  void theSpecsMemoryPressureCountsAMigNodeOnce(TestInfo testInfo) {
    Path dir = TestLogDir.of(testInfo);
    StockCollector collector = cleanup.register(StockCollector.start(dir));
    PrometheusServer prometheus =
        cleanup.register(
            PrometheusServer.start(dir, ruleFiles(), false, collector.prometheusExporterTarget()));
    cleanup.register(
        AgentProcess.start(
            dir,
            collector.otlpGrpcEndpoint(),
            Map.of("gpu", FakeGpuNode.gpuSection()),
            FakeGpuNode.environment("gpu-and-mig")));

    // gpu-and-mig.conf: GPU 0 whole (29791092736 of 85520809984 bytes), GPU 1 MIG-enabled
    // (11665408000 of 85520809984 on the board, the same bytes again over its four instances).
    double used = 29791092736.0 + 11665408000.0;
    double total = 2 * 85520809984.0;
    List<PrometheusServer.Sample> pressure =
        prometheus.awaitQuery("fleet:gpu_memory_used:percent", r -> r.size() == 1, TIMEOUT);
    assertEquals(used / total * 100, pressure.get(0).value(), 1e-9);
    // The spec's own expression counts the MIG GPU's memory twice.
    double instancesUsed = 11629756416.0 + 12582912 + 11534336 + 11534336;
    double instancesTotal = 42412802048.0 + 21072183296.0 + 2 * 10468982784.0;
    List<PrometheusServer.Sample> spec =
        prometheus.query("sum(gpu_memory_used_bytes) / sum(gpu_memory_total_bytes) * 100");
    assertEquals(
        (used + instancesUsed) / (total + instancesTotal) * 100, spec.get(0).value(), 1e-9);
    // Per memory domain: the whole GPU and the four instances, never the MIG board.
    List<PrometheusServer.Sample> domains =
        prometheus.awaitQuery("memory_domain:gpu_memory_used:ratio", r -> r.size() == 5, TIMEOUT);
    assertEquals(
        4,
        domains.stream().filter(s -> s.labels().containsKey("mig_device")).count(),
        domains.toString());
    // The fleet summary: GPU 0 and the four instances, each once.
    assertEquals(
        5,
        prometheus
            .awaitQuery(
                "count(gpu_utilization_percent and on (uuid) (gpu_up == 1))",
                r -> r.size() == 1 && r.get(0).value() == 5,
                TIMEOUT)
            .get(0)
            .value());
  }

  private void startServingNode(Path dir, StockCollector collector) throws IOException {
    // The kubelet of a Kubernetes node: one pod holds the whole GPU 0 of gpu-and-mig.conf, one
    // the 3g.40gb MIG device of GPU 1. (A unix socket path has at most 107 bytes: not under dir.)
    Path kubeletDir = Files.createTempDirectory("telegen-kubelet-");
    cleanup.register(() -> TestFiles.deleteTree(kubeletDir));
    FakeKubelet kubelet = cleanup.register(FakeKubelet.start(kubeletDir.resolve("kubelet.sock")));
    kubelet
        .pod(
            "serving",
            "vllm-opt-0",
            FakeKubelet.container(
                "vllm", "nvidia.com/gpu", "GPU-c6f87718-6d76-407e-881e-d162ae2eb154"))
        .pod(
            "research",
            "notebook-1",
            FakeKubelet.container(
                "jupyter", "nvidia.com/mig-3g.40gb", "MIG-2ce7a541-c516-5dbc-a76e-26cc100d9b55"));
    byte[] first = RealPayloads.bytes("vllm-datadog-fixture-v0-plus-v1.txt");
    byte[] second =
        Files.readAllBytes(
            Repository.dir("frameworks/src/test/resources/llm").resolve("vllm-second.txt"));
    // vllm-second.txt advances every counter but the end-to-end latency histogram: a third
    // payload finishes one more request, in under a second.
    byte[] third = oneMoreFastRequest(second);
    AtomicInteger scrapes = new AtomicInteger();
    vllm = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    vllm.createContext(
        "/metrics",
        exchange -> {
          // The capture, then the busier payloads: counters grow, so rates are not zero.
          int scrape = scrapes.incrementAndGet();
          byte[] body = scrape <= 6 ? first : scrape <= 12 ? second : third;
          exchange.getResponseHeaders().add("Content-Type", "text/plain; version=0.0.4");
          exchange.sendResponseHeaders(200, body.length);
          try (OutputStream out = exchange.getResponseBody()) {
            out.write(body);
          }
        });
    vllm.start();
    Map<String, Object> aiml =
        Map.of(
            "scrape_interval",
            "1s",
            "frameworks",
            Map.of(
                "vllm",
                Map.of(
                    "metrics_endpoint",
                    "http://127.0.0.1:" + vllm.getAddress().getPort() + "/metrics")));
    cleanup.register(
        AgentProcess.start(
            dir,
            collector.otlpGrpcEndpoint(),
            Map.of(
                "gpu",
                FakeGpuNode.gpuSection(),
                "aiml",
                aiml,
                "kubernetes",
                Map.of("enabled", true, "pod_resources_socket", kubelet.socket().toString())),
            withHost(FakeGpuNode.environment("gpu-and-mig"), "gpu-node-a")));
  }

  /**
   * {@code payload} with one more request in vLLM's end-to-end latency histogram: every bucket
   * (all bounds are at least 1 s) and the count plus one, the sum plus 0.8 s.
   */
  static byte[] oneMoreFastRequest(byte[] payload) {
    String histogram = "vllm:e2e_request_latency_seconds_";
    StringBuilder out = new StringBuilder();
    for (String line : new String(payload, StandardCharsets.UTF_8).split("\n", -1)) {
      if (line.startsWith(histogram)) {
        int space = line.lastIndexOf(' ');
        double value = Double.parseDouble(line.substring(space + 1));
        double added = line.startsWith(histogram + "sum") ? 0.8 : 1;
        line = line.substring(0, space + 1) + (value + added);
      }
      out.append(line).append('\n');
    }
    out.setLength(out.length() - 1);
    return out.toString().getBytes(StandardCharsets.UTF_8);
  }

  private AgentProcess startTrainingNode(Path dir, StockCollector collector) {
    Path runs = dir.resolve("runs");
    Path writer = Repository.dir("frameworks/src/test/python").resolve("write_tfevents.py");
    Map<String, String> torchrun =
        Map.of("RANK", "0", "LOCAL_RANK", "0", "WORLD_SIZE", "2", "TORCHELASTIC_RUN_ID", JOB);
    // The Hugging Face Trainer's end-of-run summary (samples per second) and a live run.
    ExternalProcess.Result fixtures =
        ExternalProcess.run(
            "write_tfevents.py",
            List.of(TelegenTools.python().toString(), writer.toString(), runs.toString()),
            Map.of(),
            dir.resolve("write_tfevents.log"),
            Duration.ofSeconds(60));
    assertEquals(0, fixtures.exitCode(), fixtures.output());
    cleanup.register(
        ExternalProcess.start(
            "rank 0 (tensorboardX)",
            List.of(
                TelegenTools.python().toString(),
                writer.toString(),
                "--live",
                runs.resolve(JOB).toString(),
                "--steps",
                "1000",
                "--interval",
                "0.2"),
            torchrun,
            dir.resolve("rank0.log")));
    Path proc =
        TestFiles.copyTree(
            Repository.dir("frameworks/src/test/resources/training/proc-training-node"),
            dir.resolve("proc"));
    Map<String, Object> trainingSection =
        Map.of(
            "enabled",
            true,
            "log_dirs",
            List.of(runs.resolve(JOB).toString(), runs.resolve("hf_trainer_summary").toString()));
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
                    "frameworks", Map.of(), "scrape_interval", "1s", "training", trainingSection)),
            withHost(FakeGpuNode.environment("two-ranks-on-two-gpus"), "gpu-node-b")));
  }

  /**
   * An eight-GPU NVLink node whose rank runs the real NCCL profiler plugin (driven by the C
   * stand-in for NCCL), found in the real {@code /proc}.
   */
  private void startNvlinkNode(Path dir, StockCollector collector) {
    Path shm = dir.resolve("shm");
    Map<String, String> torchrun =
        Map.of("RANK", "0", "LOCAL_RANK", "0", "WORLD_SIZE", "2", "TORCHELASTIC_RUN_ID", JOB);
    Map<String, String> ncclEnv = new HashMap<>(torchrun);
    ncclEnv.put("TELEGEN_NCCL_DIR", shm.toString());
    cleanup.register(
        ExternalProcess.start(
            "nccl-driver",
            List.of(
                TelegenTools.ncclDriver().toString(),
                TelegenTools.ncclPlugin().toString(),
                "--hold",
                "600",
                "--every",
                "100"),
            ncclEnv,
            dir.resolve("nccl-driver.log")));

    Map<String, Object> gpu = new HashMap<>(FakeGpuNode.gpuSection());
    gpu.put("nccl_dir", shm.toString());
    cleanup.register(
        AgentProcess.start(
            dir,
            collector.otlpGrpcEndpoint(),
            Map.of("gpu", gpu),
            withHost(FakeGpuNode.environment("dgx-h100-nvlink"), "gpu-node-c")));
  }

  private static Map<String, String> withHost(Map<String, String> env, String host) {
    Map<String, String> all = new HashMap<>(env);
    all.put("HOSTNAME", host);
    return all;
  }

  static List<Path> dashboards() throws IOException {
    try (Stream<Path> files =
        Files.list(TelegenTools.repoRoot().resolve("collector-config/grafana/dashboards"))) {
      List<Path> json = files.filter(f -> f.toString().endsWith(".json")).sorted().toList();
      assertTrue(json.size() >= 4, "dashboards: " + json);
      return json;
    }
  }

  private static List<Path> ruleFiles() {
    Path rules = TelegenTools.repoRoot().resolve("collector-config/prometheus/rules");
    return List.of(rules.resolve("telegen-recording.yaml"), rules.resolve("telegen-alerts.yaml"));
  }

  /** Every panel target's and template variable's query of one dashboard, variables at "All". */
  static List<PanelQuery> queries(Path dashboard) throws IOException {
    JsonObject root = JsonParser.parseString(Files.readString(dashboard)).getAsJsonObject();
    String title = root.get("title").getAsString();
    List<PanelQuery> queries = new ArrayList<>();
    Map<String, String> variables = new LinkedHashMap<>();
    for (JsonElement v : root.getAsJsonObject("templating").getAsJsonArray("list")) {
      JsonObject variable = v.getAsJsonObject();
      if (!"query".equals(variable.get("type").getAsString())) {
        continue;
      }
      String name = variable.get("name").getAsString();
      variables.put(name, variable.get("allValue").getAsString());
      Matcher m = LABEL_VALUES.matcher(variable.get("query").getAsString());
      assertTrue(m.matches(), title + ": variable " + name + " is not label_values(...)");
      queries.add(
          new PanelQuery(
              title, "variable $" + name, "count by (" + m.group(2) + ") (" + m.group(1) + ")"));
    }
    collectPanels(title, root.getAsJsonArray("panels"), variables, queries);
    return queries;
  }

  private static void collectPanels(
      String title,
      Iterable<JsonElement> panels,
      Map<String, String> variables,
      List<PanelQuery> queries) {
    for (JsonElement p : panels) {
      JsonObject panel = p.getAsJsonObject();
      if (panel.has("panels")) {
        collectPanels(title, panel.getAsJsonArray("panels"), variables, queries);
      }
      if (!panel.has("targets")) {
        assertTrue(
            "row".equals(panel.get("type").getAsString()),
            title + ": panel " + panel.get("title") + " has no query");
        continue;
      }
      for (JsonElement t : panel.getAsJsonArray("targets")) {
        String expr = t.getAsJsonObject().get("expr").getAsString();
        expr = expr.replace("$__rate_interval", RATE_INTERVAL);
        for (Map.Entry<String, String> variable : variables.entrySet()) {
          expr = expr.replace("$" + variable.getKey(), variable.getValue());
        }
        assertTrue(!expr.contains("$"), title + ": unknown variable in " + expr);
        queries.add(new PanelQuery(title, panel.get("title").getAsString(), expr));
      }
    }
  }
}
