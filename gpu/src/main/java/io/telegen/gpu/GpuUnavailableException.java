package io.telegen.gpu;

/**
 * A GPU source cannot run on this machine: no driver library, no GPU, or a driver that refuses to
 * start. The message says what was found and what to do, in one line fit for the agent's log.
 */
public final class GpuUnavailableException extends Exception {

  public GpuUnavailableException(String message) {
    super(message);
  }
}
