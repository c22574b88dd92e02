package io.telegen.gpu.nccl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.metrics.v1.Metric;
import io.opentelemetry.proto.metrics.v1.NumberDataPoint;
import io.telegen.catalog.MetricCatalog;
import io.telegen.node.GpuProcessSnapshot;
import io.telegen.node.GpuRef;
import io.telegen.node.GpuVendor;
import io.telegen.source.Labels;
import io.telegen.source.MetricBatch;
import io.telegen.source.PartialCollectionException;
import io.telegen.testsupport.BuildOutputs;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Runs the real plugin under a C stand-in for NCCL ({@code src/test/native/nccl-driver}), then
 * reads its counter file. The expected numbers are worked out by hand from the driver's
 * sequences: bytes = count x datatype size, with the roles of {@code docs/nccl.md}.
 */
class NcclCounterSourceTest {

  private static final MetricCatalog CATALOG = MetricCatalog.load();

  @TempDir Path tmp;
  private Path shm;
  private Path proc;
  private Path plugin;

  @BeforeEach
  void setUp() throws IOException {
    shm = tmp.resolve("shm");
    proc = Files.createDirectories(tmp.resolve("proc"));
    plugin = NcclProfilerPlugin.extractTo(tmp.resolve("plugin"));
  }

  @Test
  void v1SequenceCountsMessageBytesPerRoleAndCommunicator() throws Exception {
    int pid = runDriver("v1", null);
    alive(pid);

    Map<String, Double> got = collect(source());

    String world = "comm=world, device=7, job=from-lookup, node=n1, pid=" + pid + ", rank=1";
    String other =
        "comm=abcdef0012345678, device=7, job=from-lookup, node=n1, pid=" + pid + ", rank=0";
    Map<String, Double> want = new TreeMap<>();
    // AllReduce float32 x 1024, twice: 2 * 1024 * 4 = 8192 each way
    want.put("send{collective=AllReduce, " + world + "}", 8192.0);
    want.put("recv{collective=AllReduce, " + world + "}", 8192.0);
    // AllGather bf16 x 1000 (per-rank sendcount): 1000 * 2 = 2000 each way
    want.put("send{collective=AllGather, " + world + "}", 2000.0);
    want.put("recv{collective=AllGather, " + world + "}", 2000.0);
    // Broadcast int64 x 10 as root (root 1 = rank 1): send 10 * 8 = 80;
    // Broadcast uint8 x 7 as non-root: recv 7 * 1 = 7
    want.put("send{collective=Broadcast, " + world + "}", 80.0);
    want.put("recv{collective=Broadcast, " + world + "}", 7.0);
    // Reduce float16 x 100 as non-root: send 100 * 2 = 200, nothing received
    want.put("send{collective=Reduce, " + world + "}", 200.0);
    // ReduceScatter float64 x 3: 3 * 8 = 24 each way
    want.put("send{collective=ReduceScatter, " + world + "}", 24.0);
    want.put("recv{collective=ReduceScatter, " + world + "}", 24.0);
    // SendRecv (func 5) int32 x 2 falls into Other: 2 * 4 = 8 each way
    want.put("send{collective=Other, " + world + "}", 8.0);
    want.put("recv{collective=Other, " + world + "}", 8.0);
    // p2p Send float32 x 256: 1024; p2p Recv int8 x 33: 33
    want.put("send{collective=Send, " + world + "}", 1024.0);
    want.put("recv{collective=Recv, " + world + "}", 33.0);
    // second communicator, unnamed: Reduce int32 x 5 as root: 5 * 4 = 20 each way
    want.put("send{collective=Reduce, " + other + "}", 20.0);
    want.put("recv{collective=Reduce, " + other + "}", 20.0);
    // the Group and ProxyOp events add nothing
    assertEquals(want, got);
  }

