package io.telegen.frameworks.scrape;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.telegen.frameworks.FakeProc;
import io.telegen.frameworks.scrape.ServingProcessDiscovery.Server;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ServingProcessDiscoveryTest {

  @TempDir Path temp;

  @Test
  void findsVllmTgiAndTritonAndIgnoresTheRest() throws Exception {
    Path proc = FakeProc.copy("scrape/proc-gpu-node", temp);
    ServingProcessDiscovery.Result result = new ServingProcessDiscovery(proc, Set.of()).discover();

    assertEquals(
        List.of("tgi", "triton", "vllm"),
        result.servers().stream().map(Server::framework).toList(),
        result.toString());

    Server tgi = result.servers().get(0);
    assertEquals(5001, tgi.pid());
    assertEquals("http://127.0.0.1:3000/metrics", tgi.uri().toString());
    assertEquals("bigscience/bloom-560m", tgi.model());
    // The router's launcher and the shard beside it: the shard holds the GPU.
    assertEquals(List.of(5000, 5001, 5002), tgi.pids());

    Server triton = result.servers().get(1);
    assertEquals(6100, triton.pid());
    assertEquals("127.0.0.1", triton.host()); // listening on ::
    assertEquals(8002, triton.port());
    assertEquals("http://127.0.0.1:8002/metrics", triton.uri().toString());
    assertNull(triton.model());

    Server vllm = result.servers().get(2);
    assertEquals(4242, vllm.pid());
    assertEquals(List.of(4242, 4243), vllm.pids());
    assertEquals("127.0.0.1:8000", vllm.instance());
    assertEquals("http://127.0.0.1:8000/metrics", vllm.uri().toString());
    assertEquals("facebook/opt-125m", vllm.model());
    assertNull(vllm.modelConfig()); // a hub id, not a directory
    assertEquals("auto", vllm.kvCacheDtype());
    assertEquals(1, vllm.tensorParallel());

    assertEquals(
        List.of(
            "sglang (pid 7000) runs without --enable-metrics; restart it with "
                + "--enable-metrics to get metrics"),
        result.notes());
  }

  @Test
  void limitsToTheFrameworksAsked() throws Exception {
    Path proc = FakeProc.copy("scrape/proc-gpu-node", temp);
    ServingProcessDiscovery.Result result =
        new ServingProcessDiscovery(proc, Set.of("triton")).discover();
    assertEquals(1, result.servers().size());
    assertEquals("triton", result.servers().get(0).framework());
    assertEquals(List.of(), result.notes());
  }

  @Test
  void unreadableSocketsFallBackToTheListeningPort() throws Exception {
    Path proc = FakeProc.copy("scrape/proc-gpu-node", temp);
    // Another user's process: its fd directory cannot be listed. Permissions do not stop root,
    // which runs these tests, so an fd entry that is no directory stands in for it.
    Path fdDir = proc.resolve("4242/fd");
    try (var fds = Files.list(fdDir)) {
      for (Path fd : fds.toList()) {
        Files.delete(fd);
      }
    }
    Files.delete(fdDir);
    Files.writeString(fdDir, "not a directory");

    ServingProcessDiscovery.Result result =
        new ServingProcessDiscovery(proc, Set.of("vllm")).discover();

    assertEquals("http://127.0.0.1:8000/metrics", result.servers().get(0).uri().toString());
  }

  @Test
  void aProcessWithoutSocketsIsNoServer() throws Exception {
    Path proc = FakeProc.copy("scrape/proc-gpu-node", temp);
    try (var fds = Files.list(proc.resolve("4242/fd"))) {
      for (Path fd : fds.toList()) {
        Files.delete(fd);
      }
    }
    ServingProcessDiscovery.Result result =
        new ServingProcessDiscovery(proc, Set.of("vllm")).discover();
    assertEquals(List.of(), result.servers());
    assertEquals(List.of(), result.notes());
  }

  @Test
  void aServerThatStartedLaterIsFoundOnTheNextRun() throws Exception {
    Path proc = FakeProc.copy("scrape/proc-gpu-node", temp);
    ServingProcessDiscovery discovery = new ServingProcessDiscovery(proc, Set.of("llamacpp"));
    assertEquals(List.of(), discovery.discover().servers());

    FakeProc.process(
        proc,
        9100,
        1,
        List.of(
            "/opt/llama.cpp/build/bin/llama-server",
            "-m",
            "/models/Llama-3.2-1B-Instruct-Q4_K_M.gguf",
            "--host",
            "127.0.0.1",
            "--port",
            "8081",
            "--metrics"));
    Files.writeString(
        proc.resolve("net/tcp"),
        "   8: 0100007F:1F91 00000000:0000 0A "
            + "00000000:00000000 00:00000000 00000000  1000        0 900001 1 0000000000000000 100 0 "
            + "0 10 0\n",
        StandardCharsets.US_ASCII,
        java.nio.file.StandardOpenOption.APPEND);
    FakeProc.fd(proc, 9100, 7, "socket:[900001]");

    List<Server> servers = discovery.discover().servers();
    assertEquals(1, servers.size());
    assertEquals("http://127.0.0.1:8081/metrics", servers.get(0).uri().toString());
    assertEquals("Llama-3.2-1B-Instruct-Q4_K_M.gguf", servers.get(0).model());
  }

  @Test
  void readsTensorFlowServingsMonitoringPath() throws Exception {
    Path proc = temp.resolve("proc");
    Files.createDirectories(proc);
    Path config = temp.resolve("monitoring.config");
    Files.writeString(config, "prometheus_config {\n  enable: true,\n  path: \"/tf/metrics\"\n}\n");
    FakeProc.process(
        proc,
        300,
        1,
        List.of(
            "tensorflow_model_server",
            "--port=8500",
            "--rest_api_port=8501",
            "--model_name=resnet",
            "--model_base_path=/models/resnet",
            "--monitoring_config_file=" + config));
    FakeProc.tcpListeners(proc, "0.0.0.0", new int[] {8500, 8501}, new long[] {11, 12});
    FakeProc.fd(proc, 300, 3, "socket:[11]");
    FakeProc.fd(proc, 300, 4, "socket:[12]");
    Server server = new ServingProcessDiscovery(proc, Set.of()).discover().servers().get(0);
    assertEquals("http://127.0.0.1:8501/tf/metrics", server.uri().toString());
    assertEquals("resnet", server.model());
  }

  @Test
  void recognisesEachFrameworksCommandLine() {
    assertEquals(
        "vllm",
        ServingProcessDiscovery.recognise(
            List.of("python3", "-m", "vllm.entrypoints.openai.api_server", "--model", "m")));
    assertEquals(
        "nim",
        ServingProcessDiscovery.recognise(
            List.of("python3", "-m", "vllm_nvext.entrypoints.openai.api_server")));
    assertEquals("tgi", ServingProcessDiscovery.recognise(List.of("text-generation-launcher")));
    assertEquals(
        "triton",
        ServingProcessDiscovery.recognise(
            List.of("/opt/tritonserver/bin/tritonserver", "--model-repository=/m")));
    assertEquals(
        "tensorflow_serving",
        ServingProcessDiscovery.recognise(
            List.of("/usr/bin/tensorflow_model_server", "--rest_api_port=8501")));
    assertEquals(
        "torchserve",
        ServingProcessDiscovery.recognise(
            List.of(
                "java",
                "-Dmodel_server_home=/x",
                "-cp",
                ".:/ts/frontend/*",
                "org.pytorch.serve.ModelServer")));
    assertEquals(
        "sglang",
        ServingProcessDiscovery.recognise(
            List.of("python", "-m", "sglang.launch_server", "--enable-metrics")));
    assertEquals(
        "llamacpp", ServingProcessDiscovery.recognise(List.of("./llama-server", "-m", "x.gguf")));
    assertEquals(
        "lmdeploy",
        ServingProcessDiscovery.recognise(
            List.of(
                "/usr/bin/python3",
                "/usr/local/bin/lmdeploy",
                "serve",
                "api_server",
                "internlm/x")));
    assertNull(ServingProcessDiscovery.recognise(List.of("grep", "vllm serve")));
    assertNull(ServingProcessDiscovery.recognise(List.of("vim", "vllm.py")));
    assertNull(ServingProcessDiscovery.recognise(List.of()));
  }

  @Test
  void decodesKernelAddresses() {
    assertEquals("127.0.0.1", ServingProcessDiscovery.decodeAddress("0100007F"));
    assertEquals("0.0.0.0", ServingProcessDiscovery.decodeAddress("00000000"));
    assertEquals(
        "0:0:0:0:0:0:0:1",
        ServingProcessDiscovery.decodeAddress("00000000000000000000000001000000"));
    assertEquals(
        "127.0.0.1", ServingProcessDiscovery.decodeAddress("0000000000000000FFFF00000100007F"));
    assertEquals("10.1.2.3", ServingProcessDiscovery.decodeAddress("0302010A"));
    assertEquals("[::1]", ServingProcessDiscovery.scrapeHost("0:0:0:0:0:0:0:1"));
    assertEquals("127.0.0.1", ServingProcessDiscovery.scrapeHost("0:0:0:0:0:0:0:0"));
    assertNull(
        ServingProcessDiscovery.parseSocketLine(
            "   5: 0100007F:1F40 0100007F:D2F4 01 "
                + "00000000:00000000 00:00000000 00000000  1000        0 498765 1 0 100 0 0 10 0"));
  }

  @Test
  void splitsCommandLines() {
    assertEquals(
        List.of("a", "", "b"),
        ServingProcessDiscovery.splitCmdline("a\0\0b\0".getBytes(StandardCharsets.UTF_8)));
    assertEquals(
        List.of("sshd:", "/usr/sbin/sshd", "-D"),
        ServingProcessDiscovery.splitCmdline(
            "sshd: /usr/sbin/sshd -D".getBytes(StandardCharsets.UTF_8)));
    assertEquals(List.of(), ServingProcessDiscovery.splitCmdline(new byte[0]));
  }

  @Test
  void aMissingProcRootIsANoteNotAnError() {
    ServingProcessDiscovery.Result result =
        new ServingProcessDiscovery(temp.resolve("nope"), Set.of()).discover();
    assertEquals(List.of(), result.servers());
    assertTrue(
        result.notes().get(0).startsWith("no process readable under"), result.notes().toString());
  }
}
