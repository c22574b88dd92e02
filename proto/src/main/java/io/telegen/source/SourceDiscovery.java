package io.telegen.source;

import java.util.List;

/**
 * A set of sources that changes while the agent runs, such as the LLM servers found in
 * {@code /proc}: each found server is a {@link MetricSource} of its own.
 *
 * <p>The scheduler asks {@link #current} every rediscovery period, from a thread of its own and
 * never concurrently with itself. A source in the answer that was not in the last one (compared
 * by identity) is scheduled like any other source, with its own failures counted under its own
 * {@link MetricSource#name()}; a source missing from the answer is no longer scheduled and is
 * closed once its in-flight collection, if any, ends. An implementation therefore returns the
 * same instance for as long as the thing it reads is there, and a new one when it came back.
 */
public interface SourceDiscovery extends AutoCloseable {

  /** A short stable name for logs, e.g. {@code llm-discovery}. */
  String name();

  /**
   * The sources present now. A failure keeps the last answer's sources running; it is logged once
   * until a later call succeeds.
   */
  List<? extends MetricSource> current() throws Exception;

  /** Releases what discovery holds; the scheduler closes the sources it was given itself. */
  @Override
  default void close() {}
}
