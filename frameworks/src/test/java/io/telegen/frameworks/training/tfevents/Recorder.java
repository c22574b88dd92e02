package io.telegen.frameworks.training.tfevents;

import java.util.ArrayList;
import java.util.List;

/** A sink that keeps every scalar it is given, in order. */
final class Recorder implements ScalarSink {

  /** One delivered scalar; NaN equals NaN here, as records compare doubles with Double.compare. */
  record Scalar(String tag, long step, double wallTime, double value) {}

  private final List<Scalar> scalars = new ArrayList<>();

  @Override
  public void scalar(String tag, long step, double wallTimeSeconds, double value) {
    scalars.add(new Scalar(tag, step, wallTimeSeconds, value));
  }

  List<Scalar> scalars() {
    return scalars;
  }

  /** The values of one tag as (step, value) pairs, in order. */
  List<Scalar> tag(String tag) {
    return scalars.stream().filter(s -> s.tag().equals(tag)).toList();
  }
}
