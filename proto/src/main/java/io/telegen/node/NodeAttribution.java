package io.telegen.node;

import java.util.Objects;

/**
 * Who uses what on the node, as a GPU source needs it: the pod or job of each device, for the
 * device's series, and the pod or job of each process, for the series of what that process uses.
 *
 * @param devices the labels of each GPU and MIG device
 * @param processes the labels of each process
 */
public record NodeAttribution(DeviceAttribution devices, ProcessAttribution processes) {

  private static final NodeAttribution NONE =
      new NodeAttribution(DeviceAttributions.none(), ProcessAttributions.none());

  public NodeAttribution {
    Objects.requireNonNull(devices, "devices");
    Objects.requireNonNull(processes, "processes");
  }

  /** Nobody is known for any device or process. */
  public static NodeAttribution none() {
    return NONE;
  }

  /** {@code devices}, and nobody known for any process. */
  public static NodeAttribution ofDevices(DeviceAttribution devices) {
    return new NodeAttribution(devices, ProcessAttributions.none());
  }
}
