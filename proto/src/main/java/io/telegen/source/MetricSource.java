package io.telegen.source;

/**
 * A producer of metrics that the agent runs on a schedule: one NVML reader, one framework
 * endpoint, one training job's event files.
 *
 * <p>The scheduler calls {@link #collect} from one thread at a time, under a timeout, and
 * isolates failures: an exception or a timeout costs this source its cycle, is counted in
 * {@code telegen_agent_collection_errors_total}, and never affects other sources. A source
 * therefore reports partial results by writing what it has and throwing afterwards.
 */
public interface MetricSource extends AutoCloseable {

  /** A short stable name used in logs and as the {@code source} label of self-telemetry. */
  String name();

  /** Writes one cycle's metrics into {@code batch}. */
  void collect(MetricBatch batch) throws Exception;

  /** Releases native handles, sockets or files. Called once; must not throw. */
  @Override
  default void close() {}
}
