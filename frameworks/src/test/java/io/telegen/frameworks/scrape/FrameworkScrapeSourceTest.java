package io.telegen.frameworks.scrape;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.metrics.v1.Metric;
import io.opentelemetry.proto.metrics.v1.NumberDataPoint;
import io.telegen.catalog.MetricCatalog;
import io.telegen.frameworks.FakeProc;
import io.telegen.node.GpuProcessSnapshot;
import io.telegen.node.GpuProcessTables;
import io.telegen.node.GpuRef;
import io.telegen.node.GpuVendor;
import io.telegen.node.MigDevice;
import io.telegen.source.Labels;
import io.telegen.source.MetricBatch;
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
  private final HttpScraper scraper =
      new HttpScraper(Duration.ofMillis(800), HttpScraper.DEFAULT_MAX_BYTES);

  @TempDir Path temp;

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
        out.addAll(
            metric.hasSum()
                ? metric.getSum().getDataPointsList()
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
    Files.writeString(config, "prometheus_config { enable: true, path: " + "\"/tf/metrics\" }\n");
    FakeProc.process(
        proc,
        300,
        1,
        List.of(
            "tensorflow_model_server",
            "--port=8500",
            "--rest_api_port=" + server.port(),
            "--model_name=half_plus_two",
            "--monitoring_config_file=" + config));
    FakeProc.tcpListeners(proc, "0.0.0.0", new int[] {8500, server.port()}, new long[] {11, 12});
    FakeProc.fd(proc, 300, 3, "socket:[11]");
    FakeProc.fd(proc, 300, 4, "socket:[12]");

    ServingProcessDiscovery.Server found =
        new ServingProcessDiscovery(proc, Set.of("tensorflow_serving")).discover().servers().get(0);
    assertEquals("tensorflow_serving", found.framework());
    assertEquals(server.uri("/tf/metrics"), found.uri());
    FrameworkScrapeSource source =
        FrameworkScrapeSource.builder(found.framework(), found.uri())
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
    FrameworkScrapeSource source =
        FrameworkScrapeSource.builder("vllm", server.uri("/metrics"))
            .scraper(scraper)
            .pids(List.of(4242, 4243))
            .gpuProcesses(
                GpuProcessTables.of(
                    GpuProcessSnapshot.builder()
                        .uses(4243, gpu(GpuVendor.NVIDIA, 1))
                        .uses(4243, gpu(GpuVendor.NVIDIA, 0))
                        .build()))
            .build();
    String instance = "127.0.0.1:" + server.port();
    assertEquals("vllm", source.name());
    assertEquals("vllm at " + instance, source.logName());

    source.collect(batch());
    MetricBatch second = batch();
    source.collect(second);

    List<String> names = second.metrics().stream().map(Metric::getName).toList();
    assertTrue(names.stream().allMatch(n -> n.startsWith("llm_")), names.toString());
    NumberDataPoint generated = points(second, "llm_tokens_generated_total").get(0);
    assertEquals(7.0, generated.getAsDouble());
    assertEquals(
        Map.of(
            "model", "facebook/opt-125m", "instance", instance, "framework", "vllm", "gpu", "0,1"),
        labels(generated.getAttributesList()));
    assertEquals(5.0, points(second, "llm_prompt_tokens_total").get(0).getAsDouble());
    assertEquals(0.0, points(second, "llm_queue_depth").get(0).getAsDouble());
    assertEquals(Set.of("facebook/opt-125m"), source.modelsSeen());
    assertEquals(new FrameworkScrapeSource.Stats(2, 0, 0, 0, null), source.stats());
  }

  @Test
  void aServerOnAMigDeviceIsLabelledWithItsGpusIndexAndKeepsItWhileTheTableIsEmpty()
      throws Exception {
    server.metrics("/metrics", TestServer.fixture("vllm-datadog-fixture-v0-plus-v1.txt"));
    GpuRef slice =
        GpuRef.mig(GpuVendor.NVIDIA, 2, "GPU-2", new MigDevice("MIG-1", 3, 0, "mig-2g.20gb-1"));
    java.util.concurrent.atomic.AtomicReference<GpuProcessSnapshot> table =
        new java.util.concurrent.atomic.AtomicReference<>(
            GpuProcessSnapshot.builder().uses(4242, slice).build());
    FrameworkScrapeSource source =
        FrameworkScrapeSource.builder("vllm", server.uri("/metrics"))
            .scraper(scraper)
            .pids(List.of(4242))
            .gpuProcesses(table::get)
            .build();

    MetricBatch first = batch();
    source.collect(first);
    table.set(GpuProcessSnapshot.empty()); // NVML missed the process this cycle
    MetricBatch second = batch();
    source.collect(second);

    assertEquals(
        "2", labels(points(first, "llm_queue_depth").get(0).getAttributesList()).get("gpu"));
    assertEquals(
        "2", labels(points(second, "llm_queue_depth").get(0).getAttributesList()).get("gpu"));
  }

  @Test
  void everySeriesOfAServerCarriesThePodOfItsProcessOnceItIsKnown() throws Exception {
    server.metrics("/metrics", TestServer.fixture("vllm-datadog-fixture-v0-plus-v1.txt"));
    Labels pod =
        Labels.of("k8s_pod", "vllm-0", "k8s_namespace", "serving", "k8s_container", "vllm");
    java.util.concurrent.atomic.AtomicReference<Labels> known =
        new java.util.concurrent.atomic.AtomicReference<>(Labels.empty());
    FrameworkScrapeSource source =
        FrameworkScrapeSource.builder("vllm", server.uri("/metrics"))
            .scraper(scraper)
            .pids(List.of(4242, 4243))
            // The API server process is not in the runtime's list yet; its worker is, once known.
            .owners(pid -> pid == 4243 ? known.get() : Labels.empty())
            .build();

    MetricBatch before = batch();
    source.collect(before);
    assertFalse(
        labels(points(before, "llm_queue_depth").get(0).getAttributesList())
            .containsKey("k8s_pod"));

    known.set(pod);
    MetricBatch after = batch();
    source.collect(after);
    for (Metric metric : after.metrics()) {
      for (NumberDataPoint point : points(after, metric.getName())) {
        Map<String, String> labels = labels(point.getAttributesList());
        assertEquals("vllm-0", labels.get("k8s_pod"), metric.getName());
        assertEquals("serving", labels.get("k8s_namespace"), metric.getName());
        assertEquals("vllm", labels.get("k8s_container"), metric.getName());
      }
    }

    known.set(Labels.empty()); // the runtime is away: the pod stays
    MetricBatch away = batch();
    source.collect(away);
    assertEquals(
        "vllm-0",
        labels(points(away, "llm_queue_depth").get(0).getAttributesList()).get("k8s_pod"));
  }

  @Test
  void aFailedScrapeThrowsAndWritesNothing() throws Exception {
    server.metrics("/metrics", TestServer.fixture("vllm-datadog-fixture-v0-plus-v1.txt"));
    server.text("/missing", "text/plain", 404, "not found");
    FrameworkScrapeSource good =
        FrameworkScrapeSource.builder("vllm", server.uri("/metrics")).scraper(scraper).build();
    FrameworkScrapeSource bad =
        FrameworkScrapeSource.builder("sglang", server.uri("/missing")).scraper(scraper).build();
    MetricBatch batch = batch();
    ScrapeException e = assertThrows(ScrapeException.class, () -> bad.collect(batch));
    assertTrue(batch.isEmpty());
    assertTrue(
        e.getMessage()
            .endsWith(
                "answered 404 Not Found; is metrics enabled (SGLang " + "needs --enable-metrics)?"),
        e.getMessage());
    assertEquals(1, bad.stats().failures());
    assertEquals(e.getMessage(), bad.stats().lastError());
    good.collect(batch);
    assertFalse(batch.isEmpty());
  }

  @Test
  void rejectedLinesAreCountedNotFatal() throws Exception {
    String body =
        TestServer.fixture("vllm-datadog-fixture-v0-plus-v1.txt") + "this line { is broken\n";
    server.metrics("/metrics", body);
    FrameworkScrapeSource source =
        FrameworkScrapeSource.builder("vllm", server.uri("/metrics")).scraper(scraper).build();
    MetricBatch batch = batch();
    source.collect(batch);
    assertFalse(batch.isEmpty());
    assertEquals(1, source.stats().rejectedLines());
  }

  @Test
  void tgiTakesItsModelFromInfo() throws Exception {
    AtomicInteger infoCalls = new AtomicInteger();
    server.metrics("/metrics", TestServer.fixture("tgi-datadog-fixture-PREFIX.txt"));
    server.on(
        "/info",
        exchange -> {
          byte[] body =
              "{\"model_id\":\"bigscience/bloom-560m\",\"model_dtype\":\"torch.float16\"}"
                  .getBytes(StandardCharsets.UTF_8);
          infoCalls.incrementAndGet();
          exchange.getResponseHeaders().set("Content-Type", "application/json");
          exchange.sendResponseHeaders(200, body.length);
          exchange.getResponseBody().write(body);
        });
    FrameworkScrapeSource source =
        FrameworkScrapeSource.builder("tgi", server.uri("/metrics")).scraper(scraper).build();
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
    FrameworkScrapeSource source =
        FrameworkScrapeSource.builder("tgi", server.uri("/metrics"))
            .scraper(scraper)
            .model("from-cmdline")
            .build();
    MetricBatch batch = batch();
    source.collect(batch);
    assertEquals("from-cmdline", source.model());
  }

  @Test
  void eachDiscoveredServerIsASourceOfItsOwnUntilItsProcessExits() throws Exception {
    server.metrics("/metrics", TestServer.fixture("vllm-datadog-fixture-v0-plus-v1.txt"));
    TestServer second = new TestServer();
    try {
      second.metrics("/metrics", TestServer.fixture("vllm-datadog-fixture-v0-plus-v1.txt"));
      Path proc = temp.resolve("proc");
      FakeProc.process(
          proc,
          100,
          1,
          List.of(
              "/usr/bin/python3",
              "/usr/local/bin/vllm",
              "serve",
              "facebook/opt-125m",
              "--port",
              Integer.toString(server.port())));
      FakeProc.process(
          proc,
          200,
          1,
          List.of(
              "/usr/bin/python3",
              "/usr/local/bin/vllm",
              "serve",
              "facebook/opt-350m",
              "--port",
              Integer.toString(second.port())));
      FakeProc.tcpListeners(
          proc, "127.0.0.1", new int[] {server.port(), second.port()}, new long[] {1001, 1002});
      FakeProc.fd(proc, 100, 5, "socket:[1001]");
      FakeProc.fd(proc, 200, 5, "socket:[1002]");
      AtomicInteger built = new AtomicInteger();
      try (DiscoveredServers servers =
          new DiscoveredServers(
              new ServingProcessDiscovery(proc, Set.of()),
              s -> {
                built.incrementAndGet();
                return FrameworkScrapeSource.builder(s.framework(), s.uri())
                    .scraper(scraper)
                    .pids(s.pids())
                    .gpuProcesses(
                        GpuProcessTables.of(
                            GpuProcessSnapshot.builder()
                                .uses(100, gpu(GpuVendor.NVIDIA, 3))
                                .build()))
                    .model(s.model())
                    .build();
              },
              Set.of())) {
        List<FrameworkScrapeSource> first = servers.current();
        assertEquals(
            Set.of("vllm at 127.0.0.1:" + server.port(), "vllm at 127.0.0.1:" + second.port()),
            Set.copyOf(first.stream().map(FrameworkScrapeSource::logName).toList()));
        assertEquals(
            List.of("vllm", "vllm"), first.stream().map(FrameworkScrapeSource::name).toList());
        MetricBatch batch = batch();
        first.get(0).collect(batch);
        assertFalse(points(batch, "llm_queue_depth").isEmpty());

        // the same servers keep their sources
        assertEquals(first, servers.current());
        assertEquals(2, built.get());

        deleteTree(proc.resolve("200"));
        List<FrameworkScrapeSource> after = servers.current();
        assertEquals(
            List.of("vllm at 127.0.0.1:" + server.port()),
            after.stream().map(FrameworkScrapeSource::logName).toList());
        assertTrue(
            after.get(0)
                == first.stream()
                    .filter(s -> s.instance().endsWith(":" + server.port()))
                    .findFirst()
                    .orElseThrow());
      }
    } finally {
      second.close();
    }
  }

  private static void deleteTree(Path dir) throws java.io.IOException {
    try (var paths = java.nio.file.Files.walk(dir)) {
      for (Path path : paths.sorted(java.util.Comparator.reverseOrder()).toList()) {
        java.nio.file.Files.delete(path);
      }
    }
  }

  private static GpuRef gpu(GpuVendor vendor, int index) {
    return GpuRef.gpu(vendor, index, "GPU-" + index);
  }
}
