package io.telegen.agent.config;

import java.util.List;

/**
 * A configuration the agent cannot run with. The message lists every problem found, each with
 * the key path (or environment variable) and what was expected, so one edit fixes them all.
 */
public final class ConfigException extends Exception {

  private final List<String> problems;

  ConfigException(String origin, List<String> problems) {
    super(format(origin, problems));
    this.problems = List.copyOf(problems);
  }

  /** Each problem as {@code key.path: what was expected, got what}. */
  public List<String> problems() {
    return problems;
  }

  private static String format(String origin, List<String> problems) {
    StringBuilder sb = new StringBuilder("invalid configuration in ").append(origin);
    if (problems.size() == 1) {
      return sb.append(": ").append(problems.get(0)).toString();
    }
    sb.append(" (").append(problems.size()).append(" problems):");
    for (String problem : problems) {
      sb.append("\n  - ").append(problem);
    }
    return sb.toString();
  }
}
