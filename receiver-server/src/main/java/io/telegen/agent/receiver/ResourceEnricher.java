package io.telegen.agent.receiver;

import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.resource.v1.Resource;
import java.util.List;

/**
 * Adds the agent's resource attributes to what apps send: {@code host.name} and
 * {@code service.name} only where the sender left them out (an app knows its own name best), and
 * {@code telegen.agent.version} always, so the backend can tell which agent relayed the data.
 */
final class ResourceEnricher {

  static final String HOST_NAME = "host.name";
  static final String SERVICE_NAME = "service.name";
  static final String AGENT_VERSION = "telegen.agent.version";

  private final String hostName;
  private final String serviceName;
  private final String agentVersion;

  ResourceEnricher(String hostName, String serviceName, String agentVersion) {
    this.hostName = hostName;
    this.serviceName = serviceName;
    this.agentVersion = agentVersion;
  }

  Resource enrich(Resource resource) {
    Resource.Builder builder = resource.toBuilder();
    List<KeyValue> attributes = resource.getAttributesList();
    boolean hasHost = false;
    boolean hasService = false;
    int versionIndex = -1;
    for (int i = 0; i < attributes.size(); i++) {
      switch (attributes.get(i).getKey()) {
        case HOST_NAME -> hasHost = true;
        case SERVICE_NAME -> hasService = true;
        case AGENT_VERSION -> versionIndex = versionIndex < 0 ? i : versionIndex;
        default -> {}
      }
    }
    if (!hasHost) {
      builder.addAttributes(attribute(HOST_NAME, hostName));
    }
    if (!hasService) {
      builder.addAttributes(attribute(SERVICE_NAME, serviceName));
    }
    if (versionIndex >= 0) {
      builder.setAttributes(versionIndex, attribute(AGENT_VERSION, agentVersion));
      // A sender that set the key more than once: the others go, or a backend that keeps the
      // first of duplicate keys would show the sender's version as the relaying agent's.
      for (int i = attributes.size() - 1; i > versionIndex; i--) {
        if (attributes.get(i).getKey().equals(AGENT_VERSION)) {
          builder.removeAttributes(i);
        }
      }
    } else {
      builder.addAttributes(attribute(AGENT_VERSION, agentVersion));
    }
    return builder.build();
  }

  static KeyValue attribute(String key, String value) {
    return KeyValue.newBuilder()
        .setKey(key)
        .setValue(AnyValue.newBuilder().setStringValue(value))
        .build();
  }
}