  @Test
  void aRanksSeriesCarryItsPodBesideTheJobItsFileNames() throws Exception {
    int pid = runDriver("v1", "llama");
    alive(pid);
    Labels pod = Labels.of("k8s_pod", "llama-0", "k8s_namespace", "ml", "k8s_container", "trainer");
    NcclCounterSource source =
        NcclCounterSource.builder()
            .directory(shm)
            .procRoot(proc)
            .nodeName("n1")
            .owners(p -> p == pid ? pod.and("job", "from-attribution") : Labels.empty())
            .build();

    Map<String, Double> got = collect(source);
    String world =
        "comm=world, device=unknown, job=llama, k8s_container=trainer, k8s_namespace=ml,"
            + " k8s_pod=llama-0, node=n1, pid="
            + pid
            + ", rank=1";
    assertEquals(8192.0, got.get("send{collective=AllReduce, " + world + "}"), got.toString());
  }

  @Test
  void v6SequenceCountsMessageBytesPerRoleAndCommunicator() throws Exception {
    int pid = runDriver("v6", "llama-pretrain");
    alive(pid);

    Map<String, Double> got = collect(source());

    // TELEGEN_JOB in the job's environment wins over the agent's lookup
    String tp = "comm=tp-group, device=7, job=llama-pretrain, node=n1, pid=" + pid + ", rank=3";
    String unnamed =
        "comm=feedface00000001, device=7, job=llama-pretrain, node=n1, pid=" + pid + ", rank=0";
    Map<String, Double> want = new TreeMap<>();
    // AllReduce ncclFloat32 x 1000, twice: 2 * 1000 * 4 = 8000 each way
    want.put("send{collective=AllReduce, " + tp + "}", 8000.0);
    want.put("recv{collective=AllReduce, " + tp + "}", 8000.0);
    // AllGather ncclBfloat16 x 512 as non-root (root is meaningless for it): 512 * 2 = 1024
    want.put("send{collective=AllGather, " + tp + "}", 1024.0);
    want.put("recv{collective=AllGather, " + tp + "}", 1024.0);
    // Broadcast ncclFloat16 x 64 as root: send 128; ncclFloat32 x 64 as non-root: recv 256
    want.put("send{collective=Broadcast, " + tp + "}", 128.0);
    want.put("recv{collective=Broadcast, " + tp + "}", 256.0);
    // Reduce ncclInt64 x 9 as root: sends its part and receives the result: 72 each way
    want.put("send{collective=Reduce, " + tp + "}", 72.0);
    want.put("recv{collective=Reduce, " + tp + "}", 72.0);
    // AlltoAll ncclInt32 x 50: 200 each way
    want.put("send{collective=AlltoAll, " + tp + "}", 200.0);
    want.put("recv{collective=AlltoAll, " + tp + "}", 200.0);
    // Gather ncclFloat64 x 4 as non-root: send 32; Scatter ncclFloat32 x 8 as root: send 32
    want.put("send{collective=Gather, " + tp + "}", 32.0);
    want.put("send{collective=Scatter, " + tp + "}", 32.0);
    // ReduceScatter "Unknown" (ncclUint8) x 77: 1 byte each, 77 each way
    want.put("send{collective=ReduceScatter, " + tp + "}", 77.0);
    want.put("recv{collective=ReduceScatter, " + tp + "}", 77.0);
    // p2p Send ncclFloat8e4m3 x 300: 300; p2p Recv ncclUint64 x 3: 24
    want.put("send{collective=Send, " + tp + "}", 300.0);
    want.put("recv{collective=Recv, " + tp + "}", 24.0);
    // empty comm name: the hash in hex. AllReduce ncclInt8 x 5: 5; PutSignal ncclInt32 x 1: Other 4
    want.put("send{collective=AllReduce, " + unnamed + "}", 5.0);
    want.put("recv{collective=AllReduce, " + unnamed + "}", 5.0);
    want.put("send{collective=Other, " + unnamed + "}", 4.0);
    want.put("recv{collective=Other, " + unnamed + "}", 4.0);
    // GroupApi, Group, ProxyOp, KernelCh and CeColl events add nothing
    assertEquals(want, got);
  }

