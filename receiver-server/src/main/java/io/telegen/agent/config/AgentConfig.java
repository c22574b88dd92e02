package io.telegen.agent.config;

import io.telegen.agent.naming.MetricNaming;
import io.telegen.gpu.GpuOptions;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The agent's whole configuration, immutable, as read from the YAML under {@code agent:} and the
 * standard OpenTelemetry environment variables. {@link ConfigLoader} is the only producer; the
 * defaults are there, or in the module's builder for a module's options ({@link GpuOptions}).
 *
 * @param origin where it came from: a file path or "embedded default"
 * @param procRoot where the host's {@code /proc} is visible (a container mounts it elsewhere)
 * @param naming {@code agent.naming}: the spec's names, the semantic-convention names, or both
 */
public record AgentConfig(
    String origin,
    Path procRoot,
    String serviceName,
    Map<String, String> resourceAttributes,
    Exporter exporter,
    Receiver receiver,
    SelfTelemetry selfTelemetry,
    Gpu gpu,
    Aiml aiml,
    Kubernetes kubernetes,
    MetricNaming naming) {

  /**
   * Pods from the kubelet ({@code agent.kubernetes}).
   *
   * @param enabled {@code agent.kubernetes.enabled} when set; unset means on when the socket
   *     exists
   * @param podResourcesSocket the kubelet's PodResources socket
   * @param criSocket {@code agent.kubernetes.cri_socket}, the container runtime's CRI socket that
   *     names the pod of each process's container, when set; unset means the first of {@link
   *     #DEFAULT_CRI_SOCKETS} that exists
   */
  public record Kubernetes(
      Optional<Boolean> enabled, Path podResourcesSocket, Optional<Path> criSocket) {

    /** Where kubelets serve the PodResources API. */
    public static final Path DEFAULT_POD_RESOURCES_SOCKET =
        Path.of("/var/lib/kubelet/pod-resources/kubelet.sock");

    /** Where containerd and CRI-O serve CRI, in the order they are looked for. */
    public static final List<Path> DEFAULT_CRI_SOCKETS =
        List.of(Path.of("/run/containerd/containerd.sock"), Path.of("/var/run/crio/crio.sock"));
  }

  /**
   * Where and how the agent pushes OTLP/gRPC.
   *
   * @param host collector host
   * @param port collector port
   * @param tls whether to use TLS (an {@code https://} endpoint, or {@code insecure: false})
   * @param compression {@code gzip} or {@code none}
   * @param queueDirectory {@code queue.directory}, when set: the queue is kept on disk there
   * @param queueMaxBytes {@code queue.max_bytes}: the most the queue holds on disk
   * @param shutdownTimeout {@code shutdown_timeout}: how long a stopping agent goes on delivering
   *     what it holds only in memory
   */
  public record Exporter(
      String host,
      int port,
      boolean tls,
      Tls tlsFiles,
      String compression,
      Duration timeout,
      Map<String, String> headers,
      Duration retryInitialInterval,
      Duration retryMaxInterval,
      int queueMaxRequests,
      Optional<Path> queueDirectory,
      long queueMaxBytes,
      Duration shutdownTimeout) {

    /** The most the disk queue holds unless told otherwise. */
    public static final long DEFAULT_QUEUE_MAX_BYTES = 256L * 1024 * 1024;

    /**
     * How long a stopping agent goes on delivering what it holds only in memory unless told
     * otherwise: well within the 30 s the kubelet and the 90 s systemd give before SIGKILL.
     */
    public static final Duration DEFAULT_SHUTDOWN_TIMEOUT = Duration.ofSeconds(5);

    /** {@code host:port} as a log line or error shows it. */
    public String target() {
      return (tls ? "https://" : "http://") + host + ":" + port;
    }
  }

  /** PEM files for TLS; each may be null (system trust store, no client certificate). */
  public record Tls(Path caFile, Path certFile, Path keyFile) {}

  /**
   * The OTLP/gRPC receiver that apps and jobs send to.
   *
   * @param tls {@code agent.receiver.tls}, when set: the receiver serves TLS only
   * @param bearerTokenFile {@code agent.receiver.auth.bearer_token_file}, when set: every OTLP
   *     request must carry {@code authorization: Bearer <the file's token>}
   */
  public record Receiver(
      boolean enabled,
      String host,
      int port,
      long maxRequestBytes,
      Optional<ReceiverTls> tls,
      Optional<Path> bearerTokenFile) {

    /** A receiver without TLS or authentication. */
    public Receiver(boolean enabled, String host, int port, long maxRequestBytes) {
      this(enabled, host, port, maxRequestBytes, Optional.empty(), Optional.empty());
    }
  }

  /**
   * The receiver's TLS ({@code agent.receiver.tls}).
   *
   * @param certFile {@code cert_file}: the receiver's certificate chain (PEM)
   * @param keyFile {@code key_file}: its private key (PEM, PKCS#8)
   * @param clientCaFile {@code client_ca_file}, when set: clients must present a certificate this
   *     CA signed (mutual TLS)
   */
  public record ReceiverTls(Path certFile, Path keyFile, Optional<Path> clientCaFile) {}

  /** The agent's own {@code telegen_agent_*} metrics. */
  public record SelfTelemetry(boolean enabled, Duration interval) {}

  /**
   * {@code agent.gpu}, as the spec shows it, plus where GPU communication counters are read.
   *
   * @param nvidia {@code nvidia}: NVIDIA GPUs through NVML (default on)
   * @param amd {@code amd}: AMD GPUs through AMD SMI (default off, as in the spec)
   * @param options what the GPU sources collect, with {@code agent.proc_root}
   * @param ncclDir {@code nccl_dir}: where the NCCL profiler plugin's counter files are, the
   *     jobs' {@code TELEGEN_NCCL_DIR} as the agent sees it
   * @param sysRoot {@code sys_root}: where the host's {@code /sys} is, for InfiniBand counters
   */
  public record Gpu(
      boolean enabled,
      boolean nvidia,
      boolean amd,
      GpuOptions options,
      Path ncclDir,
      Path sysRoot) {

    /** {@code poll_interval}: how often the GPU and GPU communication sources run. */
    public Duration pollInterval() {
      return options.pollInterval();
    }
  }

  /**
   * {@code agent.aiml}.
   *
   * @param scrapeInterval how often serving frameworks' metrics are scraped
   */
  public record Aiml(
      Map<String, Framework> frameworks,
      boolean traceCorrelation,
      Duration scrapeInterval,
      Training training) {}

  /**
   * One serving framework under {@code agent.aiml.frameworks}.
   *
   * @param metrics the metric groups to collect; empty means all
   * @param metricsEndpoint a fixed endpoint; null means discover it
   */
  public record Framework(boolean enabled, List<String> metrics, String metricsEndpoint) {}

  /**
   * {@code agent.aiml.training}.
   *
   * @param tagMapping {@code tag_mapping}: training metric → TensorBoard tag (or pushed metric
   *     name) patterns, tried before the built-in table
   */
  public record Training(
      boolean enabled,
      List<String> detectFrameworks,
      boolean exportMetrics,
      List<Path> logDirs,
      Map<String, List<String>> tagMapping) {}
}
