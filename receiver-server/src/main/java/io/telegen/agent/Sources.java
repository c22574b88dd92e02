package io.telegen.agent;

import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.telegen.agent.config.AgentConfig;
import io.telegen.agent.config.Durations;
import io.telegen.agent.schedule.SourceScheduler;
import io.telegen.agent.telemetry.AgentTelemetry;
import io.telegen.agent.traces.LlmSpanMetrics;
import io.telegen.frameworks.llm.KvCacheModel;
import io.telegen.frameworks.scrape.DiscoveredServers;
import io.telegen.frameworks.scrape.FrameworkEndpoints;
import io.telegen.frameworks.scrape.FrameworkScrapeSource;
import io.telegen.frameworks.scrape.HttpScraper;
import io.telegen.frameworks.scrape.ServingProcessDiscovery;
import io.telegen.frameworks.training.GpuUtilization;
import io.telegen.frameworks.training.TrainingJobSource;
import io.telegen.frameworks.training.TrainingProcessDiscovery;
import io.telegen.frameworks.training.TrainingTagMapping;
import io.telegen.gpu.GpuOptions;
import io.telegen.gpu.GpuUnavailableException;
import io.telegen.gpu.NvidiaGpuSource;
import io.telegen.gpu.infiniband.InfinibandSource;
import io.telegen.gpu.nccl.NcclCounterSource;
import io.telegen.source.MetricBatch;
import io.telegen.source.MetricSource;
import io.telegen.source.SourceDiscovery;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Consumer;
import java.util.function.IntFunction;
import java.util.function.UnaryOperator;

/**
 * The sources a configuration asks for, built once and shared by {@code run} and
 * {@code collect}, with the plain-words findings the agent logs at start and {@code check} prints.
 */
final class Sources implements AutoCloseable {

  /**
   * A source and how often it runs.
   *
   * @param exported false for a source whose metrics {@code collect} shows but {@code run} keeps
   *     off the wire ({@code agent.aiml.training.export_metrics: false})
   */
  record Entry(MetricSource source, Duration interval, boolean exported) {

    Entry(MetricSource source, Duration interval) {
      this(source, interval, true);
    }
  }

  /**
   * A changing set of sources, asked every {@code rediscoverEvery}; each source it finds runs
   * every {@code interval}.
   *
   * @param at the index in {@link #entries()} it comes before, so that {@code collect} prints in
   *     the order the sources were found
   */
  record Discovered(SourceDiscovery discovery, Duration interval, Duration rediscoverEvery,
      int at) {}

  /** The deadline of one scrape, response and body. */
  static final Duration LLM_SCRAPE_TIMEOUT = Duration.ofSeconds(5);

  /** How often {@code /proc} is read again for serving processes that started or exited. */
  static final Duration REDISCOVER_EVERY = Duration.ofSeconds(30);

  private final AgentTelemetry telemetry;
  private final List<Entry> entries;
  private final List<Discovered> discovered;
  private final List<String> findings;
  private final LlmSpanMetrics spanMetrics;
  private final UnaryOperator<String> metricNames;

  private Sources(AgentTelemetry telemetry, List<Entry> entries, List<Discovered> discovered,
      List<String> findings, LlmSpanMetrics spanMetrics, UnaryOperator<String> metricNames) {
    this.telemetry = telemetry;
    this.entries = List.copyOf(entries);
    this.discovered = List.copyOf(discovered);
    this.findings = List.copyOf(findings);
    this.spanMetrics = spanMetrics;
    this.metricNames = metricNames;
  }

