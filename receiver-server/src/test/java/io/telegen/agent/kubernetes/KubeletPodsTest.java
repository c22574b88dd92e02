package io.telegen.agent.kubernetes;

import static io.telegen.agent.kubernetes.FakeKubelet.acrossNuma;
import static io.telegen.agent.kubernetes.FakeKubelet.container;
import static io.telegen.agent.kubernetes.FakeKubelet.sidecar;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.metrics.v1.Metric;
import io.opentelemetry.proto.metrics.v1.NumberDataPoint;
import io.telegen.catalog.MetricCatalog;
import io.telegen.node.GpuRef;
import io.telegen.node.GpuVendor;
import io.telegen.node.MigDevice;
import io.telegen.proto.podresources.v1.PodResources;
import io.telegen.source.Labels;
import io.telegen.source.MetricBatch;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The kubelet's pods on GPU devices, read from a real gRPC PodResources server on a socket. */
class KubeletPodsTest {

  static final String GPU0 = "GPU-c6f87718-6d76-407e-881e-d162ae2eb154";
  static final String GPU1 = "GPU-9be4bcfc-49b6-4a08-b2e6-cc3ababced20";
  static final String MIG0 = "MIG-2ce7a541-c516-5dbc-a76e-26cc100d9b55";
  static final String MIG1 = "MIG-a5cd5a8e-0f39-5a62-8a2c-2d3b01b8c3f4";

  static final GpuRef WHOLE0 = GpuRef.gpu(GpuVendor.NVIDIA, 0, GPU0);
  static final GpuRef PARENT1 = GpuRef.gpu(GpuVendor.NVIDIA, 1, GPU1);
  static final GpuRef MIG_0 =
      GpuRef.mig(GpuVendor.NVIDIA, 1, GPU1, new MigDevice(MIG0, 2, 0, "mig-3g.40gb-0"));
  static final GpuRef MIG_1 =
      GpuRef.mig(GpuVendor.NVIDIA, 1, GPU1, new MigDevice(MIG1, 3, 0, "mig-2g.20gb-1"));

  @TempDir Path dir;
  private FakeKubelet kubelet;
  private final List<String> log = new ArrayList<>();
  private final Handler handler =
      new Handler() {
        @Override
        public void publish(LogRecord record) {
          log.add(record.getLevel() + " " + record.getMessage());
        }

        @Override
        public void flush() {}

        @Override
        public void close() {}
      };

  @BeforeEach
  void start() throws Exception {
    kubelet = FakeKubelet.start(dir.resolve("pod-resources/kubelet.sock"));
    // Other tests quiet the agent's loggers; these lines are what is tested here.
    Logger logger = Logger.getLogger(KubeletPods.class.getName());
    logger.setLevel(Level.INFO);
    logger.addHandler(handler);
  }

  @AfterEach
  void stop() throws Exception {
    Logger logger = Logger.getLogger(KubeletPods.class.getName());
    logger.removeHandler(handler);
    logger.setLevel(null);
    kubelet.close();
  }

  private PodResourcesClient client() {
    return new PodResourcesClient(kubelet.socket(), Duration.ofSeconds(1));
  }

  private static Labels pod(String namespace, String pod, String container) {
    return Labels.of("k8s_pod", pod, "k8s_namespace", namespace, "k8s_container", container);
  }

  @Test
  void aMigInstanceCarriesItsPodAndTheParentAndAnotherInstanceNone() throws Exception {
    kubelet
        .pod("ml", "trainer-0", container("trainer", "nvidia.com/gpu", GPU0))
        .pod("ml", "notebook", container("jupyter", "nvidia.com/mig-3g.40gb", MIG0));
    try (KubeletPods pods = KubeletPods.manual(client())) {
      assertTrue(pods.refresh());
      assertEquals(pod("ml", "trainer-0", "trainer"), pods.labelsOf(WHOLE0));
      assertEquals(pod("ml", "notebook", "jupyter"), pods.labelsOf(MIG_0));
      assertEquals(Labels.empty(), pods.labelsOf(PARENT1));
      assertEquals(Labels.empty(), pods.labelsOf(MIG_1));
      assertEquals(2, pods.pods().podsWithDevices());
    }
  }

  @Test
  void theContainerThatHoldsTheDeviceNotTheFirstOne() throws Exception {
    kubelet.pod(
        "serving",
        "vllm-7d9",
        sidecar("istio-proxy"),
        container("vllm", "nvidia.com/gpu", GPU0),
        sidecar("log-shipper"));
    try (KubeletPods pods = KubeletPods.manual(client())) {
      pods.refresh();
      assertEquals(pod("serving", "vllm-7d9", "vllm"), pods.labelsOf(WHOLE0));
    }
  }

  @Test
  void aDeviceOnTwoNumaNodesIsOneHolder() throws Exception {
    kubelet.pod("ml", "trainer-0", acrossNuma("trainer", "nvidia.com/gpu", GPU0));
    try (KubeletPods pods = KubeletPods.manual(client())) {
      pods.refresh();
      assertEquals(pod("ml", "trainer-0", "trainer"), pods.labelsOf(WHOLE0));
      assertEquals(1, pods.pods().holdersOf(WHOLE0).size());
    }
  }

