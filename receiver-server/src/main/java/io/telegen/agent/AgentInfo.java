package io.telegen.agent;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Properties;
import java.util.function.Supplier;

/** Facts about this agent and its host, read once. */
final class AgentInfo {

  private AgentInfo() {}

  /** The agent's version, filtered into the jar at build time. */
  static String version() {
    try (InputStream in = AgentInfo.class.getResourceAsStream("version.properties")) {
      Properties p = new Properties();
      if (in != null) {
        p.load(in);
      }
      return p.getProperty("version", "unknown");
    } catch (IOException e) {
      return "unknown";
    }
  }

  /**
   * The {@code node} label: the Kubernetes node name where the DaemonSet passes it
   * ({@code NODE_NAME} from the downward API's {@code spec.nodeName}), since inside a pod the host
   * name is the pod's; else the host name.
   */
  static String nodeName() {
    return nodeName(System.getenv("NODE_NAME"), AgentInfo::hostName);
  }

  static String nodeName(String nodeNameEnv, Supplier<String> hostName) {
    return nodeNameEnv != null && !nodeNameEnv.isBlank() ? nodeNameEnv.trim() : hostName.get();
  }

  /**
   * The host name without a DNS lookup where possible: a resolver that times out must not delay
   * start-up.
   */
  static String hostName() {
    String env = System.getenv("HOSTNAME");
    if (env != null && !env.isBlank()) {
      return env.trim();
    }
    try {
      String kernel = Files.readString(Path.of("/proc/sys/kernel/hostname")).trim();
      if (!kernel.isEmpty()) {
        return kernel;
      }
    } catch (IOException | RuntimeException ignored) {
      // not Linux: fall through
    }
    try {
      return InetAddress.getLocalHost().getHostName();
    } catch (IOException e) {
      return "localhost";
    }
  }
}
