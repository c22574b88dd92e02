package io.telegen.frameworks.serving;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The serving frameworks the agent knows, one {@link ServingFramework} each, and the metric
 * groups their {@code metrics:} lists may name. Facts and sources: {@code research/frameworks.md}
 * §1.1-1.11.
 *
 * <p>Adding a framework: its block in {@code io/telegen/frameworks/llm/mapping.yaml}, its profile
 * below (one registration), its source in the catalog, its tests. The order is recognition
 * order: NIM runs a vLLM derivative, so it is asked first.
 */
public final class ServingFrameworks {

  private static final Pattern TF_MONITORING_PATH = Pattern.compile("path\\s*:\\s*\"([^\"]+)\"");

  private static final ServingFramework NIM =
      ServingFramework.builder("nim")
          .endpoint(
              8000,
              "/v1/metrics",
              "NIM serves /v1/metrics on its API port (older releases " + "/metrics)")
          .metricsOnApiPort()
          .recognisedBy(
              a ->
                  a.arg().contains("vllm_nvext")
                      || a.base().equals("nim_llm")
                      || a.base().startsWith("nim-llm")
                      || a.arg().startsWith("/opt/nim/"))
          .modelFrom(ServingFrameworks::vllmModel)
          .modelDirectoryFrom(ServingFrameworks::vllmModelDirectory)
          .build();

  private static final ServingFramework VLLM =
      ServingFramework.builder("vllm")
          .endpoint(
              8000,
              "/metrics",
              "is metrics enabled (vLLM serves /metrics on its API port, "
                  + "SGLang needs --enable-metrics)?")
          .metricsOnApiPort()
          .recognisedBy(
              a ->
                  (a.base().equals("vllm") && a.next().equals("serve"))
                      || a.arg().startsWith("vllm.entrypoints"))
          .modelFrom(ServingFrameworks::vllmModel)
          .modelDirectoryFrom(ServingFrameworks::vllmModelDirectory)
          .sendsSpans((span, service) -> span.equals("llm_request") || service.contains("vllm"))
          .build();

  private static final ServingFramework TGI =
      ServingFramework.builder("tgi")
          .endpoint(
              3000,
              "/metrics",
              "TGI serves /metrics on the router's API port (--port, 80 in "
                  + "the Docker image) and, from v3.3.0, on --prometheus-port (9000)")
          .metricsOnApiPort()
          .recognisedBy(
              a ->
                  a.base().equals("text-generation-router")
                      || a.base().equals("text-generation-launcher"))
          .modelFrom(c -> c.firstFlag("--model-id", "--served-model-name", "--tokenizer-name"))
          .modelDirectoryFrom(c -> c.flag("--model-id"))
          // TGI's metrics carry no model label.
          .modelLookup(
              "/info",
              "TGI answers GET /info on the router's API port",
              json -> JsonStrings.get(json, "model_id"))
          .sendsSpans(
              (span, service) -> service.contains("text-generation") || service.equals("tgi"))
          .build();

  private static final ServingFramework TRITON =
      ServingFramework.builder("triton")
          .endpoint(
              8002,
              "/metrics",
              "Triton serves metrics on --metrics-port (8002), not the "
                  + "inference port 8000; is --allow-metrics=false set?")
          .recognisedBy(a -> a.base().equals("tritonserver"))
          .portFlags("--metrics-port")
          .metricsOffWhen(
              c ->
                  "false".equalsIgnoreCase(c.flag("--allow-metrics"))
                      ? "runs with --allow-metrics=false; no metrics to read"
                      : null)
          .build();

