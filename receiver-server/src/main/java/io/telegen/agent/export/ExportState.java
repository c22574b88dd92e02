package io.telegen.agent.export;

/**
 * Whether the agent can deliver to its collector, as the {@link ExportLoop} last found out: what
 * the agent's gRPC health service answers for readiness.
 */
public enum ExportState {
  /**
   * The collector took the last delivery (or the loop has not tried yet: nothing has shown that
   * the collector is away, and an agent with nothing to send must not look broken).
   */
  EXPORTING,
  /**
   * An attempt could not reach the collector, or it asked to retry, and nothing has been
   * delivered since: data stays queued. Exactly while the loop's outage is logged as active.
   */
  OUTAGE
}
