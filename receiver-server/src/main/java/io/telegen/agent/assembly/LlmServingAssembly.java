package io.telegen.agent.assembly;

import io.telegen.agent.config.AgentConfig;
import io.telegen.agent.config.Durations;
import io.telegen.agent.traces.LlmSpanMetrics;
import io.telegen.frameworks.llm.KvCacheModel;
import io.telegen.frameworks.scrape.DiscoveredServers;
import io.telegen.frameworks.scrape.FrameworkScrapeSource;
import io.telegen.frameworks.scrape.HttpScraper;
import io.telegen.frameworks.scrape.ServingProcessDiscovery;
import io.telegen.frameworks.serving.ServingFramework;
import io.telegen.frameworks.serving.ServingFrameworks;
import io.telegen.node.GpuProcessTable;
import java.io.IOException;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * LLM serving: a source per configured {@code metrics_endpoint}, and, when
 * {@code agent.aiml.frameworks} is empty or names a framework without an endpoint, one source for
 * the servers found in {@code /proc} (re-discovered every {@link #REDISCOVER_EVERY}). Scraped every
 * {@code agent.aiml.scrape_interval}, each scrape under {@link #LLM_SCRAPE_TIMEOUT}. With
 * {@code agent.aiml.trace_correlation}, also the latency histograms of the request spans sent to
 * the receiver.
 */
final class LlmServingAssembly implements CapabilityAssembly {

  /** The deadline of one scrape, response and body. */
  static final Duration LLM_SCRAPE_TIMEOUT = Duration.ofSeconds(5);

  /** How often {@code /proc} is read again for serving processes that started or exited. */
  static final Duration REDISCOVER_EVERY = Duration.ofSeconds(30);

  @Override
  public Assembled assemble(NodeContext node) {
    Assembled.Builder assembled = Assembled.builder();
    addServers(node, assembled);
    if (node.config().aiml().traceCorrelation()) {
      LlmSpanMetrics spanMetrics = new LlmSpanMetrics(node.startUnixNanos());
      assembled
          .source(new ScheduledSource(spanMetrics, node.config().aiml().scrapeInterval()))
          .traceObserver(spanMetrics)
          .finding(
              "trace correlation: LLM latency histograms from vLLM request spans sent to "
                  + "the receiver, with exemplars linking to the traces");
    }
    return assembled.build();
  }

  private static void addServers(NodeContext node, Assembled.Builder assembled) {
    AgentConfig config = node.config();
    Duration every = config.aiml().scrapeInterval();
    GpuProcessTable gpuProcesses = node.gpuProcesses();
    Map<String, AgentConfig.Framework> frameworks = config.aiml().frameworks();
    HttpScraper scraper = new HttpScraper(LLM_SCRAPE_TIMEOUT, HttpScraper.DEFAULT_MAX_BYTES);
    Set<String> configuredInstances = new HashSet<>();
    Set<String> toDiscover = new TreeSet<>();
    PidsByPort pidsByPort = new PidsByPort(node.procRoot(), REDISCOVER_EVERY);
    for (Map.Entry<String, AgentConfig.Framework> entry : frameworks.entrySet()) {
      String name = entry.getKey();
      AgentConfig.Framework framework = entry.getValue();
      if (!framework.enabled()) {
        assembled.finding(
            "LLM serving: " + name + " off (agent.aiml.frameworks." + name + ".enabled: false)");
        continue;
      }
      ServingFramework profile = ServingFrameworks.get(name);
      if (profile == null || !profile.scraped()) {
        assembled.finding(
            "LLM serving: "
                + name
                + " has no metrics endpoint to scrape (a "
                + "library, not a server): wrap OrtSession with telegen-onnxruntime-otel, which "
                + "reports to this agent's receiver, or serve the model through Triton");
        continue;
      }
      if (framework.metricsEndpoint() == null) {
        toDiscover.add(name);
        continue;
      }
      ConfiguredEndpoint endpoint = ConfiguredEndpoint.parse(framework.metricsEndpoint());
      if (!configuredInstances.add(endpoint.instance())) {
        assembled.finding(
            "LLM serving: " + endpoint.uri() + " is configured twice; scraped " + "once");
        continue;
      }
      int port = endpoint.port();
      FrameworkScrapeSource source =
          FrameworkScrapeSource.builder(name, endpoint.uri())
              .metricGroups(Set.copyOf(framework.metrics()))
              .scraper(scraper)
              .gpuProcesses(gpuProcesses)
              .pids(endpoint.local() ? () -> pidsByPort.pidsOf(port) : List::of)
              .owners(node.processAttributions())
              .build();
      assembled
          .source(new ScheduledSource(source, every))
          .finding(
              "LLM serving: "
                  + name
                  + " at "
                  + endpoint.instance()
                  + " (configured, "
                  + endpoint.uri()
                  + "), every "
                  + Durations.show(every));
    }
    if (!frameworks.isEmpty() && toDiscover.isEmpty()) {
      return;
    }
    ServingProcessDiscovery discovery = new ServingProcessDiscovery(node.procRoot(), toDiscover);
    DiscoveredServers discovered =
        new DiscoveredServers(
            discovery,
            server -> discoveredSource(server, frameworks, scraper, node),
            configuredInstances);
    ServingProcessDiscovery.Result result = discovered.rediscover();
    String looked =
        toDiscover.isEmpty()
            ? "any of " + String.join(", ", ServingFrameworks.scrapedNames())
            : String.join(", ", toDiscover);
    int found = 0;
    for (ServingProcessDiscovery.Server server : result.servers()) {
      if (configuredInstances.contains(server.instance())) {
        continue;
      }
      found++;
      assembled.finding(
          "LLM serving: "
              + server.framework()
              + " at "
              + server.instance()
              + " (pid "
              + server.pid()
              + (server.model() == null ? "" : ", model " + server.model())
              + "), scraping "
              + server.uri()
              + " every "
              + Durations.show(every));
    }
    for (String note : result.notes()) {
      assembled.finding("LLM serving: " + note);
    }
    if (found == 0) {
      assembled.finding(
          "LLM serving: no serving process of "
              + looked
              + " found under "
              + node.procRoot()
              + "; looking again every "
              + Durations.show(REDISCOVER_EVERY)
              + ". For a server elsewhere (another host or network namespace) set "
              + "agent.aiml.frameworks.<name>.metrics_endpoint");
    }
    assembled.discovery(new ScheduledDiscovery(discovered, every, REDISCOVER_EVERY));
  }

  private static FrameworkScrapeSource discoveredSource(
      ServingProcessDiscovery.Server server,
      Map<String, AgentConfig.Framework> frameworks,
      HttpScraper scraper,
      NodeContext node) {
    AgentConfig.Framework configured = frameworks.get(server.framework());
    KvCacheModel kvCache = null;
    if (server.modelConfig() != null) {
      try {
        kvCache =
            KvCacheModel.fromConfigJson(
                    server.modelConfig(), server.kvCacheDtype(), server.tensorParallel())
                .orElse(null);
      } catch (IOException | RuntimeException e) {
        kvCache = null; // KV bytes stay unknown; tokens and ratio are still reported
      }
    }
    return FrameworkScrapeSource.builder(server.framework(), server.uri())
        .metricGroups(configured == null ? Set.of() : Set.copyOf(configured.metrics()))
        .scraper(scraper)
        .gpuProcesses(node.gpuProcesses())
        .owners(node.processAttributions())
        .pids(server.pids())
        .kvCache(kvCache)
        .model(server.model())
        .build();
  }
}
