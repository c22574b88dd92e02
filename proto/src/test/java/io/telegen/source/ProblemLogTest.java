package io.telegen.source;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.telegen.source.PartialCollectionException.Problem;
import io.telegen.testsupport.LogLines;
import java.util.List;
import java.util.Set;
import java.util.logging.Logger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class ProblemLogTest {

  private final Logger logger = Logger.getLogger("test.ProblemLogTest");
  private final LogLines logged = LogLines.of(logger);
  private final ProblemLog log = new ProblemLog(logger, "infiniband");

  ProblemLogTest() {
    logger.setUseParentHandlers(false);
  }

  @AfterEach
  void detach() {
    logged.close();
  }

  @Test
  void aProblemIsLoggedTheFirstTimeOnlyAndOnceWhenItClears() {
    assertTrue(log.report("mlx5_1/1", "mlx5_1 port 1: counter is not a number"));
    assertFalse(log.report("mlx5_1/1", "mlx5_1 port 1: counter is not a number"));
    assertFalse(log.report("mlx5_1/1", "a changed message for the same key"));
    assertTrue(log.clear("mlx5_1/1"));
    assertFalse(log.clear("mlx5_1/1"));

    assertEquals(
        List.of(
            "WARNING infiniband: mlx5_1 port 1: counter is not a number",
            "INFO infiniband: cleared: mlx5_1 port 1: counter is not a number"),
        logged.lines());
  }

  @Test
  void aProblemThatComesBackIsLoggedAgain() {
    log.report("k", "down");
    log.clear("k", "up again");
    log.report("k", "down");

    assertEquals(
        List.of(
            "WARNING infiniband: down", "INFO infiniband: up again", "WARNING infiniband: down"),
        logged.lines());
  }

  @Test
  void updateLogsNewProblemsAndClearsThoseNoLongerReported() {
    log.update(List.of(new Problem("a", "a is broken"), new Problem("b", "b is broken")));
    log.update(List.of(new Problem("b", "b is broken"), new Problem("c", "c is broken")));
    assertEquals(Set.of("b", "c"), log.active());
    log.clearAll();

    assertEquals(
        List.of(
            "WARNING infiniband: a is broken",
            "WARNING infiniband: b is broken",
            "WARNING infiniband: c is broken",
            "INFO infiniband: cleared: a is broken",
            "INFO infiniband: cleared: b is broken",
            "INFO infiniband: cleared: c is broken"),
        logged.lines());
    assertEquals(Set.of(), log.active());
  }

  @Test
  void clearingAKeyThatWasNeverReportedLogsNothing() {
    assertFalse(log.clear("never"));
    log.clearAll();

    assertEquals(List.of(), logged.lines());
  }
}
