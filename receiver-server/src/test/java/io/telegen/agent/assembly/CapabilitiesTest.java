package io.telegen.agent.assembly;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.telegen.frameworks.training.GpuUtilization;
import io.telegen.source.MetricBatch;
import io.telegen.source.MetricSource;
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

  @TempDir
  Path dir;

  @Test
  void theFindingsComeInTheOrderOfTheCapabilities() throws Exception {
    NodeContext node = TestNodes.node("""
        proc_root: %s
        gpu:
          enabled: false
        aiml:
          frameworks:
            vllm:
              enabled: false
        """.formatted(Files.createDirectories(dir.resolve("proc"))));
    Assembled all = Capabilities.assemble(node);
    assertEquals(List.of("GPUs: off (agent.gpu.enabled: false)",
        "LLM serving: vllm off (agent.aiml.frameworks.vllm.enabled: false)",
        "training: off (agent.aiml.training.enabled: false)",
        "self-telemetry: telegen_agent_* every 10s"), all.findings());
    assertEquals(1, all.sources().size());
    assertSame(node.telemetry(), all.sources().get(0).source());
    assertTrue(all.gpuProcesses().isEmpty());
  }

  @Test
  void theGpuTableOfOneCapabilityIsInTheContextOfTheOnesAfterIt() throws Exception {
    GpuProcesses table = new GpuProcesses(true, pid -> "0", new GpuUtilization());
    List<GpuProcesses> seen = new ArrayList<>();
    CapabilityAssembly recorder = node -> {
      seen.add(node.gpuProcesses());
      return Assembled.nothing();
    };
    Capabilities.assemble(List.of(recorder,
        node -> Assembled.builder().gpuProcesses(table).build(), recorder),
        TestNodes.node("gpu:\n  enabled: false\n"));
    assertEquals(2, seen.size());
    assertFalse(seen.get(0).present(), "before the GPU capability");
    assertSame(table, seen.get(1));
  }

  @Test
  void whenOneCapabilityFailsTheSourcesBuiltBeforeItAreClosed() throws Exception {
    AtomicReference<Boolean> closed = new AtomicReference<>(false);
    MetricSource gpu = new MetricSource() {
      @Override
      public String name() {
        return "fake";
      }

      @Override
      public void collect(MetricBatch batch) { }

      @Override
      public void close() {
        closed.set(true);
      }
    };
    IllegalStateException e = assertThrows(IllegalStateException.class,
        () -> Capabilities.assemble(List.of(
            node -> Assembled.builder().source(new ScheduledSource(gpu, Duration.ofSeconds(1)))
                .build(),
            node -> {
              throw new IllegalStateException("broken");
            }), TestNodes.node("")));
    assertEquals("broken", e.getMessage());
    assertTrue(closed.get(), "the first capability's source is closed");
  }

  @Test
  void receiverHooksOfSeveralCapabilitiesAreAllApplied() {
    List<String> observed = new ArrayList<>();
    Assembled all = Assembled.builder()
        .add(Assembled.builder().traceObserver(r -> observed.add("spans"))
            .metricNames(n -> n.replace('/', '_')).build())
        .add(Assembled.builder().traceObserver(r -> observed.add("other"))
            .metricNames(n -> n.equals("train_loss") ? "training_loss" : n).build())
        .build();
    all.traceObserver().orElseThrow().accept(ExportTraceServiceRequest.getDefaultInstance());
    assertEquals(List.of("spans", "other"), observed);
    assertEquals("training_loss", all.metricNames().orElseThrow().apply("train/loss"));
  }

  @Test
  void twoGpuTablesAreRefusedUntilTheyCanBeJoined() {
    Assembled.Builder builder = Assembled.builder().gpuProcesses(GpuProcesses.none());
    assertThrows(IllegalStateException.class, () -> builder.gpuProcesses(GpuProcesses.none()));
  }
}
