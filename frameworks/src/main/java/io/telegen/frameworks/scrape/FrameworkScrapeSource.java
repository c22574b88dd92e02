package io.telegen.frameworks.scrape;

import io.telegen.frameworks.llm.KvCacheModel;
import io.telegen.frameworks.llm.LlmNormalizer;
import io.telegen.frameworks.llm.LlmTarget;
import io.telegen.frameworks.prometheus.ParseReport;
import io.telegen.frameworks.prometheus.PrometheusTextParser;
import io.telegen.frameworks.serving.ServingFramework;
import io.telegen.frameworks.serving.ServingFrameworks;
import io.telegen.node.GpuProcessSnapshot;
import io.telegen.node.GpuProcessTable;
import io.telegen.node.GpuProcessTables;
import io.telegen.node.GpuRef;
import io.telegen.node.ProcessAttribution;
import io.telegen.node.ProcessAttributions;
import io.telegen.source.Labels;
import io.telegen.source.MetricBatch;
import io.telegen.source.MetricSource;
import io.telegen.source.ProblemLog;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Supplier;
import java.util.logging.Logger;

/**
 * One serving endpoint as a metric source: each collection GETs its {@code /metrics}, streams the
 * body through the {@link LlmNormalizer} and writes the {@code llm_*} series.
 *
 * <p>A failed scrape (refused, timed out, 404, HTML, cut at the byte cap) throws a
 * {@link ScrapeException} after writing nothing, so the agent's scheduler counts it and other
 * sources go on. Lines the parser rejected do not fail a scrape; they are counted in
 * {@link #stats()} and logged once, and once when a scrape has none again.
 *
 * <p>The {@link #name()} is the framework's id ({@code vllm}), the {@code source} label of the
 * agent's self-telemetry, shared by every server of that framework; {@link #logName()} adds the
 * instance ({@code vllm at 127.0.0.1:8000}).
 *
 * <p>For frameworks whose metrics carry no model (TGI, llama.cpp), the model comes from the
 * profile's {@link ServingFramework#modelLookup()} ({@code GET /info}, {@code GET /props}); a
 * failed lookup is retried a minute later, and meanwhile the model from the command line (when
 * discovery saw one) is used.
 */
public final class FrameworkScrapeSource implements MetricSource {

  private static final Logger logger = Logger.getLogger(FrameworkScrapeSource.class.getName());

  private static final long MODEL_RETRY_NANOS = Duration.ofMinutes(1).toNanos();

  /**
   * Counts since the source was made.
   *
   * @param scrapes collections attempted
   * @param failures collections that threw
   * @param rejectedLines lines the parser rejected, over all scrapes
   * @param truncated scrapes cut at the byte cap
   * @param lastError the last failure's message, or null
   */
  public record Stats(
      long scrapes, long failures, long rejectedLines, long truncated, String lastError) {}

  private final String framework;
  private final ServingFramework profile;
  private final URI endpoint;
  private final String instance;
  private final Set<String> metricGroups;
  private final HttpScraper scraper;
  private final GpuProcessTable gpuProcesses;
  private final Supplier<List<Integer>> pids;
  private final ProcessAttribution owners;
  private final KvCacheModel kvCache;
  private final String commandLineModel;
  private final String name;
  private final ProblemLog rejections;
  // Scrapes of one endpoint repeat its names and label values: decoded once, kept across scrapes.
  private final PrometheusTextParser.Workspace parserWorkspace =
      new PrometheusTextParser.Workspace();

  private LlmNormalizer normalizer;
  private LlmTarget target;
  private String resolvedModel;
  private long nextModelAttemptNanos = Long.MIN_VALUE;
  private boolean fetched;

  private long scrapes;
  private long failures;
  private long rejectedLines;
  private long truncated;
  private String lastError;

  private FrameworkScrapeSource(Builder b) {
    this.framework = b.framework;
    this.profile = ServingFrameworks.get(b.framework);
    this.endpoint = b.endpoint;
    this.instance = instanceOf(b.endpoint);
    this.metricGroups = Set.copyOf(b.metricGroups);
    this.scraper = b.scraper;
    this.gpuProcesses = b.gpuProcesses;
    this.pids = b.pids;
    this.owners = b.owners;
    this.kvCache = b.kvCache;
    this.commandLineModel = b.model;
    this.name = framework;
    this.rejections = new ProblemLog(logger, framework + " at " + instance);
  }

  /**
   * A source for {@code framework} at {@code endpoint}.
   *
   * @param framework one of {@link ServingFrameworks#scrapedNames()}
   * @param endpoint the full metrics URL, e.g. {@code http://127.0.0.1:8000/metrics}
   */
  public static Builder builder(String framework, URI endpoint) {
    return new Builder(framework, endpoint);
  }

