package io.telegen.frameworks.training;

import java.util.List;

/**
 * The training frameworks the agent recognises: the values {@code agent.aiml.training.
 * detect_frameworks} accepts (and its default, all of them) and the {@code framework} label of
 * {@code training_*} series from a discovered process.
 */
public final class TrainingFrameworks {

  public static final String PYTORCH = "pytorch";
  public static final String TENSORFLOW = "tensorflow";
  public static final String JAX = "jax";

  /** Every training framework, in the order discovery asks about them. */
  public static final List<String> NAMES = List.of(PYTORCH, TENSORFLOW, JAX);

  private TrainingFrameworks() {}
}