  static Sources create(AgentConfig config, long startUnixNanos) {
    AgentTelemetry telemetry = new AgentTelemetry(startUnixNanos);
    List<Entry> entries = new ArrayList<>();
    List<Discovered> discovered = new ArrayList<>();
    List<String> findings = new ArrayList<>();

    AgentConfig.Gpu gpu = config.gpu();
    NvidiaGpuSource nvidiaSource = null;
    GpuUtilization gpuUtilization = new GpuUtilization();
    if (!gpu.enabled()) {
      findings.add("GPUs: off (agent.gpu.enabled: false)");
    } else {
      if (gpu.nvidia()) {
        try {
          NvidiaGpuSource nvidia = NvidiaGpuSource.open(gpuOptions(config), startUnixNanos);
          entries.add(new Entry(new ObservedSource(nvidia, gpuUtilization::observe),
              gpu.pollInterval()));
          nvidiaSource = nvidia;
          findings.add("NVIDIA GPUs: " + nvidia.describe() + ", every "
              + Durations.show(gpu.pollInterval()));
        } catch (GpuUnavailableException e) {
          findings.add("NVIDIA GPUs: none (" + e.getMessage() + "); set agent.gpu.nvml_library "
              + "if the driver is installed elsewhere, or agent.gpu.nvidia: false");
        }
      }
      if (gpu.amd()) {
        findings.add("AMD GPUs: this version reads NVIDIA GPUs only; agent.gpu.amd is ignored");
      }
    }

    IntFunction<String> gpuOfPid = gpuOfPid(nvidiaSource);
    if (nvidiaSource != null) {
      // NCCL and InfiniBand traffic matter only where GPUs train; elsewhere they would be two
      // idle threads.
      addCommunication(config, gpuOfPid, entries, findings);
    }
    addLlmServing(config, gpuOfPid, entries, discovered, findings);
    LlmSpanMetrics spanMetrics = null;
    if (config.aiml().traceCorrelation()) {
      spanMetrics = new LlmSpanMetrics(startUnixNanos);
      entries.add(new Entry(spanMetrics, config.aiml().scrapeInterval()));
      findings.add("trace correlation: LLM latency histograms from vLLM request spans sent to "
          + "the receiver, with exemplars linking to the traces");
    }
    UnaryOperator<String> metricNames = UnaryOperator.identity();
    AgentConfig.Training training = config.aiml().training();
    if (training.enabled()) {
      TrainingTagMapping tagMapping = TrainingTagMapping.withRules(training.tagMapping());
      metricNames = name -> {
        String metric = tagMapping.metricFor(name);
        return metric == null ? name : metric;
      };
      addTraining(config, tagMapping, gpuOfPid, gpuUtilization, startUnixNanos, entries,
          findings);
    } else {
      findings.add("training: off (agent.aiml.training.enabled: false)");
    }

    if (config.selfTelemetry().enabled()) {
      entries.add(new Entry(telemetry, config.selfTelemetry().interval()));
      findings.add("self-telemetry: telegen_agent_* every "
          + Durations.show(config.selfTelemetry().interval()));
    } else {
      findings.add("self-telemetry: off (agent.self_telemetry.enabled: false)");
    }
    return new Sources(telemetry, entries, discovered, findings, spanMetrics, metricNames);
  }

  /**
   * GPU communication: the NCCL profiler plugin's counter files per rank, and the InfiniBand
   * port counters per NIC (the fallback where jobs do not load the plugin). Both every
   * {@code agent.gpu.poll_interval}.
   */
  private static void addCommunication(AgentConfig config, IntFunction<String> gpuOfPid,
      List<Entry> entries, List<String> findings) {
    AgentConfig.Gpu gpu = config.gpu();
    Path procRoot = config.procRoot();
    NcclCounterSource nccl = NcclCounterSource.builder()
        .directory(gpu.ncclDir())
        .procRoot(procRoot)
        .nodeName(AgentInfo.hostName())
        .jobOfPid(pid -> TrainingProcessDiscovery.jobOf(procRoot, pid))
        .gpuOfPid(gpuOfPid)
        .build();
    entries.add(new Entry(nccl, gpu.pollInterval()));
    findings.add("NCCL: reading counter files in " + gpu.ncclDir() + " (jobs that set "
        + "NCCL_PROFILER_PLUGIN to the Telegen plugin; `telegen-agent nccl-plugin DIR` writes it)");
    InfinibandSource infiniband = InfinibandSource.builder()
        .sysRoot(gpu.sysRoot())
        .nodeName(AgentInfo.hostName())
        .build();
    entries.add(new Entry(infiniband, gpu.pollInterval()));
    findings.add(infiniband.describe());
  }

