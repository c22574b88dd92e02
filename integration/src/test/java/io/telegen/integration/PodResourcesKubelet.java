package io.telegen.integration;

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
import io.telegen.proto.podresources.v1.PodResources;
import io.telegen.proto.podresources.v1.PodResourcesListerGrpc;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A kubelet's PodResources v1 {@code List} on a unix socket, as the agent's {@code
 * agent.kubernetes.pod_resources_socket} reads it: fixed pods, each container holding devices by
 * the ids the device plugins give them (GPU and MIG UUIDs). {@code Get} of a pod answers NOT_FOUND
 * and {@code GetAllocatableResources} UNIMPLEMENTED, as an older kubelet does.
 */
final class PodResourcesKubelet implements AutoCloseable {

  private final Path socket;
  private final EventLoopGroup group;
  private final Server server;

  private PodResourcesKubelet(Path socket, List<PodResources> pods) throws IOException {
    this.socket = socket;
    Files.createDirectories(socket.getParent());
    Files.deleteIfExists(socket);
    group = new MultiThreadIoEventLoopGroup(1, EpollIoHandler.newFactory());
    server =
        NettyServerBuilder.forAddress(new DomainSocketAddress(socket.toString()))
            .channelType(EpollServerDomainSocketChannel.class)
            .bossEventLoopGroup(group)
            .workerEventLoopGroup(group)
            .addService(new Lister(pods))
            .build()
            .start();
  }

  /** Serves {@code pods} on {@code socket}. */
  static PodResourcesKubelet start(Path socket, List<PodResources> pods) {
    try {
      return new PodResourcesKubelet(socket, pods);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot serve PodResources on " + socket, e);
    }
  }

  /** A pod with one container holding {@code deviceIds} of {@code resource}. */
  static PodResources pod(
      String namespace, String name, String container, String resource, String... deviceIds) {
    return PodResources.newBuilder()
        .setNamespace(namespace)
        .setName(name)
        .addContainers(
            ContainerResources.newBuilder()
                .setName(container)
                .addDevices(
                    ContainerDevices.newBuilder()
                        .setResourceName(resource)
                        .addAllDeviceIds(List.of(deviceIds))))
        .build();
  }

  Path socket() {
    return socket;
  }

  @Override
  public void close() {
    server.shutdownNow();
    try {
      server.awaitTermination(5, TimeUnit.SECONDS);
      group.shutdownGracefully(0, 1, TimeUnit.SECONDS).await(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private static final class Lister extends PodResourcesListerGrpc.PodResourcesListerImplBase {

    private final List<PodResources> pods;

    Lister(List<PodResources> pods) {
      this.pods = List.copyOf(pods);
    }

    @Override
    public void list(
        ListPodResourcesRequest request, StreamObserver<ListPodResourcesResponse> response) {
      response.onNext(ListPodResourcesResponse.newBuilder().addAllPodResources(pods).build());
      response.onCompleted();
    }

    @Override
    public void get(
        GetPodResourcesRequest request, StreamObserver<GetPodResourcesResponse> response) {
      response.onError(
          Status.NOT_FOUND
              .withDescription("pod " + request.getPodName() + " not found")
              .asRuntimeException());
    }

    @Override
    public void getAllocatableResources(
        AllocatableResourcesRequest request,
        StreamObserver<AllocatableResourcesResponse> response) {
      response.onError(Status.UNIMPLEMENTED.asRuntimeException());
    }
  }
}