  @Test
  void theIndexStrategyJoinsOnTheGpuIndex() throws Exception {
    kubelet.pod("ml", "trainer-0", container("trainer", "nvidia.com/gpu", "0"));
    try (KubeletPods pods = KubeletPods.manual(client())) {
      pods.refresh();
      assertEquals(pod("ml", "trainer-0", "trainer"), pods.labelsOf(WHOLE0));
      assertEquals(Labels.empty(), pods.labelsOf(PARENT1));
    }
  }

  @Test
  void amdDevicesJoinOnTheVendorNeverOnAnNvidiaGpu() throws Exception {
    kubelet.pod("ml", "rocm-job", container("train", "amd.com/gpu", "0"));
    try (KubeletPods pods = KubeletPods.manual(client())) {
      pods.refresh();
      assertEquals(Labels.empty(), pods.labelsOf(WHOLE0));
      assertEquals(
          pod("ml", "rocm-job", "train"),
          pods.labelsOf(GpuRef.gpu(GpuVendor.AMD, 0, "0x18f68e5bc83e4d2f")));
    }
  }

  @Test
  void aTimeSlicedGpuSharedByTwoPodsCarriesNoPodAndTwoAllocations() throws Exception {
    kubelet
        .pod("ml", "a", container("main", "nvidia.com/gpu", GPU0 + "::0"))
        .pod("ml", "b", container("main", "nvidia.com/gpu", GPU0 + "::3"));
    try (KubeletPods pods = KubeletPods.manual(client())) {
      pods.refresh();
      assertEquals(Labels.empty(), pods.labelsOf(WHOLE0));
      pods.labelsOf(MIG_1);
      MetricBatch batch = new MetricBatch(MetricCatalog.load(), 1);
      new GpuAllocationSource(pods).collect(batch);
      assertEquals(
          Map.of(
              "a",
              Map.of(
                  "device", "0",
                  "uuid", GPU0,
                  "vendor", "nvidia",
                  "k8s_pod", "a",
                  "k8s_namespace", "ml",
                  "k8s_container", "main",
                  "resource", "nvidia.com/gpu"),
              "b",
              Map.of(
                  "device", "0",
                  "uuid", GPU0,
                  "vendor", "nvidia",
                  "k8s_pod", "b",
                  "k8s_namespace", "ml",
                  "k8s_container", "main",
                  "resource", "nvidia.com/gpu")),
          allocations(batch));
    }
  }

  @Test
  void oneReplicaHeldByOnePodLabelsItsGpu() throws Exception {
    kubelet.pod("ml", "a", container("main", "nvidia.com/gpu", GPU0 + "::1", GPU0 + "::2"));
    try (KubeletPods pods = KubeletPods.manual(client())) {
      pods.refresh();
      assertEquals(pod("ml", "a", "main"), pods.labelsOf(WHOLE0));
    }
  }

  @Test
  void aMigAllocationNamesTheMigDevice() throws Exception {
    kubelet.pod("ml", "notebook", container("jupyter", "nvidia.com/mig-3g.40gb", MIG0));
    try (KubeletPods pods = KubeletPods.manual(client())) {
      pods.refresh();
      pods.labelsOf(PARENT1);
      pods.labelsOf(MIG_0);
      MetricBatch batch = new MetricBatch(MetricCatalog.load(), 1);
      new GpuAllocationSource(pods).collect(batch);
      Map<String, Map<String, String>> allocations = allocations(batch);
      assertEquals(1, allocations.size());
      assertEquals(MIG0, allocations.get("notebook").get("mig_uuid"));
      assertEquals("mig-3g.40gb-0", allocations.get("notebook").get("mig_device"));
      assertEquals(GPU1, allocations.get("notebook").get("uuid"));
      assertEquals("1", allocations.get("notebook").get("device"));
    }
  }

  @Test
  void aRestartedKubeletBringsTheLabelsBack() throws Exception {
    kubelet.pod("ml", "trainer-0", container("trainer", "nvidia.com/gpu", GPU0));
    try (KubeletPods pods = KubeletPods.manual(client())) {
      assertTrue(pods.refresh());
      assertEquals(pod("ml", "trainer-0", "trainer"), pods.labelsOf(WHOLE0));

      kubelet.stop();
      assertFalse(Files.exists(kubelet.socket()));
      assertFalse(pods.refresh());
      assertFalse(pods.refresh());
      assertEquals(Labels.empty(), pods.labelsOf(WHOLE0));

      kubelet.startServing();
      assertTrue(pods.refresh());
      assertEquals(pod("ml", "trainer-0", "trainer"), pods.labelsOf(WHOLE0));
    }
    List<String> lines = log.stream().filter(l -> l.contains("Kubernetes")).toList();
    assertEquals(2, lines.size(), lines.toString());
    assertTrue(lines.get(0).startsWith("WARNING Kubernetes: the kubelet's pod resources at "));
    assertTrue(lines.get(0).contains("do not answer (UNAVAILABLE"), lines.get(0));
    assertTrue(lines.get(1).startsWith("INFO Kubernetes: pod resources from "), lines.get(1));
    assertTrue(lines.get(1).contains("answer again (1 pods with devices)"), lines.get(1));
  }