  /**
   * Training jobs: the processes of {@code detect_frameworks} and the run directories found
   * through their open event files and under {@code log_dirs}, read every
   * {@code agent.aiml.scrape_interval}.
   */
  private static void addTraining(AgentConfig config, TrainingTagMapping tagMapping,
      IntFunction<String> gpuOfPid, GpuUtilization gpuUtilization, long startUnixNanos,
      List<Entry> entries, List<String> findings) {
    AgentConfig.Training training = config.aiml().training();
    TrainingProcessDiscovery discovery = new TrainingProcessDiscovery(config.procRoot(),
        Set.copyOf(training.detectFrameworks()), training.logDirs());
    TrainingJobSource source = TrainingJobSource.builder(discovery)
        .tagMapping(tagMapping)
        .node(AgentInfo.hostName())
        .gpusOfPid(gpuOfPid)
        .gpuUtilization(gpuUtilization)
        .rediscoverEvery(REDISCOVER_EVERY)
        .startUnixNanos(startUnixNanos)
        .build();
    TrainingProcessDiscovery.Result found = source.discover();
    String where = training.exportMetrics() ? "" : " (shown by collect, not exported: "
        + "agent.aiml.training.export_metrics: false)";
    for (TrainingProcessDiscovery.TrainingProcess process : found.processes()) {
      findings.add("training: " + process.framework() + " pid " + process.pid() + ", job "
          + process.job() + (process.rank() == null ? "" : ", rank " + process.rank()) + " ("
          + process.evidence() + ")" + where);
    }
    for (TrainingProcessDiscovery.RunDirectory run : found.runs()) {
      findings.add("training: reading " + run.directory() + (run.owner() == null
          ? " (under log_dirs, job " + run.job() + ")" : " (pid " + run.owner().pid() + ")"));
    }
    for (String note : found.notes()) {
      findings.add("training: " + note);
    }
    if (found.processes().isEmpty() && found.runs().isEmpty()) {
      findings.add("training: no " + String.join(", ", training.detectFrameworks())
          + " training process under " + config.procRoot() + (training.logDirs().isEmpty()
          ? "" : " and no run being written under " + training.logDirs()) + "; looking again "
          + "every " + Durations.show(REDISCOVER_EVERY) + where);
    }
    entries.add(new Entry(source, config.aiml().scrapeInterval(), training.exportMetrics()));
  }

  /** A source whose batches someone else reads too (the training source, the GPU utilisation). */
  private record ObservedSource(MetricSource source, Consumer<MetricBatch> observer)
      implements MetricSource {

    @Override
    public String name() {
      return source.name();
    }

    @Override
    public void collect(MetricBatch batch) throws Exception {
      try {
        source.collect(batch);
      } finally {
        observer.accept(batch);
      }
    }

    @Override
    public void close() {
      source.close();
    }
  }

