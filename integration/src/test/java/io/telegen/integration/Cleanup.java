package io.telegen.integration;

import java.util.ArrayDeque;
import java.util.Deque;

/**
 * Closes what a test started, last started first, even when some of the closes fail. A test
 * registers each process right after starting it and calls {@link #close()} from
 * {@code @AfterEach}/{@code @AfterAll}.
 */
final class Cleanup implements AutoCloseable {

  private final Deque<AutoCloseable> resources = new ArrayDeque<>();

  synchronized <T extends AutoCloseable> T register(T resource) {
    resources.push(resource);
    return resource;
  }

  @Override
  public synchronized void close() {
    RuntimeException failure = null;
    while (!resources.isEmpty()) {
      try {
        resources.pop().close();
      } catch (Exception e) {
        if (failure == null) {
          failure = new IllegalStateException("cleanup failed", e);
        } else {
          failure.addSuppressed(e);
        }
      }
    }
    if (failure != null) {
      throw failure;
    }
  }
}