  private static final ServingFramework TENSORFLOW_SERVING =
      ServingFramework.builder("tensorflow_serving")
          .endpoint(
              8501,
              "/monitoring/prometheus/metrics",
              "TF Serving exports metrics only with "
                  + "--rest_api_port and a --monitoring_config_file holding prometheus_config "
                  + "{ enable: true, path: \"/monitoring/prometheus/metrics\" }")
          .recognisedBy(a -> a.base().equals("tensorflow_model_server"))
          .portFlags("--rest_api_port")
          .metricsOffWhen(
              c -> {
                String port = c.flag("--rest_api_port");
                return port == null
                        || port.equals("0")
                        || c.flag("--monitoring_config_file") == null
                    ? "exports no Prometheus metrics: start it with --rest_api_port=8501 and "
                        + "--monitoring_config_file holding prometheus_config { enable: true }"
                    : null;
              })
          .metricsPath(
              (c, readFile) -> {
                String text = readFile.apply(c.flag("--monitoring_config_file"));
                Matcher m = text == null ? null : TF_MONITORING_PATH.matcher(text);
                if (m == null || !m.find()) {
                  return "/monitoring/prometheus/metrics";
                }
                return m.group(1).startsWith("/") ? m.group(1) : "/" + m.group(1);
              })
          .modelFrom(c -> c.flag("--model_name"))
          .build();

  private static final ServingFramework TORCHSERVE =
      ServingFramework.builder("torchserve")
          .endpoint(
              8082,
              "/metrics",
              "TorchServe serves metrics on the metrics port (8082) and has "
                  + "data only with metrics_mode=prometheus in config.properties")
          .recognisedBy(
              a ->
                  a.arg().equals("org.pytorch.serve.ModelServer")
                      || a.arg().startsWith("ts.model_server")
                      || (a.base().equals("torchserve") && !a.next().equals("--stop")))
          .portFlags() // set in config.properties, not on the command line
          .build();

  private static final ServingFramework SGLANG =
      ServingFramework.builder("sglang")
          .endpoint(30000, "/metrics", "is metrics enabled (SGLang needs --enable-metrics)?")
          .metricsOnApiPort()
          .recognisedBy(
              a ->
                  a.arg().startsWith("sglang.launch_server")
                      || (a.base().equals("sglang") && a.next().equals("serve")))
          .metricsOffWhen(
              c ->
                  c.has("--enable-metrics")
                      ? null
                      : "runs without --enable-metrics; restart it with --enable-metrics to get metrics")
          .modelFrom(c -> c.firstFlag("--served-model-name", "--model-path", "--model"))
          .modelDirectoryFrom(c -> c.firstFlag("--model-path", "--model"))
          .build();

  private static final ServingFramework LLAMACPP =
      ServingFramework.builder("llamacpp")
          .endpoint(8080, "/metrics", "is metrics enabled (llama-server needs --metrics)?")
          .metricsOnApiPort()
          .recognisedBy(
              a ->
                  a.base().equals("llama-server")
                      || (a.base().equals("server") && a.arg().contains("llama.cpp")))
          .metricsOffWhen(
              c ->
                  c.has("--metrics")
                      ? null
                      : "runs without --metrics; restart llama-server with --metrics to get metrics")
          .modelFrom(
              c -> {
                String alias = c.firstFlag("--alias", "-a");
                if (alias != null) {
                  return alias;
                }
                String file = c.firstFlag("--model", "-m");
                return file != null
                    ? CommandLine.basename(file)
                    : c.firstFlag("--hf-repo", "-hf", "-hfr");
              })
          // llama.cpp's metrics carry no model label.
          .modelLookup(
              "/props",
              "llama-server answers GET /props on its port",
              ServingFrameworks::llamacppModel)
          .build();

  private static final ServingFramework LMDEPLOY =
      ServingFramework.builder("lmdeploy")
          .endpoint(
              23333,
              "/metrics",
              "is metrics enabled (LMDeploy serves /metrics on "
                  + "--server-port unless --disable-metrics)?")
          .metricsOnApiPort()
          .recognisedBy(a -> a.base().equals("lmdeploy") && a.next().equals("serve"))
          .portFlags("--server-port")
          .metricsOffWhen(
              c ->
                  c.has("--disable-metrics")
                      ? "runs with --disable-metrics; no metrics to read"
                      : null)
          .modelFrom(
              c ->
                  CommandLine.firstNonBlank(
                      c.flag("--model-name"), c.positionalAfter("api_server")))
          .modelDirectoryFrom(c -> c.positionalAfter("api_server"))
          .build();