  /**
   * LLM serving: a source per configured {@code metrics_endpoint}, and, when
   * {@code agent.aiml.frameworks} is empty or names a framework without an endpoint, a source per
   * server found in {@code /proc} (re-discovered every {@link #REDISCOVER_EVERY}).
   * Scraped every {@code agent.aiml.scrape_interval}, each scrape under {@link #LLM_SCRAPE_TIMEOUT}.
   */
  private static void addLlmServing(AgentConfig config, IntFunction<String> gpuOfPid,
      List<Entry> entries, List<Discovered> discoveredSets, List<String> findings) {
    Map<String, AgentConfig.Framework> frameworks = config.aiml().frameworks();
    HttpScraper scraper = new HttpScraper(LLM_SCRAPE_TIMEOUT, HttpScraper.DEFAULT_MAX_BYTES);
    Set<String> configuredInstances = new HashSet<>();
    Set<String> toDiscover = new TreeSet<>();
    PidsByPort pidsByPort = new PidsByPort(config.procRoot());
    for (Map.Entry<String, AgentConfig.Framework> entry : frameworks.entrySet()) {
      String name = entry.getKey();
      AgentConfig.Framework framework = entry.getValue();
      if (!framework.enabled()) {
        findings.add("LLM serving: " + name + " off (agent.aiml.frameworks." + name
            + ".enabled: false)");
        continue;
      }
      if (FrameworkEndpoints.of(name) == null) {
        findings.add("LLM serving: " + name + " has no metrics endpoint to scrape (a library, "
            + "not a server): wrap OrtSession with telegen-onnxruntime-otel, which reports to "
            + "this agent's receiver, or serve the model through Triton");
        continue;
      }
      if (framework.metricsEndpoint() == null) {
        toDiscover.add(name);
        continue;
      }
      URI endpoint = URI.create(framework.metricsEndpoint());
      String instance = FrameworkScrapeSource.instanceOf(endpoint);
      if (!configuredInstances.add(instance)) {
        findings.add("LLM serving: " + endpoint + " is configured twice; scraped once");
        continue;
      }
      int port = Integer.parseInt(instance.substring(instance.lastIndexOf(':') + 1));
      boolean local = isLocal(endpoint.getHost());
      FrameworkScrapeSource source = FrameworkScrapeSource.builder(name, endpoint)
          .metricGroups(Set.copyOf(framework.metrics()))
          .scraper(scraper)
          .gpuOfPid(gpuOfPid)
          .pids(local ? () -> pidsByPort.pidsOf(port) : List::of)
          .build();
      entries.add(new Entry(source, config.aiml().scrapeInterval()));
      findings.add("LLM serving: " + name + " at " + instance + " (configured, " + endpoint
          + "), every " + Durations.show(config.aiml().scrapeInterval()));
    }
    if (!frameworks.isEmpty() && toDiscover.isEmpty()) {
      return;
    }
    ServingProcessDiscovery discovery = new ServingProcessDiscovery(config.procRoot(),
        toDiscover);
    DiscoveredServers discovered = new DiscoveredServers(discovery,
        server -> discoveredSource(server, frameworks, scraper, gpuOfPid), configuredInstances);
    ServingProcessDiscovery.Result result = discovered.rediscover();
    String looked = toDiscover.isEmpty() ? "any of "
        + String.join(", ", new TreeSet<>(FrameworkEndpoints.frameworks()))
        : String.join(", ", toDiscover);
    int found = 0;
    for (ServingProcessDiscovery.Server server : result.servers()) {
      if (configuredInstances.contains(server.instance())) {
        continue;
      }
      found++;
      findings.add("LLM serving: " + server.framework() + " at " + server.instance() + " (pid "
          + server.pid() + (server.model() == null ? "" : ", model " + server.model())
          + "), scraping " + server.uri() + " every "
          + Durations.show(config.aiml().scrapeInterval()));
    }
    for (String note : result.notes()) {
      findings.add("LLM serving: " + note);
    }
    if (found == 0) {
      findings.add("LLM serving: no serving process of " + looked + " found under "
          + config.procRoot() + "; looking again every " + Durations.show(REDISCOVER_EVERY)
          + ". For a server elsewhere (another host or network namespace) set "
          + "agent.aiml.frameworks.<name>.metrics_endpoint");
    }
    discoveredSets.add(new Discovered(discovered, config.aiml().scrapeInterval(),
        REDISCOVER_EVERY, entries.size()));
  }

  private static FrameworkScrapeSource discoveredSource(ServingProcessDiscovery.Server server,
      Map<String, AgentConfig.Framework> frameworks, HttpScraper scraper,
      IntFunction<String> gpuOfPid) {
    AgentConfig.Framework configured = frameworks.get(server.framework());
    KvCacheModel kvCache = null;
    if (server.modelConfig() != null) {
      try {
        kvCache = KvCacheModel.fromConfigJson(server.modelConfig(), server.kvCacheDtype(),
            server.tensorParallel()).orElse(null);
      } catch (IOException | RuntimeException e) {
        kvCache = null; // KV bytes stay unknown; tokens and ratio are still reported
      }
    }
    return FrameworkScrapeSource.builder(server.framework(), server.uri())
        .metricGroups(configured == null ? Set.of() : Set.copyOf(configured.metrics()))
        .scraper(scraper)
        .gpuOfPid(gpuOfPid)
        .pids(server.pids())
        .kvCache(kvCache)
        .model(server.model())
        .build();
  }

