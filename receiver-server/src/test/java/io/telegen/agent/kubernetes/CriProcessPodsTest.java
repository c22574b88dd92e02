package io.telegen.agent.kubernetes;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

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
import io.telegen.source.Labels;
import io.telegen.testsupport.LogLines;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.logging.Logger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The pods of processes from their cgroups and a container runtime: a real gRPC server on a unix
 * socket serving the CRI v1 RuntimeService as containerd answers it.
 */
class CriProcessPodsTest {

  private static final String UID = "1d3c5f0e-8a2b-4c6d-9e7f-0a1b2c3d4e5f";
  private static final String SIDECAR =
      "0a0b0c0d0e0f10111213141516171819202122232425262728292a2b2c2d2e2f";
  private static final String VLLM =
      "4c1f0d9e2b3a5c6d7e8f9a0b1c2d3e4f5a6b7c8d9e0f1a2b3c4d5e6f7a8b9c0d";

  @TempDir Path dir;

  private final AtomicInteger listings = new AtomicInteger();
  private EventLoopGroup group;
  private Server server;

  @AfterEach
  void stop() throws InterruptedException {
    if (server != null) {
      server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
    if (group != null) {
      group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
    }
  }

  @Test
  void aProcessInAPodsContainerGetsThatContainersPodNamespaceAndName() throws Exception {
    Path socket = startRuntime();
    Path proc = proc();
    AtomicLong now = new AtomicLong();
    try (CriProcessPods pods = new CriProcessPods(proc, socket, now::get)) {
      assertEquals(
          Labels.of("k8s_pod", "vllm-0", "k8s_namespace", "serving", "k8s_container", "vllm"),
          pods.labelsOf(3300));
      assertEquals(
          Labels.of("k8s_pod", "vllm-0", "k8s_namespace", "serving", "k8s_container", "proxy"),
          pods.labelsOf(3301),
          "the sidecar is its own container");
      assertEquals(Labels.empty(), pods.labelsOf(1), "a host process");
      assertEquals(Labels.empty(), pods.labelsOf(4242), "a pid without /proc entry");
      assertEquals(1, listings.get(), "listed once for all known containers");

      // A container the runtime does not know: asked again, but not more than every 10 s.
      assertEquals(Labels.empty(), pods.labelsOf(3400));
      assertEquals(1, listings.get());
      now.addAndGet(CriProcessPods.RELIST_EVERY.toNanos());
      assertEquals(Labels.empty(), pods.labelsOf(3400));
      assertEquals(2, listings.get());
    }
  }

  @Test
  void aRuntimeThatIsAwayCostsOnlyTheLabelsWithOneLogLine() throws Exception {
    Path proc = proc();
    AtomicLong now = new AtomicLong();
    try (LogLines log = LogLines.of(Logger.getLogger(CriProcessPods.class.getName()));
        CriProcessPods pods = new CriProcessPods(proc, dir.resolve("absent.sock"), now::get)) {
      assertEquals(Labels.empty(), pods.labelsOf(3300));
      now.addAndGet(CriProcessPods.RELIST_EVERY.toNanos());
      assertEquals(Labels.empty(), pods.labelsOf(3300));
      List<String> lines = log.lines();
      assertEquals(1, lines.size(), lines.toString());
      assertTrue(
          lines.get(0).contains("absent.sock did not list its containers (UNAVAILABLE"),
          lines.get(0));
    }
  }

  private Path proc() throws Exception {
    String slice =
        "0::/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod"
            + UID.replace('-', '_')
            + ".slice/cri-containerd-%s.scope\n";
    Path proc = dir.resolve("proc");
    Files.createDirectories(proc.resolve("3300"));
    Files.writeString(proc.resolve("3300/cgroup"), slice.formatted(VLLM));
    Files.createDirectories(proc.resolve("3301"));
    Files.writeString(proc.resolve("3301/cgroup"), slice.formatted(SIDECAR));
    Files.createDirectories(proc.resolve("3400"));
    Files.writeString(proc.resolve("3400/cgroup"), slice.formatted("ff".repeat(32)));
    Files.createDirectories(proc.resolve("1"));
    Files.writeString(proc.resolve("1/cgroup"), "0::/init.scope\n");
    return proc;
  }

  private Path startRuntime() throws Exception {
    Path socket = dir.resolve("containerd.sock");
    group = new MultiThreadIoEventLoopGroup(1, EpollIoHandler.newFactory());
    server =
        NettyServerBuilder.forAddress(new DomainSocketAddress(socket.toString()))
            .channelType(EpollServerDomainSocketChannel.class)
            .bossEventLoopGroup(group)
            .workerEventLoopGroup(group)
            .addService(new FakeContainerd())
            .build()
            .start();
    return socket;
  }

  /** containerd's answers: the pause sandbox, the sidecar first, then the server. */
  private final class FakeContainerd extends RuntimeServiceGrpc.RuntimeServiceImplBase {
    @Override
    public void listPodSandbox(
        ListPodSandboxRequest request, StreamObserver<ListPodSandboxResponse> response) {
      response.onNext(
          ListPodSandboxResponse.newBuilder()
              .addItems(
                  PodSandbox.newBuilder()
                      .setId("sandbox-1")
                      .setMetadata(
                          PodSandboxMetadata.newBuilder()
                              .setName("vllm-0")
                              .setNamespace("serving")
                              .setUid(UID)))
              .build());
      response.onCompleted();
    }

    @Override
    public void listContainers(
        ListContainersRequest request, StreamObserver<ListContainersResponse> response) {
      listings.incrementAndGet();
      response.onNext(
          ListContainersResponse.newBuilder()
              .addContainers(container(SIDECAR, "proxy"))
              .addContainers(container(VLLM, "vllm"))
              .build());
      response.onCompleted();
    }

    private static Container container(String id, String name) {
      return Container.newBuilder()
          .setId(id)
          .setPodSandboxId("sandbox-1")
          .setMetadata(ContainerMetadata.newBuilder().setName(name))
          .putLabels("io.kubernetes.pod.name", "vllm-0")
          .putLabels("io.kubernetes.pod.namespace", "serving")
          .putLabels("io.kubernetes.container.name", name)
          .putLabels("io.kubernetes.pod.uid", UID)
          .build();
    }
  }
}
