package io.telegen.agent.kubernetes;

import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.NettyChannelBuilder;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.EpollDomainSocketChannel;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.unix.DomainSocketAddress;
import io.telegen.proto.podresources.v1.AllocatableResourcesRequest;
import io.telegen.proto.podresources.v1.AllocatableResourcesResponse;
import io.telegen.proto.podresources.v1.GetPodResourcesRequest;
import io.telegen.proto.podresources.v1.ListPodResourcesRequest;
import io.telegen.proto.podresources.v1.PodResources;
import io.telegen.proto.podresources.v1.PodResourcesListerGrpc;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * The kubelet's PodResources v1 API over its unix socket. Every call has a short deadline: a
 * kubelet answers in milliseconds, and one that does not costs the labels, never a stuck thread.
 * The channel reconnects by itself when the socket comes back (a kubelet restart).
 */
public final class PodResourcesClient implements AutoCloseable {

  private final Path socket;
  private final Duration deadline;
  private final EventLoopGroup group;
  private final ManagedChannel channel;
  private final PodResourcesListerGrpc.PodResourcesListerBlockingStub stub;

  /**
   * @param socket the kubelet's {@code pod-resources/kubelet.sock}
   * @param deadline how long one call may take
   */
  public PodResourcesClient(Path socket, Duration deadline) {
    this.socket = Objects.requireNonNull(socket, "socket");
    this.deadline = Objects.requireNonNull(deadline, "deadline");
    // gRPC's domain-socket transport is netty's epoll; one thread is plenty for a few calls a
    // second.
    this.group = new MultiThreadIoEventLoopGroup(1, EpollIoHandler.newFactory());
    this.channel =
        NettyChannelBuilder.forAddress(new DomainSocketAddress(socket.toString()))
            .channelType(EpollDomainSocketChannel.class)
            .eventLoopGroup(group)
            .overrideAuthority("localhost")
            .usePlaintext()
            .build();
    this.stub = PodResourcesListerGrpc.newBlockingStub(channel);
  }

  /** The socket this client talks to. */
  public Path socket() {
    return socket;
  }

  /** Every pod with its containers' devices. */
  public List<PodResources> list() {
    return call().list(ListPodResourcesRequest.getDefaultInstance()).getPodResourcesList();
  }

  /**
   * As {@link #list()}, but first reconnecting at once and waiting up to the deadline for the
   * connection: after a kubelet restart the channel still holds the last connection's failure
   * (and gRPC's reconnect backoff, up to two minutes), which a plain call would answer at once.
   */
  public List<PodResources> listReconnecting() {
    channel.resetConnectBackoff();
    return call()
        .withWaitForReady()
        .list(ListPodResourcesRequest.getDefaultInstance())
        .getPodResourcesList();
  }

  /**
   * One pod's resources: {@code Get} where the kubelet serves it, else (an older kubelet, or the
   * {@code KubeletPodResourcesGet} feature gate off: UNIMPLEMENTED) the pod from {@code List}.
   * Empty for a pod the kubelet does not know.
   */
  public Optional<PodResources> pod(String name, String namespace) {
    try {
      return Optional.of(
          call()
              .get(
                  GetPodResourcesRequest.newBuilder()
                      .setPodName(name)
                      .setPodNamespace(namespace)
                      .build())
              .getPodResources());
    } catch (StatusRuntimeException e) {
      Status.Code code = e.getStatus().getCode();
      if (code == Status.Code.UNIMPLEMENTED) {
        return list().stream()
            .filter(p -> p.getName().equals(name) && p.getNamespace().equals(namespace))
            .findFirst();
      }
      // The kubelet answers an unknown pod with an error (UNKNOWN or NOT_FOUND, by version).
      if (code == Status.Code.NOT_FOUND || code == Status.Code.UNKNOWN) {
        return Optional.empty();
      }
      throw e;
    }
  }

  /**
   * The devices the kubelet can allocate; empty where it does not serve the call (UNIMPLEMENTED:
   * an older kubelet, or its feature gate off).
   */
  public Optional<AllocatableResourcesResponse> allocatable() {
    try {
      return Optional.of(
          call().getAllocatableResources(AllocatableResourcesRequest.getDefaultInstance()));
    } catch (StatusRuntimeException e) {
      if (e.getStatus().getCode() == Status.Code.UNIMPLEMENTED) {
        return Optional.empty();
      }
      throw e;
    }
  }

  private PodResourcesListerGrpc.PodResourcesListerBlockingStub call() {
    return stub.withDeadlineAfter(deadline.toMillis(), TimeUnit.MILLISECONDS);
  }

  @Override
  public void close() {
    channel.shutdownNow();
    try {
      channel.awaitTermination(1, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
  }
}