  /** {@code host:port} of an endpoint, with the scheme's default port when none is written. */
  public static String instanceOf(URI endpoint) {
    int port = endpoint.getPort();
    if (port < 0) {
      port = "https".equalsIgnoreCase(endpoint.getScheme()) ? 443 : 80;
    }
    String host =
        endpoint.getHost() == null ? String.valueOf(endpoint.getAuthority()) : endpoint.getHost();
    return host + ":" + port;
  }

  /** The framework's id, e.g. {@code vllm}: the {@code source} label of self-telemetry. */
  @Override
  public String name() {
    return name;
  }

  /** {@code <framework> at <host:port>}, e.g. {@code vllm at 127.0.0.1:8000}. */
  @Override
  public String logName() {
    return framework + " at " + instance;
  }

  public String framework() {
    return framework;
  }

  public URI endpoint() {
    return endpoint;
  }

  /** {@code host:port}, the {@code instance} label. */
  public String instance() {
    return instance;
  }

  /** The model label for label-less servers (TGI, llama.cpp) once known, else null. */
  public synchronized String model() {
    return resolvedModel != null ? resolvedModel : commandLineModel;
  }

  /** The models the last successful scrape carried. */
  public synchronized Set<String> modelsSeen() {
    return normalizer == null ? Set.of() : normalizer.modelsSeen();
  }

  public synchronized Stats stats() {
    return new Stats(scrapes, failures, rejectedLines, truncated, lastError);
  }

  @Override
  public synchronized void collect(MetricBatch batch) throws ScrapeException {
    fetch();
    publish(batch);
  }

  /**
   * The first half of a collection: GETs and parses the body into the normalizer;
   * {@link #publish} then writes the result.
   *
   * @throws ScrapeException when the scrape failed; nothing is kept from it
   */
  private void fetch() throws ScrapeException {
    fetched = false;
    scrapes++;
    try {
      LlmNormalizer current = normalizerForThisScrape();
      current.beginScrape();
      ParseReport report =
          scraper.scrape(endpoint, profile.endpoint().advice(), current, parserWorkspace);
      noteRejections(report);
      fetched = true;
    } catch (ScrapeException e) {
      failures++;
      if (e.reason() == ScrapeException.Reason.TOO_LARGE) {
        truncated++;
      }
      lastError = e.getMessage();
      throw e;
    } catch (RuntimeException e) {
      failures++;
      lastError = logName() + ": " + e;
      throw new ScrapeException(
          ScrapeException.Reason.IO,
          endpoint.toString(),
          endpoint + ": normalising the metrics failed: " + e,
          e);
    }
  }

  /** The second half: writes what {@link #fetch} parsed. Does nothing after a failed fetch. */
  private void publish(MetricBatch batch) {
    if (!fetched) {
      return;
    }
    fetched = false;
    normalizer.endScrape(batch);
  }

  private LlmNormalizer normalizerForThisScrape() {
    String model = modelOverride();
    List<Integer> processes = pids.get();
    String gpu = gpuLabel(processes);
    Labels owner = ownerLabels(processes);
    if (normalizer != null
        && Objects.equals(model, target.modelOverride())
        && Objects.equals(gpu, target.gpu())
        && owner.equals(target.owner())) {
      return normalizer; // the usual scrape: the same target as the last one
    }
    LlmTarget wanted = new LlmTarget(framework, instance, model, gpu, metricGroups, kvCache, owner);
    if (normalizer == null || !wanted.equals(target)) {
      // A new model or GPU label: start over, which costs derived rates one scrape.
      target = wanted;
      normalizer = LlmNormalizer.create(wanted);
    }
    return normalizer;
  }

  private String modelOverride() {
    ServingFramework.ModelLookup lookup = profile.modelLookup();
    if (lookup == null) {
      return null;
    }
    if (resolvedModel == null
        && (nextModelAttemptNanos == Long.MIN_VALUE
            || System.nanoTime() - nextModelAttemptNanos >= 0)) {
      try {
        resolvedModel =
            lookup
                .model()
                .apply(scraper.fetchJson(endpoint.resolve(lookup.path()), lookup.advice()));
      } catch (ScrapeException e) {
        logger.fine(() -> name + ": model lookup failed, retrying in a minute: " + e.getMessage());
      }
      if (resolvedModel == null) {
        nextModelAttemptNanos = System.nanoTime() + MODEL_RETRY_NANOS;
      }
    }
    return resolvedModel != null ? resolvedModel : commandLineModel;
  }

