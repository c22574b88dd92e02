package io.telegen.frameworks.serving;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.telegen.catalog.MetricCatalog;
import io.telegen.frameworks.llm.LlmNormalizer;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

class ServingFrameworksTest {

  private static final MetricCatalog CATALOG = MetricCatalog.load();

  @Test
  void everyScrapedProfileHasAMappingBlockAndEveryBlockAProfile() {
    assertEquals(ServingFrameworks.scrapedNames(), new TreeSet<>(LlmNormalizer.frameworks()));
    // The one profile without a block reports over OTLP; it has nothing to scrape or recognise.
    ServingFramework onnx = ServingFrameworks.get("onnxruntime");
    assertFalse(onnx.scraped());
    assertFalse(LlmNormalizer.frameworks().contains("onnxruntime"));
  }

  @Test
  void everyProfileIsACatalogServingSourceAndEveryCatalogServingSourceAProfile() {
    assertEquals(ServingFrameworks.names(), new TreeSet<>(CATALOG.sourcesOf("serving_framework")));
    for (String name : ServingFrameworks.names()) {
      assertTrue(CATALOG.sources().containsKey(name), name);
      assertTrue(
          CATALOG.labels().get("framework").contains(name),
          "the framework label's description lists " + name);
    }
  }

  @Test
  void tensorFlowServingHasOneSpelling() {
    assertNull(ServingFrameworks.get("tf_serving"));
    ServingFramework tf = ServingFrameworks.get("tensorflow_serving");
    assertEquals("tensorflow_serving", tf.name());
    assertEquals(8501, tf.endpoint().defaultPort());
    assertEquals("/monitoring/prometheus/metrics", tf.endpoint().path());
    assertFalse(CATALOG.sources().containsKey("tf_serving"));
  }

  @Test
  void namesAreSortedAndScrapedNamesLeaveTheLibraryOut() {
    assertEquals(
        List.of(
            "llamacpp",
            "lmdeploy",
            "nim",
            "onnxruntime",
            "sglang",
            "tensorflow_serving",
            "tgi",
            "torchserve",
            "triton",
            "vllm"),
        List.copyOf(ServingFrameworks.names()));
    assertEquals(9, ServingFrameworks.scrapedNames().size());
    assertFalse(ServingFrameworks.scrapedNames().contains("onnxruntime"));
  }

  @Test
  void recognitionAsksNimBeforeVllm() {
    assertSame(
        ServingFrameworks.get("nim"),
        ServingFrameworks.recognise(
            List.of("python3", "-m", "vllm_nvext.entrypoints.openai.api_server", "--model", "m")));
    assertSame(
        ServingFrameworks.get("vllm"),
        ServingFrameworks.recognise(List.of("vllm", "serve", "facebook/opt-125m")));
    assertNull(ServingFrameworks.recognise(List.of("torchserve", "--stop")));
    assertNull(ServingFrameworks.recognise(List.of("python", "train.py")));
  }

  @Test
  void commandLineGivesPortModelTensorParallelAndKvCacheDtype() {
    ServingFramework vllm = ServingFrameworks.get("vllm");
    CommandLine command =
        new CommandLine(
            List.of(
                "vllm",
                "serve",
                "/models/llama",
                "--port=9000",
                "--served-model-name",
                "llama",
                "-tp",
                "4",
                "--kv-cache-dtype",
                "fp8"));
    assertEquals("9000", vllm.metricsPort(command));
    assertEquals("llama", vllm.model(command));
    assertEquals("/models/llama", vllm.modelDirectory(command));
    assertEquals("4", vllm.tensorParallel(command));
    assertEquals("fp8", vllm.kvCacheDtype(command));
    assertTrue(vllm.metricsOnApiPort());
    assertNull(vllm.metricsOff(command));

    ServingFramework triton = ServingFrameworks.get("triton");
    CommandLine tritonCommand =
        new CommandLine(List.of("tritonserver", "--metrics-port", "9002", "--port", "8000"));
    assertEquals("9002", triton.metricsPort(tritonCommand));
    assertFalse(triton.metricsOnApiPort());
    assertEquals(
        "runs with --allow-metrics=false; no metrics to read",
        triton.metricsOff(new CommandLine(List.of("tritonserver", "--allow-metrics=false"))));

    ServingFramework torchserve = ServingFrameworks.get("torchserve");
    assertNull(torchserve.metricsPort(new CommandLine(List.of("torchserve", "--port", "1"))));
  }

  @Test
  void tensorFlowServingReadsItsPathFromTheMonitoringConfig() {
    ServingFramework tf = ServingFrameworks.get("tensorflow_serving");
    CommandLine command =
        new CommandLine(
            List.of(
                "tensorflow_model_server",
                "--rest_api_port=8501",
                "--monitoring_config_file=/etc/mon.config",
                "--model_name=resnet"));
    Map<String, String> files =
        Map.of("/etc/mon.config", "prometheus_config { enable: true, path: \"tf/metrics\" }");
    assertNull(tf.metricsOff(command));
    assertEquals("/tf/metrics", tf.metricsPath(command, files::get));
    assertEquals("/monitoring/prometheus/metrics", tf.metricsPath(command, file -> null));
    assertEquals("resnet", tf.model(command));
    assertTrue(
        tf.metricsOff(
                new CommandLine(
                    List.of(
                        "tensorflow_model_server",
                        "--rest_api_port=0",
                        "--monitoring_config_file=/etc/mon.config")))
            .startsWith("exports no Prometheus metrics"));
  }

  @Test
  void modelLookupReadsTheFrameworksJson() {
    ServingFramework.ModelLookup tgi = ServingFrameworks.get("tgi").modelLookup();
    assertEquals("/info", tgi.path());
    assertEquals(
        "bigscience/bloom-560m", tgi.model().apply("{\"model_id\":\"bigscience/bloom-560m\"}"));
    ServingFramework.ModelLookup llamacpp = ServingFrameworks.get("llamacpp").modelLookup();
    assertEquals("/props", llamacpp.path());
    assertEquals("qwen", llamacpp.model().apply("{\"model_alias\":\"qwen\"}"));
    assertEquals("q.gguf", llamacpp.model().apply("{\"model_path\":\"/m/q.gguf\"}"));
    assertNull(llamacpp.model().apply("{}"));
    // Frameworks whose metrics carry the model need no lookup.
    assertNull(ServingFrameworks.get("vllm").modelLookup());
    assertNull(ServingFrameworks.get("tensorflow_serving").modelLookup());
  }

  @Test
  void spansAreToldApartByTheProfiles() {
    assertEquals("vllm", ServingFrameworks.ofSpan("llm_request", null));
    assertEquals("vllm", ServingFrameworks.ofSpan("POST /v1/chat", "My-vLLM"));
    assertEquals("tgi", ServingFrameworks.ofSpan("generate", "text-generation-inference"));
    assertEquals("tgi", ServingFrameworks.ofSpan("generate", "TGI"));
    assertEquals("my-service", ServingFrameworks.ofSpan("generate", "My-Service"));
    assertEquals("unknown", ServingFrameworks.ofSpan("generate", ""));
  }
}