  @Test
  void countersRiseWhileTheJobRunsAndItsFileGoesWithIt() throws Exception {
    ProcessBuilder builder =
        new ProcessBuilder(driver().toString(), plugin.toString(), "--hold", "30", "--every", "10")
            .redirectError(ProcessBuilder.Redirect.INHERIT);
    builder.environment().put("TELEGEN_NCCL_DIR", shm.toString());
    Process driver = builder.start();
    int pid;
    try (BufferedReader out =
        new BufferedReader(
            new InputStreamReader(driver.getInputStream(), StandardCharsets.UTF_8))) {
      pid = Integer.parseInt(out.readLine().trim());
      assertEquals(driver.pid(), pid);
      NcclCounterSource source = NcclCounterSource.builder().directory(shm).build(); // real /proc
      double first = steadyAllReduce(source, pid);
      Thread.sleep(200);
      double second = steadyAllReduce(source, pid);
      // each step is one AllReduce of 256 x float32 = 1024 bytes
      assertTrue(second > first, second + " > " + first);
      assertEquals(0, second % 1024);

      driver.destroy();
      driver.waitFor(10, TimeUnit.SECONDS);
      waitForProcEntryToGo(pid);
      assertEquals(Map.of(), collect(source));
      assertFalse(Files.exists(shm.resolve("nccl-" + pid + ".bin")));
    } finally {
      driver.destroyForcibly();
    }
  }

  @Test
  void fileOfAnExitedProcessIsDeletedAndNeverReportedAgain() throws Exception {
    int pid = runDriver("v6", null);
    Path file = shm.resolve("nccl-" + pid + ".bin");
    assertTrue(Files.exists(file));
    NcclCounterSource source = source();
    alive(pid);
    assertFalse(collect(source).isEmpty());

    Files.delete(proc.resolve(Integer.toString(pid))); // the process exits

    assertEquals(Map.of(), collect(source));
    assertFalse(Files.exists(file));
    assertEquals(Map.of(), collect(source));
  }

  @Test
  void truncatedAndForeignFilesAreReportedOnceWhileAGoodFileBesideThemStillReports()
      throws Exception {
    int good = runDriver("v6", null);
    alive(good);
    Path truncated = shm.resolve("nccl-" + (good + 1) + ".bin");
    Files.write(truncated, new byte[] {'T', 'G', 'N', 'C', 1, 0, 0, 0});
    alive(good + 1);
    Path foreign = shm.resolve("nccl-" + (good + 2) + ".bin");
    Files.write(foreign, new byte[24704]);
    alive(good + 2);
    NcclCounterSource source = source();
    MetricBatch batch = new MetricBatch(CATALOG, 1);

    PartialCollectionException e =
        assertThrows(PartialCollectionException.class, () -> source.collect(batch));

    Map<String, String> problems = new TreeMap<>();
    e.problems().forEach(p -> problems.put(p.key(), p.message()));
    assertEquals(Set.of(truncated.toString(), foreign.toString()), problems.keySet());
    assertTrue(
        problems
            .get(truncated.toString())
            .contains(truncated + ": truncated NCCL counter file (8 bytes"),
        problems.toString());
    assertTrue(
        problems.get(foreign.toString()).contains(foreign + ": not a Telegen NCCL counter file"),
        problems.toString());
    assertEquals(
        8000.0,
        points(batch)
            .get(
                "send{collective=AllReduce, comm=tp-group, device=7, job=from-lookup, node=n1, pid="
                    + good
                    + ", rank=3}"));
    assertEquals(2, source.errorCount());
    // still partial while the files stay bad, with the same problems (the agent logs them
    // once), and the good file is still written; they are not opened again until they change
    MetricBatch next = new MetricBatch(CATALOG, 2);
    PartialCollectionException again =
        assertThrows(PartialCollectionException.class, () -> source.collect(next));
    assertEquals(e.problems(), again.problems());
    assertFalse(points(next).isEmpty());
    assertEquals(2, source.errorCount());
    // fixed: the truncated file is gone, the foreign one exited
    Files.delete(truncated);
    Files.delete(foreign);
    assertFalse(collect(source).isEmpty());
  }

