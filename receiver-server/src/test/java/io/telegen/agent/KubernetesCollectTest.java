package io.telegen.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.telegen.agent.kubernetes.FakeContainerRuntime;
import io.telegen.agent.kubernetes.FakeKubelet;
import io.telegen.testsupport.BuildOutputs;
import io.telegen.testsupport.GpuTestResources;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code telegen-agent collect} on a Kubernetes node (the fake NVML's {@code gpu-and-mig}: GPU 0
 * whole, GPU 1 in MIG mode) whose kubelet says that pod {@code ml/trainer-0} holds GPU 0 in its
 * second container and {@code ml/notebook} holds GPU 1's first MIG device: their series carry
 * their pods; the parent GPU and the other MIG devices carry none.
 */
class KubernetesCollectTest {

  private static final String GPU0 = "GPU-c6f87718-6d76-407e-881e-d162ae2eb154";
  private static final String MIG_HELD = "MIG-2ce7a541-c516-5dbc-a76e-26cc100d9b55";
  private static final String TRAINER =
      "k8s_pod=\"trainer-0\",k8s_namespace=\"ml\",k8s_container=\"trainer\"";
  private static final String NOTEBOOK =
      "k8s_pod=\"notebook\",k8s_namespace=\"ml\",k8s_container=\"jupyter\"";

  @TempDir Path dir;

  @Test
  void gpuAndMigSeriesCarryThePodsThatHoldThem() throws Exception {
    GpuTestResources.useNvmlScenario("gpu-and-mig");
    try (FakeKubelet kubelet = FakeKubelet.start(dir.resolve("pod-resources/kubelet.sock"))) {
      kubelet
          .pod(
              "ml",
              "trainer-0",
              FakeKubelet.sidecar("istio-proxy"),
              FakeKubelet.container("trainer", "nvidia.com/gpu", GPU0))
          .pod(
              "ml",
              "notebook",
              FakeKubelet.container("jupyter", "nvidia.com/mig-3g.40gb", MIG_HELD))
          .allocatable(GPU0, "GPU-9be4bcfc-49b6-4a08-b2e6-cc3ababced20");
      Path config =
          Files.writeString(
              dir.resolve("agent.yaml"),
              """
          agent:
            proc_root: %s
            self_telemetry:
              enabled: false
            kubernetes:
              pod_resources_socket: %s
            gpu:
              nvml_library: %s
              nccl_dir: %s
              sys_root: %s
          """
                  .formatted(
                      Files.createDirectories(dir.resolve("proc")),
                      kubelet.socket(),
                      BuildOutputs.fakeNvml(),
                      dir.resolve("shm"),
                      dir.resolve("sys")));
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      ByteArrayOutputStream err = new ByteArrayOutputStream();
      int code =
          TelegenAgent.run(
              new String[] {"collect", "--config", config.toString(), "--interval", "2s"},
              new PrintStream(out, true, StandardCharsets.UTF_8),
              new PrintStream(err, true, StandardCharsets.UTF_8));
      assertEquals(TelegenAgent.OK, code, err.toString(StandardCharsets.UTF_8));
      List<String> series =
          out.toString(StandardCharsets.UTF_8).lines().filter(l -> !l.startsWith("#")).toList();

      // The whole GPU 0: every device series carries the trainer's GPU container.
      List<String> gpu0 =
          series.stream()
              .filter(l -> l.startsWith("gpu_") && l.contains("device=\"0\""))
              .filter(l -> !l.startsWith("gpu_process_") && !l.startsWith("gpu_info"))
              .toList();
      assertTrue(
          gpu0.contains(
              "gpu_utilization_percent{device=\"0\",name=\"NVIDIA H100 PCIe\",uuid=\""
                  + GPU0
                  + "\",pci_bus_id=\"00000000:17:00.0\",vendor=\"nvidia\","
                  + TRAINER
                  + "} 100"),
          String.join("\n", gpu0));
      for (String line : gpu0) {
        assertTrue(line.contains(TRAINER), line);
      }

      // GPU 1: the held MIG device carries the notebook; the parent and the others nobody.
      List<String> gpu1 =
          series.stream()
              .filter(l -> l.startsWith("gpu_") && l.contains("device=\"1\""))
              .filter(l -> !l.startsWith("gpu_process_") && !l.startsWith("gpu_allocation_info"))
              .toList();
      List<String> held = gpu1.stream().filter(l -> l.contains(MIG_HELD)).toList();
      assertTrue(
          held.stream().anyMatch(l -> l.startsWith("gpu_utilization_percent{")),
          String.join("\n", held));
      assertTrue(held.stream().anyMatch(l -> l.startsWith("gpu_memory_used_bytes{")));
      for (String line : held) {
        assertTrue(line.contains(NOTEBOOK), line);
      }
      for (String line : gpu1) {
        if (!line.contains(MIG_HELD)) {
          assertFalse(line.contains("k8s_pod"), line);
        }
      }
      assertTrue(gpu1.stream().anyMatch(l -> l.contains("mig-2g.20gb-1")));

      // One allocation per pod and device, to join on.
      List<String> allocations =
          series.stream().filter(l -> l.startsWith("gpu_allocation_info{")).toList();
      assertEquals(
          List.of(
              "gpu_allocation_info{device=\"0\",uuid=\""
                  + GPU0
                  + "\",vendor=\"nvidia\","
                  + TRAINER
                  + ",resource=\"nvidia.com/gpu\"} 1",
              "gpu_allocation_info{device=\"1\",uuid=\"GPU-9be4bcfc-49b6-4a08-b2e6-cc3ababced20\","
                  + "vendor=\"nvidia\",mig_uuid=\""
                  + MIG_HELD
                  + "\",mig_device=\"mig-3g.40gb-0\","
                  + NOTEBOOK
                  + ",resource=\"nvidia.com/mig-3g.40gb\"} 1"),
          allocations);
      // check says in plain words where the pods come from.
      ByteArrayOutputStream checked = new ByteArrayOutputStream();
      TelegenAgent.run(
          new String[] {"check", "--config", config.toString()},
          new PrintStream(checked, true, StandardCharsets.UTF_8),
          new PrintStream(checked, true, StandardCharsets.UTF_8));
      String said = checked.toString(StandardCharsets.UTF_8);
      assertTrue(
          said.contains(
              "Kubernetes: pod resources from "
                  + kubelet.socket()
                  + " (2 pods with devices); the kubelet allocates 2 nvidia.com/gpu"),
          said);
    }
  }

