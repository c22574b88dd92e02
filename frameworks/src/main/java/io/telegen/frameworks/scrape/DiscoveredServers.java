package io.telegen.frameworks.scrape;

import io.telegen.source.SourceDiscovery;
import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.function.Function;
import java.util.logging.Logger;

/**
 * The serving processes {@link ServingProcessDiscovery} finds, each a
 * {@link FrameworkScrapeSource} of its own that the agent's scheduler runs like any other source:
 * on its own thread, its failures counted under its own {@code source} label (the framework's id,
 * e.g. {@code vllm}) and logged under its {@code logName} (e.g. {@code vllm at 127.0.0.1:8000}).
 *
 * <p>Every {@link #current} reads the process table again: servers that started since are added,
 * servers whose process exited are dropped, and the scheduler closes them. A server keeps its
 * source (and so its derived rates) for as long as its process, URI and framework stay.
 */
public final class DiscoveredServers implements SourceDiscovery {

  private static final Logger logger = Logger.getLogger(DiscoveredServers.class.getName());

  private final ServingProcessDiscovery discovery;
  private final Function<ServingProcessDiscovery.Server, FrameworkScrapeSource> factory;
  private final Set<String> excludedInstances;
  private final Map<String, FrameworkScrapeSource> children = new LinkedHashMap<>();

  /** Sources handed to a scheduler by {@link #current}; it closes them, not this class. */
  private final Set<FrameworkScrapeSource> handedOut =
      Collections.newSetFromMap(new IdentityHashMap<>());

  private boolean discovered;
  private ServingProcessDiscovery.Result lastResult =
      new ServingProcessDiscovery.Result(List.of(), List.of());

  /**
   * @param discovery reads the process table
   * @param factory makes the source of one discovered server
   * @param excludedInstances {@code host:port} of servers scraped elsewhere (configured
   *     endpoints), not to be scraped twice
   */
  public DiscoveredServers(
      ServingProcessDiscovery discovery,
      Function<ServingProcessDiscovery.Server, FrameworkScrapeSource> factory,
      Set<String> excludedInstances) {
    this.discovery = Objects.requireNonNull(discovery, "discovery");
    this.factory = Objects.requireNonNull(factory, "factory");
    this.excludedInstances = Set.copyOf(excludedInstances);
  }

  @Override
  public String name() {
    return "llm-discovery";
  }

  /**
   * Reads the process table now and reconciles the servers.
   *
   * @return what was found, including the servers excluded as configured elsewhere
   */
  public synchronized ServingProcessDiscovery.Result rediscover() {
    ServingProcessDiscovery.Result result = discovery.discover();
    // The first discovery is reported by the caller's findings; later changes are logged here.
    boolean first = !discovered;
    lastResult = result;
    discovered = true;
    Map<String, ServingProcessDiscovery.Server> current = new LinkedHashMap<>();
    for (ServingProcessDiscovery.Server server : result.servers()) {
      if (!excludedInstances.contains(server.instance())) {
        current.put(key(server), server);
      }
    }
    children
        .entrySet()
        .removeIf(
            entry -> {
              if (current.containsKey(entry.getKey())) {
                return false;
              }
              FrameworkScrapeSource gone = entry.getValue();
              logger.info("LLM serving: " + gone.logName() + " is gone; no longer scraped");
              if (!handedOut.remove(gone)) {
                gone.close();
              }
              return true;
            });
    for (Map.Entry<String, ServingProcessDiscovery.Server> entry : current.entrySet()) {
      if (!children.containsKey(entry.getKey())) {
        ServingProcessDiscovery.Server server = entry.getValue();
        try {
          children.put(entry.getKey(), factory.apply(server));
          if (!first) {
            logger.info(
                "LLM serving: found "
                    + server.framework()
                    + " at "
                    + server.instance()
                    + " (pid "
                    + server.pid()
                    + "); scraping "
                    + server.uri());
          }
        } catch (RuntimeException e) {
          logger.warning("LLM serving: cannot scrape " + server.uri() + ": " + e.getMessage());
        }
      }
    }
    return result;
  }

  /** Rediscovers, then answers the sources of the servers now found. */
  @Override
  public synchronized List<FrameworkScrapeSource> current() {
    rediscover();
    List<FrameworkScrapeSource> out = sources();
    handedOut.addAll(out);
    return out;
  }

  /** The sources of the servers found by the last discovery, without reading again. */
  public synchronized List<FrameworkScrapeSource> sources() {
    return List.copyOf(new ArrayList<>(children.values()));
  }

  /** The last discovery's result. */
  public synchronized ServingProcessDiscovery.Result lastResult() {
    return lastResult;
  }

  private static String key(ServingProcessDiscovery.Server server) {
    return server.framework() + " " + server.uri() + " " + server.pid();
  }

  /** Closes the sources no scheduler was given; the scheduler closes the others. */
  @Override
  public synchronized void close() {
    for (FrameworkScrapeSource source : children.values()) {
      if (!handedOut.contains(source)) {
        source.close();
      }
    }
    children.clear();
    handedOut.clear();
  }
}
