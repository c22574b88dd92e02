package io.telegen.agent;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.time.Duration;

/** Whether something listens at the collector's address, for the start-up summary and {@code check}. */
final class CollectorProbe {

  private CollectorProbe() {}

  /** A phrase such as "reachable" or "not reachable yet (Connection refused)". */
  static String describe(String host, int port, Duration timeout) {
    try (Socket socket = new Socket()) {
      socket.connect(new InetSocketAddress(host, port), (int) timeout.toMillis());
      return "reachable";
    } catch (IOException e) {
      return "not reachable yet (" + e.getMessage() + ")";
    }
  }

  static boolean isReachable(String phrase) {
    return phrase.equals("reachable");
  }
}
