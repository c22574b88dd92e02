package io.telegen.node;

import io.telegen.source.Labels;

/**
 * Who uses a GPU or MIG device, as labels its GPU source adds to that device's series: the pod
 * whose container holds it ({@code k8s_pod}, {@code k8s_namespace}, {@code k8s_container}), the
 * training job of the rank that uses it ({@code job}, {@code node}). Called on the GPU source's
 * thread every collection, so an implementation answers from what it already holds.
 */
@FunctionalInterface
public interface DeviceAttribution {

  /** The labels for the series of {@code device}; {@link Labels#empty()} when nobody is known. */
  Labels labelsOf(GpuRef device);
}