  @Test
  void pluginIsExtractedFromTheJarAsAnExecutableSharedLibrary() throws Exception {
    assertTrue(plugin.isAbsolute());
    assertEquals("libnccl-profiler-telegen.so", plugin.getFileName().toString());
    byte[] head = new byte[4];
    try (var in = Files.newInputStream(plugin)) {
      assertEquals(4, in.read(head));
    }
    assertEquals("\u007fELF", new String(head, StandardCharsets.ISO_8859_1));
    assertTrue(Files.getPosixFilePermissions(plugin).contains(PosixFilePermission.OTHERS_EXECUTE));
    // extracting again replaces the file in place
    assertEquals(plugin, NcclProfilerPlugin.extractTo(plugin.getParent()));
  }

  private NcclCounterSource source() {
    return NcclCounterSource.builder()
        .directory(shm)
        .procRoot(proc)
        .nodeName("n1")
        .jobOfPid(pid -> "from-lookup")
        .gpuProcesses(this::everyLiveProcessOnGpu7) // the driver has no libcudart: cudaDev -1
        .build();
  }

  /** The GPU process table of a node where every live process has a context on GPU 7. */
  private GpuProcessSnapshot everyLiveProcessOnGpu7() {
    GpuProcessSnapshot.Builder table = GpuProcessSnapshot.builder();
    try (Stream<Path> pids = Files.list(proc)) {
      pids.forEach(
          p ->
              table.uses(
                  Integer.parseInt(p.getFileName().toString()),
                  GpuRef.gpu(GpuVendor.NVIDIA, 7, "GPU-7")));
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
    return table.build();
  }

  /** Runs one driver sequence to completion and returns its pid. */
  private int runDriver(String sequence, String job) throws Exception {
    ProcessBuilder builder =
        new ProcessBuilder(driver().toString(), plugin.toString(), sequence)
            .redirectErrorStream(true);
    builder.environment().put("TELEGEN_NCCL_DIR", shm.toString());
    builder.environment().remove("TELEGEN_JOB");
    if (job != null) {
      builder.environment().put("TELEGEN_JOB", job);
    }
    Process p = builder.start();
    String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertTrue(p.waitFor(30, TimeUnit.SECONDS));
    assertEquals(0, p.exitValue(), output);
    return (int) p.pid();
  }

  /** Pretends the (exited) driver is still alive, so the source keeps its file. */
  private void alive(int pid) throws IOException {
    Files.createDirectories(proc.resolve(Integer.toString(pid)));
  }

  private double steadyAllReduce(NcclCounterSource source, int pid) throws Exception {
    String key = "send{collective=AllReduce, comm=steady, device=unknown, pid=" + pid + ", rank=0}";
    for (int i = 0; i < 100; i++) {
      Double v = collect(source).get(key);
      if (v != null) {
        return v;
      }
      Thread.sleep(20);
    }
    throw new AssertionError("no " + key + " in " + collect(source));
  }

  private static void waitForProcEntryToGo(int pid) throws InterruptedException {
    for (int i = 0; i < 200 && Files.exists(Path.of("/proc/" + pid)); i++) {
      Thread.sleep(10);
    }
  }

  private static Map<String, Double> collect(NcclCounterSource source) throws Exception {
    MetricBatch batch = new MetricBatch(CATALOG, 1);
    source.collect(batch);
    return points(batch);
  }

  /** "send{labels sorted by key}" or "recv{...}" to value. */
  private static Map<String, Double> points(MetricBatch batch) {
    Map<String, Double> points = new TreeMap<>();
    for (Metric metric : batch.metrics()) {
      String prefix = metric.getName().equals("gpu_nccl_send_bytes_total") ? "send" : "recv";
      for (NumberDataPoint p : metric.getSum().getDataPointsList()) {
        Map<String, String> labels = new TreeMap<>();
        for (KeyValue kv : p.getAttributesList()) {
          labels.put(kv.getKey(), kv.getValue().getStringValue());
        }
        String key = labels.toString(); // {a=1, b=2}, keys sorted
        points.put(prefix + key, p.getAsDouble());
      }
    }
    return points;
  }

  private static Path driver() {
    return BuildOutputs.ncclDriver();
  }
}
