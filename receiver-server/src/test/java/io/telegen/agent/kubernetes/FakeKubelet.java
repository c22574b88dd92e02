package io.telegen.agent.kubernetes;

import io.grpc.Server;
import io.grpc.Status;
import io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.StreamObserver;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerDomainSocketChannel;
import io.netty.channel.unix.DomainSocketAddress;
import io.telegen.proto.podresources.v1.AllocatableResourcesRequest;
import io.telegen.proto.podresources.v1.AllocatableResourcesResponse;
import io.telegen.proto.podresources.v1.ContainerDevices;
import io.telegen.proto.podresources.v1.ContainerResources;
import io.telegen.proto.podresources.v1.GetPodResourcesRequest;
import io.telegen.proto.podresources.v1.GetPodResourcesResponse;
import io.telegen.proto.podresources.v1.ListPodResourcesRequest;
import io.telegen.proto.podresources.v1.ListPodResourcesResponse;
import io.telegen.proto.podresources.v1.NUMANode;
import io.telegen.proto.podresources.v1.PodResources;
import io.telegen.proto.podresources.v1.PodResourcesListerGrpc;
import io.telegen.proto.podresources.v1.TopologyInfo;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A kubelet's PodResources v1 service: a real gRPC server on a unix socket, answering as kubelets
 * do. {@code List} gives one {@link ContainerDevices} entry per device and NUMA node (with its
 * topology); {@code Get} of an unknown pod fails as the kubelet's does ({@code pod ... not found},
 * status UNKNOWN); {@link #olderKubelet()} answers {@code Get} and {@code
 * GetAllocatableResources} UNIMPLEMENTED, as a kubelet without the feature gate does. It can be
 * stopped and started again on the same socket (a kubelet restart), or refuse every call with a
 * status (a kubelet that does not let the agent in).
 */
public final class FakeKubelet implements AutoCloseable {

  private final Path socket;
  private final List<PodResources> pods = new ArrayList<>();
  private final List<String> allocatable = new ArrayList<>();
  private volatile boolean older;
  private volatile Status refuse;
  private volatile int lists;
  private EventLoopGroup group;
  private Server server;

  private FakeKubelet(Path socket) {
    this.socket = socket;
  }

  /** A kubelet serving on {@code socket} (the parent directory is created). */
  public static FakeKubelet start(Path socket) throws IOException {
    FakeKubelet kubelet = new FakeKubelet(socket);
    kubelet.startServing();
    return kubelet;
  }

  public Path socket() {
    return socket;
  }

  /** A pod whose containers hold devices: see {@link #container}. */
  public synchronized FakeKubelet pod(
      String namespace, String name, ContainerResources... containers) {
    pods.add(
        PodResources.newBuilder()
            .setNamespace(namespace)
            .setName(name)
            .addAllContainers(List.of(containers))
            .build());
    return this;
  }

  /** Removes every pod. */
  public synchronized FakeKubelet clear() {
    pods.clear();
    return this;
  }

  /** Device ids the kubelet can allocate, for {@code GetAllocatableResources}. */
  public synchronized FakeKubelet allocatable(String... ids) {
    allocatable.addAll(List.of(ids));
    return this;
  }

  /**
   * A container; each of its {@code resource}'s device ids is listed once per NUMA node it is on,
   * as the kubelet's device manager does.
   */
  public static ContainerResources container(String name, String resource, String... deviceIds) {
    ContainerResources.Builder container = ContainerResources.newBuilder().setName(name);
    for (String id : deviceIds) {
      container.addDevices(numaDevice(resource, id, 0));
    }
    return container.build();
  }

  /** A container without devices (a sidecar). */
  public static ContainerResources sidecar(String name) {
    return ContainerResources.newBuilder().setName(name).addCpuIds(3).build();
  }

  /** A container whose one device spans two NUMA nodes: two entries for it. */
  public static ContainerResources acrossNuma(String name, String resource, String deviceId) {
    return ContainerResources.newBuilder()
        .setName(name)
        .addDevices(numaDevice(resource, deviceId, 0))
        .addDevices(numaDevice(resource, deviceId, 1))
        .build();
  }

