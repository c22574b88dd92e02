package io.telegen.agent.assembly;

import java.util.List;

/** The capabilities the agent assembles, in the order their findings are printed. */
public final class Capabilities {

  /**
   * Every capability, in order. Kubernetes comes first: the GPU sources label each device's series
   * with the pod the kubelet says holds it, and every source a process's series with its pod. GPU sources come next: the capabilities after them
   * join their series with the GPU process table the GPU sources contribute.
   */
  public static final List<CapabilityAssembly> ORDERED =
      List.of(
          new KubernetesAssembly(),
          new GpuAssembly(),
          new GpuCommunicationAssembly(),
          new LlmServingAssembly(),
          new TrainingAssembly(),
          new SelfTelemetryAssembly());

  private Capabilities() {}

  /** Assembles {@link #ORDERED} on {@code node}. */
  public static Assembled assemble(NodeContext node) {
    return assemble(ORDERED, node);
  }

  /**
   * Assembles {@code capabilities} in order, each on the context the ones before it left: a GPU
   * process table one of them contributes is in the context of the rest. When one throws, the
   * sources already built are closed (native handles, threads) before the exception goes on.
   */
  static Assembled assemble(List<CapabilityAssembly> capabilities, NodeContext node) {
    Assembled.Builder all = Assembled.builder();
    NodeContext context = node;
    try {
      for (CapabilityAssembly capability : capabilities) {
        Assembled one = capability.assemble(context);
        all.add(one);
        if (!one.gpuTables().isEmpty()) {
          context = context.withGpuTables(one.gpuTables());
        }
        // The GPU sources were built before most attributions: they read the registry each cycle.
        one.deviceAttributions().forEach(context.deviceAttributions()::add);
        one.processAttributions().forEach(context.processAttributions()::add);
      }
    } catch (RuntimeException e) {
      for (Scheduled built : all.build().scheduled()) {
        built.close();
      }
      throw e;
    }
    return all.build();
  }
}
