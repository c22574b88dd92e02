package io.telegen.agent.assembly;

import io.telegen.frameworks.scrape.ServingProcessDiscovery;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;

/**
 * The processes behind a configured local endpoint, found by its port with the serving discovery
 * (looked up at most every {@code every}), so that its series get a {@code gpu} label too.
 */
final class PidsByPort {
  private final ServingProcessDiscovery discovery;
  private final Duration every;
  private long lastNanos;
  private List<ServingProcessDiscovery.Server> servers = List.of();
  private boolean looked;

  PidsByPort(Path procRoot, Duration every) {
    this.discovery = new ServingProcessDiscovery(procRoot, Set.of());
    this.every = every;
  }

  synchronized List<Integer> pidsOf(int port) {
    if (!looked || System.nanoTime() - lastNanos >= every.toNanos()) {
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
