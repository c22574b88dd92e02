package io.telegen.integration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.opentelemetry.proto.resource.v1.Resource;
import java.io.IOException;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashSet;
import java.util.Optional;
import java.util.Set;

/**
 * Checks what the agent's receiver must do to the resource of data that applications send through
 * it: keep the application's {@code service.name}, add {@code host.name} (the same one the agent
 * reports for itself) and {@code telegen.agent.version}.
 */
final class AgentEnrichment {

  private AgentEnrichment() {}

  static void assertEnrichedByAgent(
      Resource resource, String serviceName, CollectorFileOutput output, Duration timeout) {
    String what = "resource " + Otlp.attributes(resource.getAttributesList());
    assertEquals(
        Optional.of(serviceName),
        Otlp.attribute(resource.getAttributesList(), "service.name"),
        what);

    Optional<String> version =
        Otlp.attribute(resource.getAttributesList(), "telegen.agent.version");
    assertTrue(
        version.isPresent() && !version.get().isBlank(), "no telegen.agent.version on the " + what);

    Optional<String> hostName = Otlp.attribute(resource.getAttributesList(), "host.name");
    assertTrue(hostName.isPresent() && !hostName.get().isBlank(), "no host.name on the " + what);
    Set<String> candidates = localHostNames();
    assertTrue(
        candidates.contains(hostName.get()),
        "host.name " + hostName.get() + " is none of this machine's names " + candidates);

    // the agent's own telemetry names the same host and version
    Otlp.ResourceMetric own =
        output.awaitAnyMetric(
            "the agent's own telemetry (service.name " + AgentProcess.SERVICE_NAME + ")",
            m -> m.serviceName().equals(AgentProcess.SERVICE_NAME),
            timeout);
    assertEquals(
        own.resourceAttribute("host.name"),
        hostName,
        "host.name differs between the agent's own telemetry and what its receiver added");
    assertEquals(
        own.resourceAttribute("telegen.agent.version"),
        version,
        "telegen.agent.version differs between the agent's own telemetry and what its receiver added");
  }

  /** The names this machine goes by: $HOSTNAME, the kernel's host name, Java's local host name. */
  static Set<String> localHostNames() {
    Set<String> names = new LinkedHashSet<>();
    String env = System.getenv("HOSTNAME");
    if (env != null && !env.isBlank()) {
      names.add(env.strip());
    }
    try {
      names.add(Files.readString(Path.of("/proc/sys/kernel/hostname")).strip());
    } catch (IOException | RuntimeException notLinux) {
      // other systems: Java's name below
    }
    try {
      names.add(InetAddress.getLocalHost().getHostName());
      names.add(InetAddress.getLocalHost().getCanonicalHostName());
    } catch (IOException unresolvable) {
      // a host whose name does not resolve: the names above
    }
    names.remove("");
    assertFalse(names.isEmpty(), "cannot tell this machine's host name");
    return names;
  }
}
