package io.telegen.agent.kubernetes;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.junit.FuzzTest;
import com.google.protobuf.InvalidProtocolBufferException;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.telegen.node.GpuRef;
import io.telegen.node.GpuVendor;
import io.telegen.proto.cri.v1.Container;
import io.telegen.proto.cri.v1.ListContainersResponse;
import io.telegen.proto.cri.v1.ListPodSandboxResponse;
import io.telegen.proto.podresources.v1.ContainerDevices;
import io.telegen.proto.podresources.v1.ContainerResources;
import io.telegen.proto.podresources.v1.ListPodResourcesResponse;
import io.telegen.proto.podresources.v1.PodResources;
import io.telegen.source.Labels;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Any answer the kubelet's PodResources {@code List} or the container runtime's CRI {@code
 * ListPodSandbox} and {@code ListContainers} can give, as protobuf bytes: a body that does not
 * decode is an {@link InvalidProtocolBufferException} (what gRPC turns into a failed call); one
 * that does is mapped without an exception into pod labels that name only pods, namespaces and
 * containers the answer listed, each device's holder being a container that holds it.
 *
 * <p>The first input byte chooses the answer: even, the rest is a {@code ListPodResourcesResponse};
 * odd, the next two bytes (big-endian) are the length of a {@code ListPodSandboxResponse} that
 * follows, and what remains is a {@code ListContainersResponse}.
 */
class KubernetesResponsesFuzzTest {

  private static final Set<String> POD_LABELS = Set.of("k8s_pod", "k8s_namespace", "k8s_container");

  @FuzzTest(maxDuration = "12s")
  void map(byte[] input) {
    if (input.length == 0) {
      return;
    }
    try {
      if ((input[0] & 1) == 0) {
        kubelet(ListPodResourcesResponse.parseFrom(Arrays.copyOfRange(input, 1, input.length)));
      } else {
        int split = input.length < 3 ? 0 : (input[1] & 0xff) << 8 | (input[2] & 0xff);
        int from = Math.min(3, input.length);
        int to = Math.min(from + split, input.length);
        cri(
            ListPodSandboxResponse.parseFrom(Arrays.copyOfRange(input, from, to)),
            ListContainersResponse.parseFrom(Arrays.copyOfRange(input, to, input.length)));
      }
    } catch (InvalidProtocolBufferException e) {
      // refused as the gRPC stub refuses it: a failed call, which the callers handle
    }
  }

  private static void kubelet(ListPodResourcesResponse response) {
    List<PodResources> pods = response.getPodResourcesList();
    PodDevices devices = PodDevices.of(pods);
    assertTrue(devices.podsWithDevices() <= pods.size(), "more pods with devices than pods");
    for (PodResources pod : pods) {
      for (ContainerResources container : pod.getContainersList()) {
        for (ContainerDevices held : container.getDevicesList()) {
          GpuVendor vendor = PodDevices.vendorOf(held.getResourceName());
          if (vendor == null) {
            continue;
          }
          for (String id : held.getDeviceIdsList()) {
            String device = PodDevices.deviceOf(id);
            List<PodDevices.Holder> holders =
                devices.holdersOf(GpuRef.gpu(vendor, Integer.MAX_VALUE, device));
            assertTrue(
                holders.stream()
                    .anyMatch(
                        h ->
                            h.pod().equals(pod.getName())
                                && h.namespace().equals(pod.getNamespace())
                                && h.container().equals(container.getName())),
                "device " + id + " of " + pod.getName() + " is not held by its container");
            for (PodDevices.Holder h : holders) {
              assertEquals(1, holders.stream().filter(h::sameContainer).count(), "held twice");
            }
          }
        }
      }
    }
  }

  private static void cri(ListPodSandboxResponse sandboxes, ListContainersResponse containers) {
    Map<String, Labels> labels =
        CriProcessPods.labelsByContainer(sandboxes.getItemsList(), containers.getContainersList());
    assertTrue(labels.size() <= containers.getContainersCount(), "more containers than listed");
    for (Map.Entry<String, Labels> e : labels.entrySet()) {
      assertTrue(
          containers.getContainersList().stream()
              .map(Container::getId)
              .anyMatch(e.getKey()::equals),
          "labels for a container not listed");
      List<KeyValue> attributes = e.getValue().attributes();
      assertEquals(3, attributes.size(), "labels " + attributes);
      for (KeyValue kv : attributes) {
        assertTrue(POD_LABELS.contains(kv.getKey()), kv.getKey());
      }
    }
  }
}
