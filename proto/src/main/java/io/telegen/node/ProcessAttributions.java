package io.telegen.node;

import io.telegen.source.Labels;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * Several {@link ProcessAttribution}s as one: the pod of a process is known to the Kubernetes part
 * of the agent and the training job of a rank to the training part, and a source takes one.
 */
public final class ProcessAttributions {

  private static final ProcessAttribution NONE = pid -> Labels.empty();

  private ProcessAttributions() {}

  /** Nobody is known for any process. */
  public static ProcessAttribution none() {
    return NONE;
  }

  /**
   * The attributions of the parts of the agent assembled so far and later: a source built before
   * the training part asks this registry at every collection, so an attribution added later counts
   * from the next collection on. Where two give the same label, the first one's value is kept.
   * Thread-safe.
   */
  public static final class Registry implements ProcessAttribution {
    private final List<ProcessAttribution> attributions = new CopyOnWriteArrayList<>();

    /** Adds {@code attribution} after those added before. */
    public void add(ProcessAttribution attribution) {
      attributions.add(Objects.requireNonNull(attribution, "attribution"));
    }

    @Override
    public Labels labelsOf(int pid) {
      Labels merged = Labels.empty();
      for (ProcessAttribution attribution : attributions) {
        merged = DeviceAttributions.onto(merged, attribution.labelsOf(pid));
      }
      return merged;
    }
  }
}
