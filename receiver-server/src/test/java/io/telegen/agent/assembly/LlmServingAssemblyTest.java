package io.telegen.agent.assembly;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpServer;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.metrics.v1.Metric;
import io.opentelemetry.proto.metrics.v1.NumberDataPoint;
import io.telegen.agent.traces.LlmSpanMetrics;
import io.telegen.catalog.MetricCatalog;
import io.telegen.frameworks.scrape.DiscoveredServers;
import io.telegen.frameworks.scrape.FrameworkScrapeSource;
import io.telegen.node.GpuProcessSnapshot;
import io.telegen.node.GpuProcessTables;
import io.telegen.node.GpuRef;
import io.telegen.node.GpuVendor;
import io.telegen.source.MetricBatch;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * LLM serving: configured endpoints, discovery in a fake {@code /proc}, what is said about
 * frameworks that are off or cannot be scraped, trace correlation, and the GPU of a local server
 * taken from the node's GPU process table.
 */
class LlmServingAssemblyTest {

  @TempDir Path dir;

  @Test
  void aFrameworkThatIsOffOrALibraryIsSaidSoAndNothingIsScraped() throws Exception {
    Assembled serving =
        new LlmServingAssembly()
            .assemble(
                node(
                    """
        frameworks:
          vllm:
            enabled: false
          onnxruntime: {}
        """));
    assertEquals(
        Set.of(
            "LLM serving: vllm off (agent.aiml.frameworks.vllm.enabled: false)",
            "LLM serving: onnxruntime has no metrics endpoint to scrape (a library, not a server): "
                + "wrap OrtSession with telegen-onnxruntime-otel, which reports to this agent's "
                + "receiver, or serve the model through Triton"),
        Set.copyOf(serving.findings()));
    assertEquals(2, serving.findings().size());
    assertEquals(List.of(), serving.sources());
    assertTrue(serving.traceObserver().isEmpty());
  }

  @Test
  void aConfiguredEndpointIsScrapedOnceEvenWhenTwoFrameworksNameIt() throws Exception {
    Assembled serving =
        new LlmServingAssembly()
            .assemble(
                node(
                    """
        scrape_interval: 15s
        frameworks:
          vllm:
            metrics_endpoint: http://127.0.0.1:8000/metrics
          tgi:
            metrics_endpoint: http://127.0.0.1:8000/metrics
        """));
    assertEquals(2, serving.findings().size(), serving.findings().toString());
    String scraped = serving.findings().get(0);
    assertTrue(
        scraped.matches(
            "LLM serving: (vllm|tgi) at 127\\.0\\.0\\.1:8000 \\(configured, "
                + "http://127\\.0\\.0\\.1:8000/metrics\\), every 15s"),
        scraped);
    assertEquals(
        "LLM serving: http://127.0.0.1:8000/metrics is configured twice; scraped once",
        serving.findings().get(1));
    assertEquals(1, serving.sources().size());
    assertInstanceOf(FrameworkScrapeSource.class, serving.sources().get(0).source());
    assertEquals(Duration.ofSeconds(15), serving.sources().get(0).interval());
  }

  @Test
  void withNothingServingItSaysWhatItLookedForAndKeepsLooking() throws Exception {
    Path proc = Files.createDirectories(dir.resolve("proc/1"));
    Files.writeString(proc.resolve("cmdline"), "/sbin/init\0");
    Assembled serving = new LlmServingAssembly().assemble(node(""));
    assertEquals(
        List.of(
            "LLM serving: no serving process of any of llamacpp, lmdeploy, nim, "
                + "sglang, tensorflow_serving, tgi, torchserve, triton, vllm found under "
                + dir.resolve("proc")
                + "; looking again every 30s. For a server elsewhere (another "
                + "host or network namespace) set agent.aiml.frameworks.<name>.metrics_endpoint"),
        serving.findings());
    assertEquals(1, serving.scheduled().size());
    ScheduledDiscovery discovery = (ScheduledDiscovery) serving.scheduled().get(0);
    assertInstanceOf(DiscoveredServers.class, discovery.discovery());
    assertEquals(Duration.ofSeconds(30), discovery.rediscoverEvery());
    serving.scheduled().forEach(Scheduled::close);

    Assembled vllmOnly =
        new LlmServingAssembly()
            .assemble(
                node(
                    """
        frameworks:
          vllm: {}
        """));
    assertTrue(
        vllmOnly
            .findings()
            .get(0)
            .startsWith("LLM serving: no serving process of vllm " + "found under "),
        vllmOnly.findings().toString());
    vllmOnly.scheduled().forEach(Scheduled::close);
  }

