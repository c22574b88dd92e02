package io.telegen.frameworks.scrape;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.metrics.v1.Metric;
import io.opentelemetry.proto.metrics.v1.NumberDataPoint;
import io.telegen.catalog.MetricCatalog;
import io.telegen.node.GpuProcessSnapshot;
import io.telegen.node.GpuProcessTables;
import io.telegen.node.GpuRef;
import io.telegen.node.GpuVendor;
import io.telegen.node.MigDevice;
import io.telegen.source.MetricBatch;
import io.telegen.frameworks.FakeProc;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FrameworkScrapeSourceTest {

  private TestServer server;
  private final HttpScraper scraper = new HttpScraper(Duration.ofMillis(800),
      HttpScraper.DEFAULT_MAX_BYTES);

  @TempDir
  Path temp;

  @BeforeEach
  void start() throws Exception {
    server = new TestServer();
  }

  @AfterEach
  void stop() {
    server.close();
  }

  static MetricBatch batch() {
    return new MetricBatch(MetricCatalog.load(), System.currentTimeMillis() * 1_000_000L);
  }

  static Map<String, String> labels(List<KeyValue> attributes) {
    Map<String, String> out = new LinkedHashMap<>();
    attributes.forEach(kv -> out.put(kv.getKey(), kv.getValue().getStringValue()));
    return out;
  }

  /** The number points of {@code name}: one per label set. */
  static List<NumberDataPoint> points(MetricBatch batch, String name) {
    List<NumberDataPoint> out = new ArrayList<>();
    for (Metric metric : batch.metrics()) {
      if (metric.getName().equals(name)) {
        out.addAll(metric.hasSum() ? metric.getSum().getDataPointsList()
            : metric.getGauge().getDataPointsList());
      }
    }
    return out;
  }

  @Test
  void tensorFlowServingIsFoundScrapedAndLabelledUnderItsOneSpelling() throws Exception {
    String body;
    try (InputStream in = getClass().getResourceAsStream("/llm/tfserving-first.txt")) {
      body = new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
    server.metrics("/tf/metrics", body);
    Path proc = temp.resolve("proc");
    Files.createDirectories(proc);
    Path config = temp.resolve("monitoring.config");
    Files.writeString(config, "prometheus_config { enable: true, path: "
        + "\"/tf/metrics\" }\n");
    FakeProc.process(proc, 300, 1, List.of("tensorflow_model_server", "--port=8500",
        "--rest_api_port=" + server.port(), "--model_name=half_plus_two",
        "--monitoring_config_file=" + config));
    FakeProc.tcpListeners(proc, "0.0.0.0", new int[] {8500, server.port()}, new long[] {11, 12});
    FakeProc.fd(proc, 300, 3, "socket:[11]");
    FakeProc.fd(proc, 300, 4, "socket:[12]");

    ServingProcessDiscovery.Server found = new ServingProcessDiscovery(proc,
        Set.of("tensorflow_serving")).discover().servers().get(0);
    assertEquals("tensorflow_serving", found.framework());
    assertEquals(server.uri("/tf/metrics"), found.uri());
    FrameworkScrapeSource source = FrameworkScrapeSource.builder(found.framework(), found.uri())
        .scraper(scraper)
        .model(found.model())
        .build();
    MetricBatch batch = batch();
    source.collect(batch);

    List<NumberDataPoint> requests = points(batch, "llm_request_total");
    assertEquals(2, requests.size(), batch.metrics().toString());
    for (NumberDataPoint point : requests) {
      Map<String, String> labels = labels(point.getAttributesList());
      assertEquals("tensorflow_serving", labels.get("framework"));
      assertEquals("half_plus_two", labels.get("model"));
    }
  }

  @Test
  void scrapesVllmIntoLlmSeries() throws Exception {
    server.metrics("/metrics", TestServer.fixture("vllm-datadog-fixture-v0-plus-v1.txt"));
    FrameworkScrapeSource source = FrameworkScrapeSource.builder("vllm", server.uri("/metrics"))
        .scraper(scraper)
        .pids(List.of(4242, 4243))
        .gpuProcesses(GpuProcessTables.of(GpuProcessSnapshot.builder()
            .uses(4243, gpu(GpuVendor.NVIDIA, 1)).uses(4243, gpu(GpuVendor.NVIDIA, 0)).build()))
        .build();
    String instance = "127.0.0.1:" + server.port();
    assertEquals("vllm@" + instance, source.name());

    source.collect(batch());
    MetricBatch second = batch();
    source.collect(second);

    List<String> names = second.metrics().stream().map(Metric::getName).toList();
    assertTrue(names.stream().allMatch(n -> n.startsWith("llm_")), names.toString());
    NumberDataPoint generated = points(second, "llm_tokens_generated_total").get(0);
    assertEquals(7.0, generated.getAsDouble());
    assertEquals(Map.of("model", "facebook/opt-125m", "instance", instance, "framework", "vllm",
        "gpu", "0,1"), labels(generated.getAttributesList()));
    assertEquals(5.0, points(second, "llm_prompt_tokens_total").get(0).getAsDouble());
    assertEquals(0.0, points(second, "llm_queue_depth").get(0).getAsDouble());
    assertEquals(Set.of("facebook/opt-125m"), source.modelsSeen());
    assertEquals(new FrameworkScrapeSource.Stats(2, 0, 0, 0, null), source.stats());
  }

  @Test
  void aServerOnAMigDeviceIsLabelledWithItsGpusIndexAndKeepsItWhileTheTableIsEmpty()
      throws Exception {
    server.metrics("/metrics", TestServer.fixture("vllm-datadog-fixture-v0-plus-v1.txt"));
    GpuRef slice = GpuRef.mig(GpuVendor.NVIDIA, 2, "GPU-2",
        new MigDevice("MIG-1", 3, 0, "mig-2g.20gb-1"));
    java.util.concurrent.atomic.AtomicReference<GpuProcessSnapshot> table =
        new java.util.concurrent.atomic.AtomicReference<>(
            GpuProcessSnapshot.builder().uses(4242, slice).build());
    FrameworkScrapeSource source = FrameworkScrapeSource.builder("vllm", server.uri("/metrics"))
        .scraper(scraper)
        .pids(List.of(4242))
        .gpuProcesses(table::get)
        .build();

    MetricBatch first = batch();
    source.collect(first);
    table.set(GpuProcessSnapshot.empty()); // NVML missed the process this cycle
    MetricBatch second = batch();
    source.collect(second);

    assertEquals("2", labels(points(first, "llm_queue_depth").get(0).getAttributesList())
        .get("gpu"));
    assertEquals("2", labels(points(second, "llm_queue_depth").get(0).getAttributesList())
        .get("gpu"));
  }

  @Test
  void aFailedScrapeThrowsAndWritesNothing() throws Exception {
    server.metrics("/metrics", TestServer.fixture("vllm-datadog-fixture-v0-plus-v1.txt"));
    server.text("/missing", "text/plain", 404, "not found");
    FrameworkScrapeSource good = FrameworkScrapeSource.builder("vllm", server.uri("/metrics"))
        .scraper(scraper).build();
    FrameworkScrapeSource bad = FrameworkScrapeSource.builder("sglang", server.uri("/missing"))
        .scraper(scraper).build();
    MetricBatch batch = batch();
    ScrapeException e = assertThrows(ScrapeException.class, () -> bad.collect(batch));
    assertTrue(batch.isEmpty());
    assertTrue(e.getMessage().endsWith("answered 404 Not Found; is metrics enabled (SGLang "
        + "needs --enable-metrics)?"), e.getMessage());
    assertEquals(1, bad.stats().failures());
    assertEquals(e.getMessage(), bad.stats().lastError());
    good.collect(batch);
    assertFalse(batch.isEmpty());
  }

  @Test
  void rejectedLinesAreCountedNotFatal() throws Exception {
    String body = TestServer.fixture("vllm-datadog-fixture-v0-plus-v1.txt")
        + "this line { is broken\n";
    server.metrics("/metrics", body);
    FrameworkScrapeSource source = FrameworkScrapeSource.builder("vllm", server.uri("/metrics"))
        .scraper(scraper).build();
    MetricBatch batch = batch();
    source.collect(batch);
    assertFalse(batch.isEmpty());
    assertEquals(1, source.stats().rejectedLines());
  }

  @Test
  void tgiTakesItsModelFromInfo() throws Exception {
    AtomicInteger infoCalls = new AtomicInteger();
    server.metrics("/metrics", TestServer.fixture("tgi-datadog-fixture-PREFIX.txt"));
    server.on("/info", exchange -> {
      byte[] body = "{\"model_id\":\"bigscience/bloom-560m\",\"model_dtype\":\"torch.float16\"}"
          .getBytes(StandardCharsets.UTF_8);
      infoCalls.incrementAndGet();
      exchange.getResponseHeaders().set("Content-Type", "application/json");
      exchange.sendResponseHeaders(200, body.length);
      exchange.getResponseBody().write(body);
    });
    FrameworkScrapeSource source = FrameworkScrapeSource.builder("tgi", server.uri("/metrics"))
        .scraper(scraper).build();
    source.collect(batch());
    MetricBatch batch = batch();
    source.collect(batch);
    assertEquals("bigscience/bloom-560m", source.model());
    assertEquals(1, infoCalls.get(), "/info is asked once");
    assertFalse(batch.isEmpty());
    for (Metric metric : batch.metrics()) {
      List<NumberDataPoint> pts = points(batch, metric.getName());
      List<List<KeyValue>> attrs = new ArrayList<>();
      pts.forEach(p -> attrs.add(p.getAttributesList()));
      metric.getHistogram().getDataPointsList().forEach(p -> attrs.add(p.getAttributesList()));
      for (List<KeyValue> a : attrs) {
        assertEquals("bigscience/bloom-560m", labels(a).get("model"), metric.getName());
        assertEquals("tgi", labels(a).get("framework"));
      }
    }
  }

  @Test
  void tgiWithoutInfoFallsBackToTheCommandLineModelAndRetriesLater() throws Exception {
    server.metrics("/metrics", TestServer.fixture("tgi-datadog-fixture-PREFIX.txt"));
    server.text("/info", "text/plain", 503, "loading");
    FrameworkScrapeSource source = FrameworkScrapeSource.builder("tgi", server.uri("/metrics"))
        .scraper(scraper).model("from-cmdline").build();
    MetricBatch batch = batch();
    source.collect(batch);
    assertEquals("from-cmdline", source.model());
  }

  @Test
  void discoveredServersAreScrapedTogetherAndAHangingOneCostsOnlyItself() throws Exception {
    server.metrics("/metrics", TestServer.fixture("vllm-datadog-fixture-v0-plus-v1.txt"));
    TestServer hanging = new TestServer();
    try {
      hanging.hang("/metrics");
      Path proc = temp.resolve("proc");
      FakeProc.process(proc, 100, 1, List.of("/usr/bin/python3", "/usr/local/bin/vllm", "serve",
          "facebook/opt-125m", "--port", Integer.toString(server.port())));
      FakeProc.process(proc, 200, 1, List.of("tritonserver", "--model-repository=/models",
          "--metrics-port=" + hanging.port()));
      FakeProc.tcpListeners(proc, "127.0.0.1", new int[] {server.port(), hanging.port()},
          new long[] {1001, 1002});
      FakeProc.fd(proc, 100, 5, "socket:[1001]");
      FakeProc.fd(proc, 200, 5, "socket:[1002]");
      DiscoveredServersSource source = new DiscoveredServersSource(
          new ServingProcessDiscovery(proc, Set.of()),
          s -> FrameworkScrapeSource.builder(s.framework(), s.uri()).scraper(scraper)
              .pids(s.pids()).gpuProcesses(GpuProcessTables.of(GpuProcessSnapshot.builder()
                  .uses(100, gpu(GpuVendor.NVIDIA, 3)).build())).model(s.model()).build(),
          Duration.ofSeconds(30), Duration.ofMillis(1500), Set.of());
      try {
        long started = System.nanoTime();
        MetricBatch batch = batch();
        source.collect(batch);
        long millis = (System.nanoTime() - started) / 1_000_000;
        assertTrue(millis < 1500, "took " + millis + " ms");
        assertEquals(2, source.sources().size());
        NumberDataPoint queue = points(batch, "llm_queue_depth").get(0);
        assertEquals("3", labels(queue.getAttributesList()).get("gpu"));
        assertEquals("127.0.0.1:" + server.port(),
            labels(queue.getAttributesList()).get("instance"));
        FrameworkScrapeSource triton = source.sources().stream()
            .filter(s -> s.framework().equals("triton")).findFirst().orElseThrow();
        assertEquals(ScrapeException.Reason.TIMEOUT.name().length() > 0, true);
        assertTrue(triton.stats().lastError().contains("timed out"), triton.stats().lastError());
      } finally {
        source.close();
      }
    } finally {
      hanging.close();
    }
  }

  private static GpuRef gpu(GpuVendor vendor, int index) {
    return GpuRef.gpu(vendor, index, "GPU-" + index);
  }
}
