package io.telegen.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.telegen.agent.config.AgentConfig;
import io.telegen.agent.receiver.ReceiverCredentials;
import io.telegen.testsupport.LogLines;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.logging.Logger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A receiver others can reach without TLS or a token is said to be open, once, at start. */
class OpenReceiverWarningTest {

  @TempDir Path dir;

  @Test
  void onlyAnOpenReceiverBeyondLoopbackIsWarnedAbout() throws Exception {
    Path token = Files.writeString(dir.resolve("token"), "t");
    try (LogLines log = LogLines.of(Logger.getLogger(Agent.class.getName()))) {
      warn(new AgentConfig.Receiver(true, "127.0.0.1", 4319, 1024));
      warn(new AgentConfig.Receiver(true, "localhost", 4319, 1024));
      warn(
          new AgentConfig.Receiver(
              true, "0.0.0.0", 4319, 1024, Optional.empty(), Optional.of(token)));
      assertEquals(List.of(), log.lines());

      warn(new AgentConfig.Receiver(true, "0.0.0.0", 4319, 1024));
      List<String> lines = log.lines();
      assertEquals(1, lines.size(), lines.toString());
      assertTrue(
          lines.get(0).contains("listens on 0.0.0.0:4319 without TLS or a bearer token"),
          lines.get(0));
      assertTrue(lines.get(0).contains("agent.receiver.auth.bearer_token_file"), lines.get(0));
    }
  }

  private static void warn(AgentConfig.Receiver receiver) throws Exception {
    try (ReceiverCredentials credentials = ReceiverCredentials.load(receiver)) {
      Agent.warnIfOpen(receiver, credentials);
    }
  }
}