  @Test
  void traceCorrelationAddsTheSpanMetricsAndObservesTheReceiversTraces() throws Exception {
    Assembled serving =
        new LlmServingAssembly()
            .assemble(
                node(
                    """
        trace_correlation: true
        frameworks:
          vllm:
            enabled: false
        """));
    assertEquals(
        List.of(
            "LLM serving: vllm off (agent.aiml.frameworks.vllm.enabled: false)",
            "trace correlation: LLM latency histograms from vLLM request spans sent to the receiver, "
                + "with exemplars linking to the traces"),
        serving.findings());
    LlmSpanMetrics spans =
        assertInstanceOf(LlmSpanMetrics.class, serving.sources().get(0).source());
    assertEquals(spans, serving.traceObserver().orElseThrow());
  }

  @Test
  void aLocalConfiguredServerIsLabelledWithTheGpuItsProcessUses() throws Exception {
    byte[] body =
        "vllm:num_requests_waiting{model_name=\"m\"} 3\n".getBytes(StandardCharsets.UTF_8);
    HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    server.createContext(
        "/metrics",
        exchange -> {
          exchange.sendResponseHeaders(200, body.length);
          try (OutputStream out = exchange.getResponseBody()) {
            out.write(body);
          }
        });
    server.start();
    try {
      int port = server.getAddress().getPort();
      servingProcess(4242, port);
      NodeContext node =
          node("""
          frameworks:
            vllm:
              metrics_endpoint: http://127.0.0.1:%d/metrics
          """
                  .formatted(port))
              .withGpuTables(
                  List.of(
                      GpuProcessTables.of(
                          GpuProcessSnapshot.builder()
                              .uses(4242, GpuRef.gpu(GpuVendor.NVIDIA, 1, "GPU-1"))
                              .build())));
      Assembled serving = new LlmServingAssembly().assemble(node);
      MetricBatch batch = new MetricBatch(MetricCatalog.load(), TestNodes.START);
      serving.sources().get(0).source().collect(batch);
      NumberDataPoint queue =
          batch.metrics().stream()
              .filter(m -> m.getName().equals("llm_queue_depth"))
              .map(Metric::getGauge)
              .flatMap(g -> g.getDataPointsList().stream())
              .findFirst()
              .orElseThrow();
      assertEquals(3.0, queue.getAsDouble());
      assertEquals(
          "1",
          queue.getAttributesList().stream()
              .collect(Collectors.toMap(KeyValue::getKey, a -> a.getValue().getStringValue()))
              .get("gpu"),
          queue.getAttributesList().toString());
    } finally {
      server.stop(0);
    }
  }

  /** A vLLM server process listening on {@code port} in the fake {@code /proc}. */
  private void servingProcess(int pid, int port) throws Exception {
    Path proc = dir.resolve("proc");
    Path fd = Files.createDirectories(proc.resolve(pid + "/fd"));
    Files.write(
        proc.resolve(pid + "/cmdline"),
        ("/usr/bin/python3\0/usr/local/bin/vllm\0serve\0" + "m\0--port\0" + port + "\0")
            .getBytes(StandardCharsets.UTF_8));
    Files.writeString(
        proc.resolve(pid + "/stat"),
        pid
            + " (python3) S 1 "
            + pid
            + " "
            + pid
            + " 0 -1 4194560 0 0 0 0 0 0 0 0 20 0 1 0 100 0 0\n");
    Files.createSymbolicLink(fd.resolve("7"), Path.of("socket:[777001]"));
    Files.createDirectories(proc.resolve("net"));
    Files.writeString(
        proc.resolve("net/tcp"),
        String.format(
            "  sl  local_address rem_address"
                + "   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n"
                + "   0: 00000000:%04X 00000000:0000 0A 00000000:00000000 00:00000000 00000000  1000"
                + "        0 777001 1 0000000000000000 100 0 0 10 0%n",
            port));
  }

  private NodeContext node(String aiml) throws Exception {
    return TestNodes.node(
        """
        proc_root: %s
        aiml:
        %s"""
            .formatted(Files.createDirectories(dir.resolve("proc")), aiml.indent(2)));
  }
}
