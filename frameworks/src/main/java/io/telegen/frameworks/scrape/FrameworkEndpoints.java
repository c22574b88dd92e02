package io.telegen.frameworks.scrape;

import java.util.Map;
import java.util.Set;

/**
 * Where each serving framework serves its metrics by default, and what an operator should check
 * when it does not answer. From the frameworks' own documentation (see
 * {@code research/frameworks.md} §1.1).
 */
public final class FrameworkEndpoints {

  /**
   * One framework's defaults.
   *
   * @param defaultPort the port metrics are served on when the command line does not say
   * @param path the metrics path
   * @param advice what to check when the path answers 404 or is not metrics
   */
  public record Endpoint(int defaultPort, String path, String advice) {}

  private static final Map<String, Endpoint> ENDPOINTS = Map.of(
      "vllm", new Endpoint(8000, "/metrics",
          "is metrics enabled (vLLM serves /metrics on its API port, SGLang needs "
              + "--enable-metrics)?"),
      "nim", new Endpoint(8000, "/v1/metrics",
          "NIM serves /v1/metrics on its API port (older releases /metrics)"),
      "tgi", new Endpoint(3000, "/metrics",
          "TGI serves /metrics on the router's API port (--port, 80 in the Docker image) and, "
              + "from v3.3.0, on --prometheus-port (9000)"),
      "triton", new Endpoint(8002, "/metrics",
          "Triton serves metrics on --metrics-port (8002), not the inference port 8000; "
              + "is --allow-metrics=false set?"),
      "tensorflow_serving", new Endpoint(8501, "/monitoring/prometheus/metrics",
          "TF Serving exports metrics only with --rest_api_port and a --monitoring_config_file "
              + "holding prometheus_config { enable: true, path: \"/monitoring/prometheus/metrics\" }"),
      "torchserve", new Endpoint(8082, "/metrics",
          "TorchServe serves metrics on the metrics port (8082) and has data only with "
              + "metrics_mode=prometheus in config.properties"),
      "sglang", new Endpoint(30000, "/metrics",
          "is metrics enabled (SGLang needs --enable-metrics)?"),
      "llamacpp", new Endpoint(8080, "/metrics",
          "is metrics enabled (llama-server needs --metrics)?"),
      "lmdeploy", new Endpoint(23333, "/metrics",
          "is metrics enabled (LMDeploy serves /metrics on --server-port unless "
              + "--disable-metrics)?"));

  private FrameworkEndpoints() {}

  /** The frameworks that serve metrics over HTTP. */
  public static Set<String> frameworks() {
    return ENDPOINTS.keySet();
  }

  /** The defaults of {@code framework}, or null when it serves no metrics over HTTP. */
  public static Endpoint of(String framework) {
    return ENDPOINTS.get(framework);
  }

  /** What to check when {@code framework}'s endpoint does not answer metrics. */
  public static String advice(String framework) {
    Endpoint endpoint = ENDPOINTS.get(framework);
    return endpoint == null ? null : endpoint.advice();
  }
}
