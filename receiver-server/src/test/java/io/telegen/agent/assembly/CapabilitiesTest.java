package io.telegen.agent.assembly;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.telegen.catalog.MetricCatalog;
import io.telegen.node.GpuProcessSnapshot;
import io.telegen.node.GpuProcessTable;
import io.telegen.node.GpuProcessTables;
import io.telegen.node.GpuRef;
import io.telegen.node.GpuVendor;
import io.telegen.source.MetricBatch;
import io.telegen.source.MetricSource;
import io.telegen.testsupport.BuildOutputs;
import io.telegen.testsupport.GpuTestResources;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The capabilities in order, over one node context that the GPU capability adds its table to. */
class CapabilitiesTest {

  @TempDir Path dir;

  @Test
  void theFindingsComeInTheOrderOfTheCapabilities() throws Exception {
    NodeContext node =
        TestNodes.node(
            """
        proc_root: %s
        kubernetes:
          pod_resources_socket: %s
        gpu:
          enabled: false
        aiml:
          frameworks:
            vllm:
              enabled: false
        """
                .formatted(
                    Files.createDirectories(dir.resolve("proc")), dir.resolve("kubelet.sock")));
    Assembled all = Capabilities.assemble(node);
    assertEquals(
        List.of(
            "Kubernetes: off (no socket at "
                + dir.resolve("kubelet.sock")
                + "; set agent.kubernetes.pod_resources_socket where the kubelet's pod-resources"
                + " directory is mounted)",
            "GPUs: off (agent.gpu.enabled: false)",
            "LLM serving: vllm off (agent.aiml.frameworks.vllm.enabled: false)",
            "training: off (agent.aiml.training.enabled: false)",
            "self-telemetry: telegen_agent_* every 10s"),
        all.findings());
    assertEquals(1, all.sources().size());
    assertSame(node.telemetry(), all.sources().get(0).source());
    assertTrue(all.gpuTables().isEmpty());
  }

  @Test
  void theGpuTableOfOneCapabilityIsInTheContextOfTheOnesAfterIt() throws Exception {
    GpuRef gpu0 = GpuRef.gpu(GpuVendor.NVIDIA, 0, "GPU-0");
    GpuProcessTable table = GpuProcessTables.of(GpuProcessSnapshot.builder().uses(7, gpu0).build());
    List<NodeContext> seen = new ArrayList<>();
    CapabilityAssembly recorder =
        node -> {
          seen.add(node);
          return Assembled.nothing();
        };
    Capabilities.assemble(
        List.of(recorder, node -> Assembled.builder().gpuTable(table).build(), recorder),
        TestNodes.node("gpu:\n  enabled: false\n"));
    assertEquals(2, seen.size());
    assertFalse(seen.get(0).hasGpus(), "before the GPU capability");
    assertTrue(seen.get(0).gpuProcesses().gpusOf(7).isEmpty());
    assertEquals(List.of(table), seen.get(1).gpuTables());
    assertEquals(List.of(gpu0), seen.get(1).gpuProcesses().gpusOf(7));
  }

  @Test
  void whenOneCapabilityFailsTheSourcesBuiltBeforeItAreClosed() throws Exception {
    AtomicReference<Boolean> closed = new AtomicReference<>(false);
    MetricSource gpu =
        new MetricSource() {
          @Override
          public String name() {
            return "fake";
          }

          @Override
          public void collect(MetricBatch batch) {}

          @Override
          public void close() {
            closed.set(true);
          }
        };
    IllegalStateException e =
        assertThrows(
            IllegalStateException.class,
            () ->
                Capabilities.assemble(
                    List.of(
                        node ->
                            Assembled.builder()
                                .source(new ScheduledSource(gpu, Duration.ofSeconds(1)))
                                .build(),
                        node -> {
                          throw new IllegalStateException("broken");
                        }),
                    TestNodes.node("")));
    assertEquals("broken", e.getMessage());
    assertTrue(closed.get(), "the first capability's source is closed");
  }

  @Test
  void receiverHooksOfSeveralCapabilitiesAreAllApplied() {
    List<String> observed = new ArrayList<>();
    Assembled all =
        Assembled.builder()
            .add(
                Assembled.builder()
                    .traceObserver(r -> observed.add("spans"))
                    .metricNames(n -> n.replace('/', '_'))
                    .build())
            .add(
                Assembled.builder()
                    .traceObserver(r -> observed.add("other"))
                    .metricNames(n -> n.equals("train_loss") ? "training_loss" : n)
                    .build())
            .build();
    all.traceObserver().orElseThrow().accept(ExportTraceServiceRequest.getDefaultInstance());
    assertEquals(List.of("spans", "other"), observed);
    assertEquals("training_loss", all.metricNames().orElseThrow().apply("train/loss"));
  }

  @Test
  void twoVendorsTablesAreCombinedWithoutConfusingTheirIndices() throws Exception {
    GpuRef nvidia0 = GpuRef.gpu(GpuVendor.NVIDIA, 0, "GPU-0");
    GpuRef amd0 = GpuRef.gpu(GpuVendor.AMD, 0, "AMD-0");
    Assembled all =
        Assembled.builder()
            .gpuTable(GpuProcessTables.of(GpuProcessSnapshot.builder().uses(1, nvidia0).build()))
            .gpuTable(GpuProcessTables.of(GpuProcessSnapshot.builder().uses(2, amd0).build()))
            .build();
    NodeContext node = TestNodes.node("gpu:\n  enabled: false\n").withGpuTables(all.gpuTables());
    assertEquals(List.of(nvidia0), node.gpuProcesses().gpusOf(1));
    assertEquals(List.of(amd0), node.gpuProcesses().gpusOf(2));
  }

  @Test
  void everyScheduledSourceIsNamedByItsCatalogSourceId() throws Exception {
    GpuTestResources.useNvmlScenario("pcie-rtx6000ada-fan");
    Files.createDirectories(dir.resolve("proc"));
    NodeContext node =
        TestNodes.node(
            """
        proc_root: %s
        gpu:
          nvml_library: %s
          nccl_dir: %s
        aiml:
          trace_correlation: true
          frameworks:
            vllm:
              metrics_endpoint: http://127.0.0.1:1/metrics
          training:
            enabled: true
            log_dirs: [%s]
        """
                .formatted(
                    dir.resolve("proc"),
                    BuildOutputs.fakeNvml(),
                    dir.resolve("nccl"),
                    dir.resolve("tb")));
    Assembled all = Capabilities.assemble(node);
    try {
      List<String> names = all.sources().stream().map(s -> s.source().name()).toList();
      assertEquals(
          List.of("nvml", "nccl_plugin", "infiniband", "vllm", "llm_traces", "training", "self"),
          names);
      for (String name : names) {
        assertTrue(
            MetricCatalog.load().sources().containsKey(name),
            name + " is the source label of its self-telemetry: declare it in the catalog");
      }
    } finally {
      all.scheduled().forEach(Scheduled::close);
    }
  }
}