  private static boolean isLocal(String host) {
    return host != null && (host.equals("localhost") || host.startsWith("127.")
        || host.equals("[::1]") || host.equals("::1") || host.equals("0.0.0.0"));
  }

  /**
   * The processes behind a configured local endpoint, found by its port with the same discovery
   * (looked up at most every {@link #REDISCOVER_EVERY}), so that it gets a {@code gpu} label too.
   */
  private static final class PidsByPort {
    private final ServingProcessDiscovery discovery;
    private long lastNanos;
    private List<ServingProcessDiscovery.Server> servers = List.of();
    private boolean looked;

    PidsByPort(Path procRoot) {
      this.discovery = new ServingProcessDiscovery(procRoot, Set.of());
    }

    synchronized List<Integer> pidsOf(int port) {
      if (!looked || System.nanoTime() - lastNanos >= REDISCOVER_EVERY.toNanos()) {
        looked = true;
        lastNanos = System.nanoTime();
        servers = discovery.discover().servers();
      }
      for (ServingProcessDiscovery.Server server : servers) {
        if (server.port() == port) {
          return server.pids();
        }
      }
      return List.of();
    }
  }

  /** pid → GPU indices from the NVIDIA source's last collection; null without one. */
  private static IntFunction<String> gpuOfPid(NvidiaGpuSource nvidia) {
    if (nvidia == null) {
      return pid -> null;
    }
    return pid -> nvidia.gpusByPid().get(pid);
  }

  static GpuOptions gpuOptions(AgentConfig config) {
    AgentConfig.Gpu gpu = config.gpu();
    return GpuOptions.builder()
        .pollInterval(gpu.pollInterval())
        .utilization(gpu.metrics().utilization())
        .memory(gpu.metrics().memory())
        .temperature(gpu.metrics().temperature())
        .power(gpu.metrics().power())
        .clock(gpu.metrics().clock())
        .pcieThroughput(gpu.metrics().pcieThroughput())
        .encoderDecoder(gpu.metrics().encoderDecoder())
        .perProcess(gpu.perProcess())
        .nvmlLibrary(gpu.nvmlLibrary())
        .procRoot(config.procRoot())
        .build();
  }

  AgentTelemetry telemetry() {
    return telemetry;
  }

  List<Entry> entries() {
    return entries;
  }

  /** The discovered sets of sources, such as the LLM servers found in {@code /proc}. */
  List<Discovered> discovered() {
    return discovered;
  }

  /**
   * Hands every source and discovery to {@code scheduler}, in the order they were found; with
   * {@code exportedOnly}, those {@code run} keeps off the wire are left out.
   */
  void addTo(SourceScheduler scheduler, boolean exportedOnly) {
    for (int i = 0; i <= entries.size(); i++) {
      for (Discovered set : discovered) {
        if (set.at() == i) {
          scheduler.add(set.discovery(), set.interval(), set.rediscoverEvery());
        }
      }
      if (i < entries.size() && (entries.get(i).exported() || !exportedOnly)) {
        scheduler.add(entries.get(i).source(), entries.get(i).interval());
      }
    }
  }

  List<String> findings() {
    return findings;
  }

  /** Where the receiver hands accepted trace requests: the span metrics, or nowhere. */
  Consumer<ExportTraceServiceRequest> traceObserver() {
    return spanMetrics == null ? request -> { } : spanMetrics;
  }

  /**
   * How the receiver renames the metrics apps push: training metric spellings to the
   * {@code training_*} names when training is on, else unchanged.
   */
  UnaryOperator<String> metricNames() {
    return metricNames;
  }

  /** Closes every source (native handles, sampling threads) when no scheduler ran them. */
  @Override
  public void close() {
    for (Entry entry : entries) {
      entry.source().close();
    }
    for (Discovered set : discovered) {
      set.discovery().close();
    }
  }
}
