package io.telegen.proto.podresources.v1;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.google.protobuf.InvalidProtocolBufferException;
import org.junit.jupiter.api.Test;

class PodResourcesApiTest {

  @Test
  void grpcPathsUseTheKubeletWirePackage() {
    // The kubelet routes on this exact path; the Java package must not leak into it.
    assertEquals(
        "v1.PodResourcesLister/List", PodResourcesListerGrpc.getListMethod().getFullMethodName());
    assertEquals(
        "v1.PodResourcesLister/GetAllocatableResources",
        PodResourcesListerGrpc.getGetAllocatableResourcesMethod().getFullMethodName());
    assertEquals(
        "v1.PodResourcesLister/Get", PodResourcesListerGrpc.getGetMethod().getFullMethodName());
    assertEquals("v1.PodResources", PodResources.getDescriptor().getFullName());
  }

  @Test
  void listResponseWithAGpuRoundTrips() throws InvalidProtocolBufferException {
    ListPodResourcesResponse response =
        ListPodResourcesResponse.newBuilder()
            .addPodResources(
                PodResources.newBuilder()
                    .setName("llm-server-abc")
                    .setNamespace("inference")
                    .addContainers(
                        ContainerResources.newBuilder()
                            .setName("vllm")
                            .addDevices(
                                ContainerDevices.newBuilder()
                                    .setResourceName("nvidia.com/gpu")
                                    .addDeviceIds("GPU-604ac76c-d9cf-fef3-62e9-d92044ab6e52")
                                    .setTopology(
                                        TopologyInfo.newBuilder()
                                            .addNodes(NUMANode.newBuilder().setID(0))))
                            .addCpuIds(3)
                            .addMemory(
                                ContainerMemory.newBuilder()
                                    .setMemoryType("memory")
                                    .setSize(1L << 30))))
            .build();

    ListPodResourcesResponse decoded = ListPodResourcesResponse.parseFrom(response.toByteArray());

    assertEquals(response, decoded);
    ContainerDevices devices = decoded.getPodResources(0).getContainers(0).getDevices(0);
    assertEquals("nvidia.com/gpu", devices.getResourceName());
    assertEquals("GPU-604ac76c-d9cf-fef3-62e9-d92044ab6e52", devices.getDeviceIds(0));
    assertEquals("llm-server-abc", decoded.getPodResources(0).getName());
  }

  @Test
  void fieldNumbersMatchTheKubelet() throws InvalidProtocolBufferException {
    // pod_resources=1 > containers=3 > devices=2 > resource_name=1, hand-encoded as the kubelet
    // sends it.
    byte[] wire = {
      0x0a,
      0x14, // pod_resources (1), 20 bytes
      0x0a,
      0x01,
      'p', //   name (1)
      0x1a,
      0x0f, //   containers (3), 15 bytes
      0x12,
      0x0d, //     devices (2), 13 bytes
      0x0a,
      0x05,
      'a',
      '.',
      'c',
      'o',
      'm', //       resource_name (1)
      0x12,
      0x04,
      'G',
      'P',
      'U',
      '-' //       device_ids (2)
    };
    ListPodResourcesResponse decoded = ListPodResourcesResponse.parseFrom(wire);
    ContainerDevices devices = decoded.getPodResources(0).getContainers(0).getDevices(0);
    assertEquals("p", decoded.getPodResources(0).getName());
    assertEquals("a.com", devices.getResourceName());
    assertEquals("GPU-", devices.getDeviceIds(0));
  }
}
