package io.telegen.agent.assembly;

import io.telegen.frameworks.scrape.FrameworkScrapeSource;
import java.net.URI;

/**
 * A configured {@code metrics_endpoint}, understood: the {@code instance} label it is scraped
 * under, its port, and whether it is on this host (then its processes can be found by that port).
 *
 * @param uri the full metrics URL, e.g. {@code http://127.0.0.1:8000/metrics}
 * @param instance {@code host:port}, the port filled in from the scheme where the URL leaves it
 *     out
 * @param port the port of {@code instance}
 * @param local whether the host is a loopback or any-address name of this host
 */
record ConfiguredEndpoint(URI uri, String instance, int port, boolean local) {

  /** Parses a {@code metrics_endpoint} that config validation already accepted. */
  static ConfiguredEndpoint parse(String metricsEndpoint) {
    URI uri = URI.create(metricsEndpoint);
    String instance = FrameworkScrapeSource.instanceOf(uri);
    int port = Integer.parseInt(instance.substring(instance.lastIndexOf(':') + 1));
    return new ConfiguredEndpoint(uri, instance, port, isLocal(uri.getHost()));
  }

  static boolean isLocal(String host) {
    return host != null
        && (host.equals("localhost")
            || host.startsWith("127.")
            || host.equals("[::1]")
            || host.equals("::1")
            || host.equals("0.0.0.0"));
  }
}
