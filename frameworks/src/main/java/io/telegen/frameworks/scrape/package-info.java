/**
 * Reading LLM serving frameworks over HTTP: {@link io.telegen.frameworks.scrape.HttpScraper}
 * (bounded, timed GETs streamed into the Prometheus parser),
 * {@link io.telegen.frameworks.scrape.FrameworkScrapeSource} (one endpoint as a metric source),
 * {@link io.telegen.frameworks.scrape.ServingProcessDiscovery} (which serving processes listen
 * where, from {@code /proc}) and {@link io.telegen.frameworks.scrape.DiscoveredServersSource}
 * (the discovered servers, re-discovered periodically).
 */
package io.telegen.frameworks.scrape;
