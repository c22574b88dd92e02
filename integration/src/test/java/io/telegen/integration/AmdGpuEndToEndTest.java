package io.telegen.integration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.telegen.testsupport.BuildOutputs;
import io.telegen.testsupport.GpuTestResources;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;

/**
 * AMD GPU metrics end to end: the agent jar reads the fake {@code libamd_smi.so} through JNA,
 * configured as the spec's AMD example (plus where the library is), pushes OTLP to the stock
 * collector with the shipped agent.yaml, and Prometheus answers the spec's GPU queries with the
 * scenario's values; on a mixed node beside the fake NVML, every series keeps its vendor.
 */
final class AmdGpuEndToEndTest {

  private static final Duration TIMEOUT = Duration.ofSeconds(45);

  /** gfx_activity of the eight GPUs of mi300x-spx.conf: 62, 65, ..., 83. */
  private static final double MI300X_MEAN = (62 + 65 + 68 + 71 + 74 + 77 + 80 + 83) / 8.0;

  private final Cleanup cleanup = new Cleanup();

  @AfterEach
  void stopEverything() {
    cleanup.close();
  }

  @Test
  void specGpuQueriesAnswerForAnEightMi300xNode(TestInfo testInfo) {
    Path dir = TestLogDir.of(testInfo);
    Map<String, Object> gpu = new LinkedHashMap<>();
    // The spec's AMD example, as written, and where the (fake) library is.
    gpu.put("enabled", true);
    gpu.put("nvidia", false);
    gpu.put("amd", true);
    gpu.put("poll_interval", "1s");
    gpu.put("amd_smi_library", BuildOutputs.fakeAmdSmi("current").toString());
    PrometheusServer prometheus = start(dir, gpu, amdEnvironment("mi300x-spx"));

    List<PrometheusServer.Sample> ratio =
        prometheus.awaitQuery(
            "gpu_memory_used_bytes / gpu_memory_total_bytes", r -> r.size() == 8, TIMEOUT);
    for (PrometheusServer.Sample sample : ratio) {
      assertEquals("amd", sample.labels().get("vendor"));
      assertTrue(sample.value() > 0.79 && sample.value() < 0.81, sample.toString());
    }
    List<PrometheusServer.Sample> fleet =
        prometheus.awaitQuery(
            "sum(gpu_utilization_percent) by (name) / count(gpu_utilization_percent) by (name)",
            r -> r.size() == 1,
            TIMEOUT);
    assertEquals("AMD Instinct MI300X", fleet.get(0).labels().get("name"));
    assertEquals(MI300X_MEAN, fleet.get(0).value(), 1e-9);
    // junction temperatures 55..62 °C, current socket power 690..725 W
    assertEquals(List.of(), prometheus.query("gpu_temperature_celsius > 85"));
    assertEquals(
        690 + 695 + 700 + 705 + 710 + 715 + 720 + 725,
        prometheus.query("sum(gpu_power_usage_watts)").get(0).value(),
        1e-9);
    assertEquals(8, prometheus.query("gpu_up{compute_partition=\"SPX\"} == 1").size());
    prometheus.awaitQuery(
        "count(gpu_xgmi_tx_bytes_total)", r -> r.size() == 1 && r.get(0).value() == 8 * 7, TIMEOUT);
    assertEquals(8, prometheus.query("gpu_process_memory_bytes{process_name=\"python3\"}").size());
  }

  @Test
  void rocmSmiWhereAmdSmiIsAbsentAnswersTheSameQueries(TestInfo testInfo) {
    Path dir = TestLogDir.of(testInfo);
    Map<String, Object> gpu = new LinkedHashMap<>();
    gpu.put("nvidia", false);
    gpu.put("amd", true);
    gpu.put("poll_interval", "1s");
    gpu.put("rocm_smi_library", BuildOutputs.fakeRocmSmi().toString());
    PrometheusServer prometheus = start(dir, gpu, amdEnvironment("mi300x-spx"));

    List<PrometheusServer.Sample> fleet =
        prometheus.awaitQuery(
            "sum(gpu_utilization_percent) by (name) / count(gpu_utilization_percent) by (name)",
            r -> r.size() == 1,
            TIMEOUT);
    assertEquals(MI300X_MEAN, fleet.get(0).value(), 1e-9);
    List<PrometheusServer.Sample> info =
        prometheus.awaitQuery("gpu_info{library=\"rocm_smi\"}", r -> r.size() == 8, TIMEOUT);
    assertEquals("7.7.0", info.get(0).labels().get("library_version"));
    assertEquals(
        690 + 695 + 700 + 705 + 710 + 715 + 720 + 725,
        prometheus
            .awaitQuery("sum(gpu_power_usage_watts)", r -> r.size() == 1, TIMEOUT)
            .get(0)
            .value(),
        1e-9);
  }

  @Test
  void aMixedNodeReportsBothVendorsApart(TestInfo testInfo) {
    Path dir = TestLogDir.of(testInfo);
    Map<String, Object> gpu = new LinkedHashMap<>(FakeGpuNode.gpuSection());
    gpu.put("amd", true);
    gpu.put("amd_smi_library", BuildOutputs.fakeAmdSmi("current").toString());
    Map<String, String> env = new TreeMap<>(FakeGpuNode.environment("dgx-h100-nvlink"));
    env.putAll(amdEnvironment("mi300x-spx"));
    PrometheusServer prometheus = start(dir, gpu, env);

    List<PrometheusServer.Sample> fleet =
        prometheus.awaitQuery(
            "sum(gpu_utilization_percent) by (name) / count(gpu_utilization_percent) by (name)",
            r -> r.size() == 2,
            TIMEOUT);
    Map<String, Double> byName = new TreeMap<>();
    fleet.forEach(s -> byName.put(s.labels().get("name"), s.value()));
    // utilization_gpu of dgx-h100-nvlink.conf: 99, 100, 98, 99, 0, 0, 87, 85
    assertEquals(71.0, byName.get("NVIDIA H100 80GB HBM3"), 1e-9);
    assertEquals(MI300X_MEAN, byName.get("AMD Instinct MI300X"), 1e-9);
    // Both vendors number from 0; vendor and uuid keep device 0 apart.
    List<PrometheusServer.Sample> zero =
        prometheus.awaitQuery("gpu_up{device=\"0\"}", r -> r.size() == 2, TIMEOUT);
    assertEquals(
        List.of("amd", "nvidia"),
        zero.stream().map(s -> s.labels().get("vendor")).sorted().toList());
    assertTrue(
        !zero.get(0).labels().get("uuid").equals(zero.get(1).labels().get("uuid")),
        zero.toString());
    List<PrometheusServer.Sample> perVendor =
        prometheus.awaitQuery("count(gpu_up == 1) by (vendor)", r -> r.size() == 2, TIMEOUT);
    perVendor.forEach(s -> assertEquals(8, s.value(), 1e-9, s.toString()));
  }

  private static Map<String, String> amdEnvironment(String scenario) {
    return Map.of(
        GpuTestResources.AMD_SMI_SCENARIO_VARIABLE,
        GpuTestResources.amdSmiScenario(scenario).toString());
  }

  private PrometheusServer start(Path dir, Map<String, Object> gpu, Map<String, String> env) {
    StockCollector collector = cleanup.register(StockCollector.start(dir));
    PrometheusServer prometheus =
        cleanup.register(PrometheusServer.start(dir, collector.prometheusExporterTarget()));
    cleanup.register(
        AgentProcess.start(dir, collector.otlpGrpcEndpoint(), Map.of("gpu", gpu), env));
    return prometheus;
  }
}