  private static ContainerDevices numaDevice(String resource, String id, int numa) {
    return ContainerDevices.newBuilder()
        .setResourceName(resource)
        .addDeviceIds(id)
        .setTopology(TopologyInfo.newBuilder().addNodes(NUMANode.newBuilder().setID(numa)))
        .build();
  }

  /** Answers {@code Get} and {@code GetAllocatableResources} UNIMPLEMENTED (before 1.27). */
  public FakeKubelet olderKubelet() {
    older = true;
    return this;
  }

  /** Refuses every call with {@code status}; null serves again. */
  public FakeKubelet refuse(Status status) {
    refuse = status;
    return this;
  }

  /** How many {@code List} calls it answered. */
  public int lists() {
    return lists;
  }

  /** Stops serving and removes the socket, as a kubelet that stops does. */
  public void stop() {
    server.shutdownNow();
    try {
      server.awaitTermination(5, TimeUnit.SECONDS);
      group.shutdownGracefully(0, 1, TimeUnit.SECONDS).await(5, TimeUnit.SECONDS);
      Files.deleteIfExists(socket);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  /** Serves again on the same socket, as a restarted kubelet does. */
  public void startServing() throws IOException {
    Files.createDirectories(socket.getParent());
    Files.deleteIfExists(socket);
    group = new MultiThreadIoEventLoopGroup(1, EpollIoHandler.newFactory());
    server =
        NettyServerBuilder.forAddress(new DomainSocketAddress(socket.toString()))
            .channelType(EpollServerDomainSocketChannel.class)
            .bossEventLoopGroup(group)
            .workerEventLoopGroup(group)
            .addService(new Service())
            .build()
            .start();
  }

  @Override
  public void close() {
    stop();
  }

  private synchronized List<PodResources> snapshot() {
    return List.copyOf(pods);
  }

  private final class Service extends PodResourcesListerGrpc.PodResourcesListerImplBase {

    private boolean refused(StreamObserver<?> response) {
      Status status = refuse;
      if (status != null) {
        response.onError(status.asRuntimeException());
        return true;
      }
      return false;
    }

    @Override
    public void list(
        ListPodResourcesRequest request, StreamObserver<ListPodResourcesResponse> response) {
      if (refused(response)) {
        return;
      }
      lists++;
      response.onNext(ListPodResourcesResponse.newBuilder().addAllPodResources(snapshot()).build());
      response.onCompleted();
    }

    @Override
    public void get(
        GetPodResourcesRequest request, StreamObserver<GetPodResourcesResponse> response) {
      if (refused(response)) {
        return;
      }
      if (older) {
        super.get(request, response);
        return;
      }
      for (PodResources pod : snapshot()) {
        if (pod.getName().equals(request.getPodName())
            && pod.getNamespace().equals(request.getPodNamespace())) {
          response.onNext(GetPodResourcesResponse.newBuilder().setPodResources(pod).build());
          response.onCompleted();
          return;
        }
      }
      // The kubelet's server returns a plain Go error here, which gRPC sends as UNKNOWN.
      response.onError(
          Status.UNKNOWN
              .withDescription(
                  "pod "
                      + request.getPodName()
                      + " not found in namespace "
                      + request.getPodNamespace())
              .asRuntimeException());
    }

    @Override
    public void getAllocatableResources(
        AllocatableResourcesRequest request,
        StreamObserver<AllocatableResourcesResponse> response) {
      if (refused(response)) {
        return;
      }
      if (older) {
        super.getAllocatableResources(request, response);
        return;
      }
      AllocatableResourcesResponse.Builder devices = AllocatableResourcesResponse.newBuilder();
      synchronized (FakeKubelet.this) {
        for (String id : allocatable) {
          devices.addDevices(numaDevice("nvidia.com/gpu", id, 0));
        }
      }
      response.onNext(devices.build());
      response.onCompleted();
    }
  }
}
