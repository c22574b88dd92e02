package io.telegen.frameworks.training.tfevents;

/** Receives scalar values as records are read. */
@FunctionalInterface
public interface ScalarSink {

  /**
   * One scalar, in file order.
   *
   * @param tag the series name as written, e.g. {@code train/loss} or {@code epoch_loss}
   * @param step the record's step (the writer's global step, or the epoch for Keras)
   * @param wallTimeSeconds seconds since the epoch when the writer logged the value
   * @param value the value; NaN and infinities are passed through as written
   */
  void scalar(String tag, long step, double wallTimeSeconds, double value);
}
