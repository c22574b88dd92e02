package io.telegen.agent.kubernetes;

import io.grpc.Server;
import io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.StreamObserver;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerDomainSocketChannel;
import io.netty.channel.unix.DomainSocketAddress;
import io.telegen.proto.cri.v1.Container;
import io.telegen.proto.cri.v1.ContainerMetadata;
import io.telegen.proto.cri.v1.ListContainersRequest;
import io.telegen.proto.cri.v1.ListContainersResponse;
import io.telegen.proto.cri.v1.ListPodSandboxRequest;
import io.telegen.proto.cri.v1.ListPodSandboxResponse;
import io.telegen.proto.cri.v1.PodSandbox;
import io.telegen.proto.cri.v1.PodSandboxMetadata;
import io.telegen.proto.cri.v1.RuntimeServiceGrpc;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A container runtime's CRI v1 RuntimeService (the subset the agent calls): a real gRPC server on
 * a unix socket answering {@code ListPodSandbox} and {@code ListContainers} as containerd does,
 * the pause sandbox once per pod and each container with the kubelet's {@code io.kubernetes.*}
 * labels. {@link #cgroup} writes a process's {@code /proc/<pid>/cgroup} as the kubelet's systemd
 * driver lays it out, so a fake {@code /proc} puts the process in that container.
 */
public final class FakeContainerRuntime implements AutoCloseable {

  private final Path socket;
  private final Map<String, PodSandbox> sandboxes = new LinkedHashMap<>();
  private final List<Container> containers = new ArrayList<>();
  private final AtomicInteger listings = new AtomicInteger();
  private final EventLoopGroup group;
  private final Server server;

  private FakeContainerRuntime(Path socket) throws IOException {
    this.socket = socket;
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

  /** A runtime serving on {@code socket} (the parent directory is created). */
  public static FakeContainerRuntime start(Path socket) throws IOException {
    return new FakeContainerRuntime(socket);
  }

  public Path socket() {
    return socket;
  }

  /**
   * Adds container {@code id} (64 hex digits) named {@code name} to pod {@code namespace/pod},
   * whose UID is {@code podUid}; the pod's sandbox is added with its first container.
   */
  public synchronized FakeContainerRuntime container(
      String podUid, String namespace, String pod, String name, String id) {
    String sandboxId = "sandbox-" + podUid;
    sandboxes.computeIfAbsent(
        sandboxId,
        key ->
            PodSandbox.newBuilder()
                .setId(key)
                .setMetadata(
                    PodSandboxMetadata.newBuilder()
                        .setName(pod)
                        .setNamespace(namespace)
                        .setUid(podUid))
                .build());
    containers.add(
        Container.newBuilder()
            .setId(id)
            .setPodSandboxId(sandboxId)
            .setMetadata(ContainerMetadata.newBuilder().setName(name))
            .putLabels("io.kubernetes.pod.name", pod)
            .putLabels("io.kubernetes.pod.namespace", namespace)
            .putLabels("io.kubernetes.container.name", name)
            .putLabels("io.kubernetes.pod.uid", podUid)
            .build());
    return this;
  }

  /** How many times {@code ListContainers} was answered. */
  public int listings() {
    return listings.get();
  }

  /**
   * Writes {@code <proc>/<pid>/cgroup} as cgroup v2 with the kubelet's systemd driver names it for
   * container {@code containerId} of the Burstable pod {@code podUid}.
   */
  public static void cgroup(Path proc, int pid, String podUid, String containerId)
      throws IOException {
    Path dir = proc.resolve(Integer.toString(pid));
    Files.createDirectories(dir);
    Files.writeString(
        dir.resolve("cgroup"),
        "0::/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod"
            + podUid.replace('-', '_')
            + ".slice/cri-containerd-"
            + containerId
            + ".scope\n");
  }

  @Override
  public void close() {
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

  private final class Service extends RuntimeServiceGrpc.RuntimeServiceImplBase {
    @Override
    public void listPodSandbox(
        ListPodSandboxRequest request, StreamObserver<ListPodSandboxResponse> response) {
      synchronized (FakeContainerRuntime.this) {
        response.onNext(
            ListPodSandboxResponse.newBuilder().addAllItems(sandboxes.values()).build());
      }
      response.onCompleted();
    }

    @Override
    public void listContainers(
        ListContainersRequest request, StreamObserver<ListContainersResponse> response) {
      listings.incrementAndGet();
      synchronized (FakeContainerRuntime.this) {
        response.onNext(ListContainersResponse.newBuilder().addAllContainers(containers).build());
      }
      response.onCompleted();
    }
  }
}
