package io.telegen.node;

import io.telegen.source.Labels;

/**
 * Who a process belongs to, as labels the sources add to the series of that process, of the
 * server it runs or of the training rank it is: its pod ({@code k8s_pod}, {@code k8s_namespace},
 * {@code k8s_container}). Called on the sources' threads, so an implementation answers from what
 * it already holds.
 */
@FunctionalInterface
public interface ProcessAttribution {

  /** The labels for the series of process {@code pid}; {@link Labels#empty()} when unknown. */
  Labels labelsOf(int pid);
}