  @Test
  void processSeriesCarryThePodOfTheirProcessFromItsCgroupAndTheRuntime() throws Exception {
    GpuTestResources.useNvmlScenario("gpu-and-mig");
    Path proc = Files.createDirectories(dir.resolve("proc"));
    String trainerUid = "5f0c1a2b-3c4d-4e5f-8a9b-0c1d2e3f4a5b";
    String notebookUid = "9a8b7c6d-5e4f-4a3b-9c2d-1e0f9a8b7c6d";
    String trainer = "ab".repeat(32);
    String jupyter = "cd".repeat(32);
    // 9120 serves on GPU 0; 21198 burns the MIG device; 21180 and 21181 are the host's.
    FakeContainerRuntime.cgroup(proc, 9120, trainerUid, trainer);
    FakeContainerRuntime.cgroup(proc, 21198, notebookUid, jupyter);
    try (FakeContainerRuntime runtime =
            FakeContainerRuntime.start(dir.resolve("containerd/containerd.sock"))
                .container(trainerUid, "ml", "trainer-0", "trainer", trainer)
                .container(notebookUid, "ml", "notebook", "jupyter", jupyter);
        FakeKubelet kubelet = FakeKubelet.start(dir.resolve("pod-resources/kubelet.sock"))) {
      Path config =
          Files.writeString(
              dir.resolve("agent.yaml"),
              """
          agent:
            proc_root: %s
            self_telemetry:
              enabled: false
            kubernetes:
              pod_resources_socket: %s
              cri_socket: %s
            gpu:
              nvml_library: %s
              nccl_dir: %s
              sys_root: %s
          """
                  .formatted(
                      proc,
                      kubelet.socket(),
                      runtime.socket(),
                      BuildOutputs.fakeNvml(),
                      dir.resolve("shm"),
                      dir.resolve("sys")));
      String out = run("collect", "--config", config.toString(), "--interval", "2s");
      List<String> processes =
          out.lines().filter(l -> l.startsWith("gpu_process_memory_bytes{")).toList();
      assertEquals(4, processes.size(), String.join("\n", processes));
      for (String line : processes) {
        if (line.contains("pid=\"9120\"")) {
          assertTrue(line.contains(TRAINER), line);
        } else if (line.contains("pid=\"21198\"")) {
          assertTrue(line.contains(NOTEBOOK), line);
        } else {
          assertFalse(line.contains("k8s_pod"), line);
        }
      }
      String said = run("check", "--config", config.toString());
      assertTrue(
          said.contains(
              "Kubernetes: pods of processes from their cgroups under "
                  + proc
                  + " and the container runtime at "
                  + runtime.socket()
                  + " (2 pod containers)"),
          said);
    }
  }

  private static String run(String... args) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    int code =
        TelegenAgent.run(
            args,
            new PrintStream(out, true, StandardCharsets.UTF_8),
            new PrintStream(err, true, StandardCharsets.UTF_8));
    assertEquals(TelegenAgent.OK, code, err.toString(StandardCharsets.UTF_8));
    return out.toString(StandardCharsets.UTF_8);
  }
}
