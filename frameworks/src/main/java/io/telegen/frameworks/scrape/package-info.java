/**
 * Reading LLM serving frameworks over HTTP: {@link io.telegen.frameworks.scrape.HttpScraper}
 * (bounded, timed GETs streamed into the Prometheus parser),
 * {@link io.telegen.frameworks.scrape.FrameworkScrapeSource} (one endpoint as a metric source),
 * {@link io.telegen.frameworks.scrape.ServingProcessDiscovery} (which serving processes listen
 * where, from {@code /proc}) and {@link io.telegen.frameworks.scrape.DiscoveredServers}
 * (the discovered servers as a changing set of sources the agent's scheduler runs).
 */
package io.telegen.frameworks.scrape;