  // A library, not a server: an application wraps OrtSession with telegen-onnxruntime-otel,
  // which reports llm_* over OTLP to the agent's receiver. Nothing to scrape or recognise.
  private static final ServingFramework ONNXRUNTIME =
      ServingFramework.builder("onnxruntime").build();

  private static final Map<String, ServingFramework> ALL =
      register(
          NIM,
          VLLM,
          TGI,
          TRITON,
          TENSORFLOW_SERVING,
          TORCHSERVE,
          SGLANG,
          LLAMACPP,
          LMDEPLOY,
          ONNXRUNTIME);

  /**
   * The metric groups a framework's {@code metrics:} list may name; each {@code llm_*} metric's
   * group is set in {@code mapping.yaml} under {@code groups}.
   */
  public static final Set<String> METRIC_GROUPS =
      Set.of(
          "request_count",
          "request_duration",
          "time_to_first_token",
          "inter_token_latency",
          "tokens_generated",
          "tokens_per_second",
          "prompt_tokens",
          "queue_depth",
          "batch_size",
          "kv_cache_usage");

  private ServingFrameworks() {}

  private static Map<String, ServingFramework> register(ServingFramework... frameworks) {
    Map<String, ServingFramework> byName = new LinkedHashMap<>();
    for (ServingFramework framework : frameworks) {
      if (byName.put(framework.name(), framework) != null) {
        throw new IllegalStateException("serving framework " + framework + " registered twice");
      }
    }
    return Collections.unmodifiableMap(byName);
  }

  /** Every profile, in recognition order. */
  public static List<ServingFramework> all() {
    return List.copyOf(ALL.values());
  }

  /** The names of every profile: the keys {@code agent.aiml.frameworks} accepts. */
  public static Set<String> names() {
    return Collections.unmodifiableSet(new TreeSet<>(ALL.keySet()));
  }

  /** The names of the frameworks whose metrics are scraped over HTTP, sorted. */
  public static Set<String> scrapedNames() {
    Set<String> names = new TreeSet<>();
    for (ServingFramework framework : ALL.values()) {
      if (framework.scraped()) {
        names.add(framework.name());
      }
    }
    return Collections.unmodifiableSet(names);
  }

  /** The profile named {@code name}, or null. */
  public static ServingFramework get(String name) {
    return ALL.get(name);
  }

  /**
   * The framework a command line runs, or null. The first argument any profile recognises
   * decides; at one argument, the first profile in registration order.
   */
  public static ServingFramework recognise(List<String> argv) {
    for (int i = 0; i < argv.size(); i++) {
      String arg = argv.get(i);
      ServingFramework.Argument argument =
          new ServingFramework.Argument(
              arg, CommandLine.basename(arg), i + 1 < argv.size() ? argv.get(i + 1) : "");
      for (ServingFramework framework : ALL.values()) {
        if (framework.recognises(argument)) {
          return framework;
        }
      }
    }
    return null;
  }

  /**
   * The {@code framework} label of a request span: the first profile that claims it, else the
   * service name as sent (lower-cased), else {@code unknown}.
   */
  public static String ofSpan(String spanName, String serviceName) {
    String service = serviceName == null ? "" : serviceName.toLowerCase();
    for (ServingFramework framework : ALL.values()) {
      if (framework.sentSpan(spanName, service)) {
        return framework.name();
      }
    }
    return service.isEmpty() ? "unknown" : service;
  }

  private static String vllmModel(CommandLine c) {
    return CommandLine.firstNonBlank(
        c.flag("--served-model-name"), c.flag("--model"), c.positionalAfter("serve"));
  }

  private static String vllmModelDirectory(CommandLine c) {
    return CommandLine.firstNonBlank(c.flag("--model"), c.positionalAfter("serve"));
  }

  private static String llamacppModel(String json) {
    String alias = JsonStrings.get(json, "model_alias");
    if (alias != null && !alias.isBlank()) {
      return alias;
    }
    String path = JsonStrings.get(json, "model_path");
    if (path == null) {
      path = JsonStrings.get(json, "model");
    }
    if (path == null || path.isBlank()) {
      return null;
    }
    int slash = Math.max(path.lastIndexOf('/'), path.lastIndexOf('\\'));
    return path.substring(slash + 1);
  }
}