  @Test
  void aSocketWithoutPermissionCostsOnlyTheLabels() throws Exception {
    kubelet.pod("ml", "trainer-0", container("trainer", "nvidia.com/gpu", GPU0));
    Files.setPosixFilePermissions(kubelet.socket(), PosixFilePermissions.fromString("---------"));
    boolean root = "root".equals(System.getProperty("user.name"));
    if (root) {
      // Root connects to any socket whatever its mode (CAP_DAC_OVERRIDE); the kubelet that does
      // not let the agent in is then the one that refuses the call.
      kubelet.refuse(Status.PERMISSION_DENIED.withDescription("permission denied"));
    }
    try (KubeletPods pods = KubeletPods.manual(client())) {
      assertFalse(pods.refresh());
      assertEquals(Labels.empty(), pods.labelsOf(WHOLE0));
      Files.setPosixFilePermissions(kubelet.socket(), PosixFilePermissions.fromString("rw-rw----"));
      kubelet.refuse(null);
      assertTrue(pods.refresh());
      assertEquals(pod("ml", "trainer-0", "trainer"), pods.labelsOf(WHOLE0));
    }
    assertTrue(log.get(0).contains(root ? "PERMISSION_DENIED" : "UNAVAILABLE"), log.get(0));
  }

  @Test
  void getAnswersAPodAndFailsForAnUnknownOne() throws Exception {
    kubelet.pod("ml", "trainer-0", container("trainer", "nvidia.com/gpu", GPU0));
    try (PodResourcesClient client = client()) {
      Optional<PodResources> known = client.pod("trainer-0", "ml");
      assertEquals("trainer", known.orElseThrow().getContainers(0).getName());
      assertEquals(Optional.empty(), client.pod("gone", "ml"));
      kubelet.allocatable(GPU0, GPU1);
      assertEquals(2, client.allocatable().orElseThrow().getDevicesCount());
    }
  }

  @Test
  void anOlderKubeletWithoutGetIsAnsweredFromList() throws Exception {
    kubelet.olderKubelet().pod("ml", "trainer-0", container("trainer", "nvidia.com/gpu", GPU0));
    try (PodResourcesClient client = client()) {
      assertEquals("trainer-0", client.pod("trainer-0", "ml").orElseThrow().getName());
      assertEquals(Optional.empty(), client.pod("gone", "ml"));
      assertEquals(Optional.empty(), client.allocatable());
      assertEquals(2, kubelet.lists());
    }
  }

  @Test
  void aKubeletThatRefusesFailsTheCallWithItsStatus() throws Exception {
    kubelet.refuse(Status.UNAVAILABLE.withDescription("shutting down"));
    try (PodResourcesClient client = client()) {
      StatusRuntimeException e = assertThrows(StatusRuntimeException.class, client::list);
      assertEquals(Status.Code.UNAVAILABLE, e.getStatus().getCode());
    }
  }

  @Test
  void aDeviceNobodyHoldsRelistsSoonInTheBackground() throws Exception {
    // No periodic list within the test, however slow the machine: only the relist counts.
    try (KubeletPods pods = KubeletPods.start(client(), Duration.ofHours(1))) {
      assertEquals(1, kubelet.lists());
      kubelet.pod("ml", "late", container("main", "nvidia.com/gpu", GPU0));
      Thread.sleep(KubeletPods.UNKNOWN_DEVICE_RELIST.toMillis() + 100);
      assertEquals(Labels.empty(), pods.labelsOf(WHOLE0));
      long deadline = System.nanoTime() + 3_000_000_000L;
      while (pods.labelsOf(WHOLE0).equals(Labels.empty()) && System.nanoTime() < deadline) {
        Thread.sleep(20);
      }
      assertEquals(pod("ml", "late", "main"), pods.labelsOf(WHOLE0));
      assertEquals(2, kubelet.lists());
    }
  }

  /** gpu_allocation_info's labels by k8s_pod. */
  private static Map<String, Map<String, String>> allocations(MetricBatch batch) {
    Map<String, Map<String, String>> byPod = new TreeMap<>();
    for (Metric metric : batch.metrics()) {
      if (!metric.getName().equals("gpu_allocation_info")) {
        continue;
      }
      for (NumberDataPoint point : metric.getGauge().getDataPointsList()) {
        assertEquals(1.0, point.getAsDouble());
        Map<String, String> labels = new TreeMap<>();
        for (KeyValue kv : point.getAttributesList()) {
          labels.put(kv.getKey(), kv.getValue().getStringValue());
        }
        byPod.put(labels.get("k8s_pod"), labels);
      }
    }
    return byPod;
  }
}
