package io.telegen.frameworks.scrape;

import io.telegen.source.MetricBatch;
import io.telegen.source.MetricSource;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import java.util.logging.Logger;

/**
 * The serving processes {@link ServingProcessDiscovery} finds, scraped as one source.
 *
 * <p>Every {@code rediscoverEvery} the process table is read again: servers that started later
 * are added, servers that exited are dropped. Each collection scrapes all current servers at once,
 * one thread each, so a hanging server costs only its own series (its scrape ends at the
 * scraper's timeout); the others' results are written. The collection throws only when every
 * server failed. Failures are logged per server at most once per
 * {@value FrameworkScrapeSource#LOG_EVERY_MINUTES} minutes.
 */
public final class DiscoveredServersSource implements MetricSource {

  private static final Logger logger = Logger.getLogger(DiscoveredServersSource.class.getName());

  private final ServingProcessDiscovery discovery;
  private final Function<ServingProcessDiscovery.Server, FrameworkScrapeSource> factory;
  private final Duration rediscoverEvery;
  private final Duration fetchDeadline;
  private final Set<String> excludedInstances;
  private final ExecutorService pool;
  private final Map<String, Child> children = new LinkedHashMap<>();
  private long lastDiscoveryNanos;
  private boolean discovered;
  private ServingProcessDiscovery.Result lastResult = new ServingProcessDiscovery.Result(
      List.of(), List.of());

  private static final class Child {
    final ServingProcessDiscovery.Server server;
    final FrameworkScrapeSource source;
    Future<?> inFlight;
    long lastFailureLogNanos;
    boolean failureLogged;

    Child(ServingProcessDiscovery.Server server, FrameworkScrapeSource source) {
      this.server = server;
      this.source = source;
    }
  }

  /**
   * @param discovery reads the process table
   * @param factory makes the source of one discovered server
   * @param rediscoverEvery how often to read the process table again
   * @param fetchDeadline the longest to wait for all scrapes of one collection; a little over the
   *     scraper's timeout
   * @param excludedInstances {@code host:port} of servers scraped elsewhere (configured
   *     endpoints), not to be scraped twice
   */
  public DiscoveredServersSource(ServingProcessDiscovery discovery,
      Function<ServingProcessDiscovery.Server, FrameworkScrapeSource> factory,
      Duration rediscoverEvery, Duration fetchDeadline, Set<String> excludedInstances) {
    this.discovery = Objects.requireNonNull(discovery, "discovery");
    this.factory = Objects.requireNonNull(factory, "factory");
    this.rediscoverEvery = Objects.requireNonNull(rediscoverEvery, "rediscoverEvery");
    this.fetchDeadline = Objects.requireNonNull(fetchDeadline, "fetchDeadline");
    this.excludedInstances = Set.copyOf(excludedInstances);
    AtomicInteger n = new AtomicInteger();
    this.pool = Executors.newCachedThreadPool(r -> {
      Thread t = new Thread(r, "telegen-llm-scrape-" + n.incrementAndGet());
      t.setDaemon(true);
      return t;
    });
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
    lastDiscoveryNanos = System.nanoTime();
    discovered = true;
    Map<String, ServingProcessDiscovery.Server> current = new LinkedHashMap<>();
    for (ServingProcessDiscovery.Server server : result.servers()) {
      if (!excludedInstances.contains(server.instance())) {
        current.put(key(server), server);
      }
    }
    children.entrySet().removeIf(entry -> {
      if (current.containsKey(entry.getKey())) {
        return false;
      }
      ServingProcessDiscovery.Server gone = entry.getValue().server;
      logger.info("LLM serving: " + gone.framework() + " at " + gone.instance() + " (pid "
          + gone.pid() + ") is gone; no longer scraped");
      entry.getValue().source.close();
      return true;
    });
    for (Map.Entry<String, ServingProcessDiscovery.Server> entry : current.entrySet()) {
      if (!children.containsKey(entry.getKey())) {
        ServingProcessDiscovery.Server server = entry.getValue();
        try {
          children.put(entry.getKey(), new Child(server, factory.apply(server)));
          if (!first) {
            logger.info("LLM serving: found " + server.framework() + " at " + server.instance()
                + " (pid " + server.pid() + "); scraping " + server.uri());
          }
        } catch (RuntimeException e) {
          logger.warning("LLM serving: cannot scrape " + server.uri() + ": " + e.getMessage());
        }
      }
    }
    return result;
  }

  /** The sources of the servers now scraped. */
  public synchronized List<FrameworkScrapeSource> sources() {
    List<FrameworkScrapeSource> out = new ArrayList<>();
    children.values().forEach(c -> out.add(c.source));
    return out;
  }

  /** The last discovery's result. */
  public synchronized ServingProcessDiscovery.Result lastResult() {
    return lastResult;
  }

  @Override
  public synchronized void collect(MetricBatch batch) throws Exception {
    if (!discovered || System.nanoTime() - lastDiscoveryNanos >= rediscoverEvery.toNanos()) {
      rediscover();
    }
    if (children.isEmpty()) {
      return;
    }
    List<Child> started = new ArrayList<>();
    for (Child child : children.values()) {
      if (child.inFlight != null && !child.inFlight.isDone()) {
        continue; // still stuck from an earlier cycle; it gets no new scrape
      }
      child.inFlight = pool.submit(() -> {
        child.source.fetch();
        return null;
      });
      started.add(child);
    }
    long deadline = System.nanoTime() + fetchDeadline.toNanos();
    int failed = children.size() - started.size();
    String lastError = null;
    for (Child child : started) {
      try {
        child.inFlight.get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
        child.source.publish(batch);
      } catch (TimeoutException e) {
        child.inFlight.cancel(true);
        failed++;
        lastError = child.source.name() + " did not finish within " + fetchDeadline.toMillis()
            + " ms";
        logFailure(child, lastError);
      } catch (ExecutionException e) {
        failed++;
        lastError = e.getCause().getMessage();
        logFailure(child, lastError);
      } catch (InterruptedException e) {
        for (Child c : started) {
          c.inFlight.cancel(true);
        }
        throw e;
      }
    }
    if (failed == children.size()) {
      throw new ScrapeException(ScrapeException.Reason.IO, "discovered servers",
          "every discovered LLM server failed this cycle (" + failed + "); last: " + lastError);
    }
  }

  private static void logFailure(Child child, String message) {
    long now = System.nanoTime();
    if (!child.failureLogged || now - child.lastFailureLogNanos
        >= Duration.ofMinutes(FrameworkScrapeSource.LOG_EVERY_MINUTES).toNanos()) {
      child.failureLogged = true;
      child.lastFailureLogNanos = now;
      logger.warning("scrape of " + child.source.name() + " failed: " + message
          + " (logged at most every " + FrameworkScrapeSource.LOG_EVERY_MINUTES + " minutes)");
    }
  }

  private static String key(ServingProcessDiscovery.Server server) {
    return server.framework() + " " + server.uri() + " " + server.pid();
  }

  @Override
  public synchronized void close() {
    pool.shutdownNow();
    children.values().forEach(c -> c.source.close());
    children.clear();
  }
}
