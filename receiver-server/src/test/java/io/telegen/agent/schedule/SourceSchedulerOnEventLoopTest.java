package io.telegen.agent.schedule;

import static io.telegen.agent.schedule.TestSources.awaitTrue;
import static io.telegen.agent.schedule.TestSources.healthy;
import static io.telegen.agent.schedule.TestSources.stuck;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.telegen.agent.telemetry.AgentTelemetry;
import io.telegen.catalog.MetricCatalog;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The agent's scheduler, timed on its I/O event loop instead of a ticker thread of its own. */
class SourceSchedulerOnEventLoopTest {

  private final EventLoopGroup eventLoop =
      new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
  private final AgentTelemetry telemetry = new AgentTelemetry(0);
  private final AtomicInteger delivered = new AtomicInteger();
  private final SourceScheduler scheduler =
      new SourceScheduler(
          MetricCatalog.load(),
          telemetry,
          (source, batch) -> delivered.incrementAndGet(),
          Clock.systemUTC(),
          eventLoop.next());
  private final CountDownLatch release = new CountDownLatch(1);

  @AfterEach
  void tearDown() {
    release.countDown();
    scheduler.close();
    eventLoop.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly(3_000);
  }

  @Test
  void aStuckSourceHoldsOnlyItsThreadAndCloseStopsTheTicksButNotTheEventLoop() throws Exception {
    AtomicInteger healthyRuns = new AtomicInteger();
    AtomicInteger stuckStarts = new AtomicInteger();
    scheduler.add(healthy(healthyRuns), Duration.ofMillis(50));
    scheduler.add(stuck(stuckStarts, release), Duration.ofMillis(50));
    scheduler.start();

    awaitTrue(() -> healthyRuns.get() >= 10 && delivered.get() >= 10);
    assertEquals(1, stuckStarts.get(), "no second collection of a stuck source may start");

    scheduler.close();
    int runsAtClose = healthyRuns.get();
    Thread.sleep(300);
    assertTrue(healthyRuns.get() <= runsAtClose + 1, "ticks go on after close: " + healthyRuns);
    assertFalse(eventLoop.isShuttingDown(), "the scheduler shut down an event loop it borrowed");
    assertEquals(
        "still running", eventLoop.next().submit(() -> "still running").get(1, TimeUnit.SECONDS));
  }
}
