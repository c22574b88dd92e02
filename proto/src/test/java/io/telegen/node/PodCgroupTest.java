package io.telegen.node;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Optional;
import org.junit.jupiter.api.Test;

class PodCgroupTest {

  private static final String UID = "1d3c5f0e-8a2b-4c6d-9e7f-0a1b2c3d4e5f";
  private static final String ID =
      "4c1f0d9e2b3a5c6d7e8f9a0b1c2d3e4f5a6b7c8d9e0f1a2b3c4d5e6f7a8b9c0d";
  private static final PodCgroup POD = new PodCgroup(UID, ID);

  @Test
  void cgroupV2UnderTheSystemdDriverNamesPodAndContainer() {
    String v2 =
        "0::/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod"
            + UID.replace('-', '_')
            + ".slice/cri-containerd-"
            + ID
            + ".scope\n";
    assertEquals(Optional.of(POD), PodCgroup.parse(v2));
    // A Guaranteed pod has no QoS slice; CRI-O names its scopes crio-<id>.
    assertEquals(
        Optional.of(POD),
        PodCgroup.parse(
            "0::/kubepods.slice/kubepods-pod"
                + UID.replace('-', '_')
                + ".slice/crio-"
                + ID
                + ".scope"));
  }

  @Test
  void cgroupV1UnderTheCgroupfsDriverNamesPodAndContainer() {
    String v1 =
        "12:blkio:/\n"
            + "11:memory:/kubepods/burstable/pod"
            + UID
            + "/"
            + ID
            + "\n"
            + "1:name=systemd:/kubepods/burstable/pod"
            + UID
            + "/"
            + ID
            + "\n";
    assertEquals(Optional.of(POD), PodCgroup.parse(v1));
    assertEquals(
        Optional.of(POD), PodCgroup.parse("4:devices:/kubepods/pod" + UID + "/" + ID + "\n"));
  }

  @Test
  void aProcessInNoPodsContainerHasNone() {
    assertEquals(
        Optional.empty(), PodCgroup.parse("0::/user.slice/user-1000.slice/session-3.scope\n"));
    assertEquals(Optional.empty(), PodCgroup.parse("0::/system.slice/docker-" + ID + ".scope\n"));
    // CRI-O's monitor sits beside the container, not in it.
    assertEquals(
        Optional.empty(),
        PodCgroup.parse(
            "0::/kubepods.slice/kubepods-pod"
                + UID.replace('-', '_')
                + ".slice/crio-conmon-"
                + ID
                + ".scope"));
    assertEquals(Optional.empty(), PodCgroup.parse(""));
  }
}
