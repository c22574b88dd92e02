package io.telegen.source;

/**
 * A producer of metrics that the agent runs on a schedule: one NVML reader, one framework
 * endpoint, one training job's event files.
 *
 * <p>The scheduler calls {@link #collect} from one thread at a time and never starts a
 * collection while the previous one is still running (a call stuck in a driver cannot be
 * interrupted): that tick is skipped and counted. Failures are isolated: an exception costs
 * this source its cycle, is counted in {@code telegen_agent_collection_errors_total}, and never
 * affects other sources. A source that read some of what it reads writes that and then throws
 * {@link PartialCollectionException} naming what it could not: the batch is delivered and the
 * cycle counted as {@code reason="partial"}.
 */
public interface MetricSource extends AutoCloseable {

  /**
   * A short stable name used as the {@code source} label of self-telemetry, e.g. {@code vllm}.
   * It need not be unique: two vLLM servers are both {@code vllm}, and their collection counts
   * and durations share one series. Log lines use {@link #logName()}.
   */
  String name();

  /**
   * The source as log lines name it, telling apart sources of one {@link #name()}: for example
   * {@code vllm at 127.0.0.1:8000}. Default {@link #name()}.
   */
  default String logName() {
    return name();
  }

  /** Writes one cycle's metrics into {@code batch}. */
  void collect(MetricBatch batch) throws Exception;

  /** Releases native handles, sockets or files. Called once; must not throw. */
  @Override
  default void close() {}
}