  /** The GPUs of the server's processes, joined; sticky while the lookup finds none. */
  private String gpuLabel(List<Integer> processes) {
    if (processes == null || processes.isEmpty()) {
      return target == null ? null : target.gpu();
    }
    GpuProcessSnapshot table = gpuProcesses.snapshot(); // one table for all the pids
    Set<GpuRef> gpus = new TreeSet<>();
    for (Integer pid : processes) {
      if (pid != null) {
        gpus.addAll(table.gpusOf(pid));
      }
    }
    if (gpus.isEmpty()) {
      // NVML may not list the process this cycle (no context yet, or a missed read).
      return target == null ? null : target.gpu();
    }
    return GpuRef.gpuLabel(gpus);
  }

  /**
   * Who the server's processes belong to (their pod): the first process the attribution knows;
   * sticky while it knows none, as a pod's processes come and go together.
   */
  private Labels ownerLabels(List<Integer> processes) {
    if (processes != null) {
      for (Integer pid : processes) {
        Labels labels = pid == null ? Labels.empty() : owners.labelsOf(pid);
        if (!labels.attributes().isEmpty()) {
          return labels;
        }
      }
    }
    return target == null ? Labels.empty() : target.owner();
  }

  private void noteRejections(ParseReport report) {
    if (report.rejectedLines() == 0) {
      rejections.clear("rejected lines", "every line of " + endpoint + " is understood again");
      return;
    }
    rejectedLines += report.rejectedLines();
    rejections.report(
        "rejected lines",
        report.rejectedLines()
            + " line(s) of "
            + endpoint
            + " were not understood and skipped (first: "
            + report.firstRejections().get(0)
            + "); logged once, and once when a scrape has none");
  }

  /** Builds a {@link FrameworkScrapeSource}. */
  public static final class Builder {
    private final String framework;
    private final URI endpoint;
    private Set<String> metricGroups = Set.of();
    private HttpScraper scraper = HttpScraper.defaults();
    private GpuProcessTable gpuProcesses = GpuProcessTables.empty();
    private Supplier<List<Integer>> pids = List::of;
    private ProcessAttribution owners = ProcessAttributions.none();
    private KvCacheModel kvCache;
    private String model;

    private Builder(String framework, URI endpoint) {
      this.framework = Objects.requireNonNull(framework, "framework");
      this.endpoint = Objects.requireNonNull(endpoint, "endpoint");
      ServingFramework profile = ServingFrameworks.get(framework);
      if (profile == null || !profile.scraped()) {
        throw new IllegalArgumentException(
            "no HTTP metrics for framework '"
                + framework
                + "'; expected one of "
                + ServingFrameworks.scrapedNames());
      }
      if (endpoint.getHost() == null
          || endpoint.getScheme() == null
          || !endpoint.getScheme().matches("(?i)https?")) {
        throw new IllegalArgumentException("expected an http(s) URL with a host, got " + endpoint);
      }
    }

    /** Metric groups to emit; empty (the default) means all. */
    public Builder metricGroups(Set<String> groups) {
      this.metricGroups = groups == null ? Set.of() : groups;
      return this;
    }

    public Builder scraper(HttpScraper scraper) {
      this.scraper = Objects.requireNonNull(scraper, "scraper");
      return this;
    }

    /**
     * Where the {@code gpu} label comes from: the node's GPU process table, asked for the GPUs of
     * {@link #pids} at each scrape; the label is their indices ({@code "0"}, {@code "0,1"}).
     * Default: an empty table, no {@code gpu} label.
     */
    public Builder gpuProcesses(GpuProcessTable gpuProcesses) {
      this.gpuProcesses = Objects.requireNonNull(gpuProcesses, "gpuProcesses");
      return this;
    }

    /** The server's processes, asked at each scrape; empty (the default) when unknown. */
    public Builder pids(Supplier<List<Integer>> pids) {
      this.pids = Objects.requireNonNull(pids, "pids");
      return this;
    }

    /**
     * Who the server's processes belong to: the labels (their pod) every series of the server
     * gets, asked at each scrape. Default: nobody known.
     */
    public Builder owners(ProcessAttribution owners) {
      this.owners = Objects.requireNonNull(owners, "owners");
      return this;
    }

    /** The server's processes, fixed. */
    public Builder pids(List<Integer> pids) {
      List<Integer> copy = List.copyOf(pids);
      this.pids = () -> copy;
      return this;
    }

    /** Bytes per KV-cache token, when the model's shape is known; null otherwise. */
    public Builder kvCache(KvCacheModel kvCache) {
      this.kvCache = kvCache;
      return this;
    }

    /** The model named on the server's command line, a fallback for label-less servers. */
    public Builder model(String model) {
      this.model = model;
      return this;
    }

    public FrameworkScrapeSource build() {
      return new FrameworkScrapeSource(this);
    }
  }
}
