package io.telegen.agent.kubernetes;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.telegen.catalog.MetricCatalog;
import io.telegen.source.Labels;
import io.telegen.source.MetricBatch;
import io.telegen.testsupport.LogLines;
import io.telegen.testsupport.TestFiles;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
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
  private static final String OTHER_UID = "7e6d5c4b-3a29-4817-9605-f4e3d2c1b0a9";
  private static final String SIDECAR =
      "0a0b0c0d0e0f10111213141516171819202122232425262728292a2b2c2d2e2f";
  private static final String VLLM =
      "4c1f0d9e2b3a5c6d7e8f9a0b1c2d3e4f5a6b7c8d9e0f1a2b3c4d5e6f7a8b9c0d";
  private static final String LATER = "ff".repeat(32);
  private static final Labels VLLM_0 = Labels.of("k8s_pod", "vllm-0", "k8s_namespace", "serving");

  @TempDir Path dir;

  private final AtomicLong now = new AtomicLong();
  private FakeContainerRuntime runtime;

  @AfterEach
  void stop() {
    if (runtime != null) {
      runtime.close();
    }
  }

  @Test
  void aProcessInAPodsContainerGetsThatContainersPodNamespaceAndName() throws Exception {
    Path proc = proc();
    try (CriProcessPods pods = CriProcessPods.start(proc, runtime().socket(), now::get)) {
      assertTrue(pods.answering());
      assertEquals(2, pods.containers());
      assertEquals(
          Labels.of("k8s_pod", "vllm-0", "k8s_namespace", "serving", "k8s_container", "vllm"),
          pods.labelsOf(3300));
      assertEquals(
          Labels.of("k8s_pod", "vllm-0", "k8s_namespace", "serving", "k8s_container", "proxy"),
          pods.labelsOf(3301),
          "the sidecar is its own container");
      assertEquals(Labels.empty(), pods.labelsOf(1), "a host process");
      assertEquals(Labels.empty(), pods.labelsOf(4242), "a pid without /proc entry");
      assertEquals(1, runtime.listings(), "listed once, at start, for all known containers");
    }
  }

  @Test
  void aContainerNotListedYetIsListedOnTheSchedulersThreadSoonAfter() throws Exception {
    Path proc = proc();
    try (CriProcessPods pods = CriProcessPods.start(proc, runtime().socket(), now::get)) {
      // A pod that started after the listing: the caller is answered at once, without a call.
      runtime.container(OTHER_UID, "ml", "trainer-0", "trainer", LATER);
      assertEquals(Labels.empty(), pods.labelsOf(3400));
      assertEquals(1, runtime.listings());

      collectAfter(pods, CriProcessPods.RELIST_SOON.toNanos() - 1);
      assertEquals(1, runtime.listings(), "not sooner than RELIST_SOON");
      collectAfter(pods, 1);
      assertEquals(2, runtime.listings());
      assertEquals(
          Labels.of("k8s_pod", "trainer-0", "k8s_namespace", "ml", "k8s_container", "trainer"),
          pods.labelsOf(3400));

      collectAfter(pods, CriProcessPods.RELIST_SOON.toNanos());
      assertEquals(2, runtime.listings(), "every container known: nothing to ask");
      collectAfter(pods, CriProcessPods.RELIST_EVERY.toNanos());
      assertEquals(3, runtime.listings(), "and listed again every RELIST_EVERY regardless");
    }
  }

  @Test
  void aReusedPidIsReadAgainOnceTheOldProcessExited() throws Exception {
    Path proc = proc();
    try (CriProcessPods pods = CriProcessPods.start(proc, runtime().socket(), now::get)) {
      assertEquals(VLLM_0.and("k8s_container", "vllm"), pods.labelsOf(3300));
      TestFiles.deleteTree(proc.resolve("3300"));
      collectAfter(pods, CriProcessPods.RELIST_EVERY.toNanos());
      FakeContainerRuntime.cgroup(proc, 3300, UID, SIDECAR);
      assertEquals(VLLM_0.and("k8s_container", "proxy"), pods.labelsOf(3300));
    }
  }

  @Test
  void aRuntimeThatIsAwayCostsOnlyTheLabelsWithOneLogLine() throws Exception {
    Path proc = proc();
    try (LogLines log = LogLines.of(Logger.getLogger(CriProcessPods.class.getName()));
        CriProcessPods pods = CriProcessPods.start(proc, dir.resolve("absent.sock"), now::get)) {
      assertFalse(pods.answering());
      assertEquals(Labels.empty(), pods.labelsOf(3300));
      collectAfter(pods, CriProcessPods.RELIST_SOON.toNanos());
      assertEquals(Labels.empty(), pods.labelsOf(3300));
      collectAfter(pods, CriProcessPods.RELIST_EVERY.toNanos());
      List<String> lines = log.lines();
      assertEquals(1, lines.size(), lines.toString());
      assertTrue(
          lines.get(0).contains("absent.sock did not list its containers (UNAVAILABLE"),
          lines.get(0));
      assertTrue(lines.get(0).contains("agent.kubernetes.cri_socket"), lines.get(0));
    }
  }

  private void collectAfter(CriProcessPods pods, long nanos) {
    now.addAndGet(nanos);
    MetricBatch batch = new MetricBatch(MetricCatalog.load(), 1);
    pods.collect(batch);
    assertTrue(batch.isEmpty(), "the runtime's listing writes no series");
  }

  private FakeContainerRuntime runtime() throws Exception {
    runtime =
        FakeContainerRuntime.start(dir.resolve("containerd.sock"))
            .container(UID, "serving", "vllm-0", "proxy", SIDECAR)
            .container(UID, "serving", "vllm-0", "vllm", VLLM);
    return runtime;
  }

  private Path proc() throws Exception {
    Path proc = dir.resolve("proc");
    FakeContainerRuntime.cgroup(proc, 3300, UID, VLLM);
    FakeContainerRuntime.cgroup(proc, 3301, UID, SIDECAR);
    FakeContainerRuntime.cgroup(proc, 3400, OTHER_UID, LATER);
    Files.createDirectories(proc.resolve("1"));
    Files.writeString(proc.resolve("1/cgroup"), "0::/init.scope\n");
    return proc;
  }
}
