package io.telegen.integration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.telegen.testsupport.BuildOutputs;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import org.snakeyaml.engine.v2.api.Dump;
import org.snakeyaml.engine.v2.api.DumpSettings;
import org.snakeyaml.engine.v2.api.Load;
import org.snakeyaml.engine.v2.api.LoadSettings;

/**
 * What the agent image (collector-config/kubernetes/image/Dockerfile) is made of, run the way it
 * runs, since no image can be built here: the same jlink runtime (the same script and module list,
 * checked against jdeps), the agent jar under the Dockerfile's ENTRYPOINT command line, printing
 * its version, writing the NCCL plugin the image ships, and checking the DaemonSet's ConfigMap
 * config on a fake NVIDIA node.
 */
final class AgentImageRuntimeTest {

  private static final Path IMAGE =
      TelegenTools.repoRoot().resolve("collector-config/kubernetes/image");
  private static final Path CONFIG_MAP =
      TelegenTools.repoRoot().resolve("collector-config/kubernetes/agent-config.yaml");
  private static final long MAX_RUNTIME_BYTES = 64L * 1024 * 1024;

  private Path dir;

  @BeforeEach
  void setUp(TestInfo testInfo) {
    dir = TestLogDir.of(testInfo);
  }

  @Test
  void theImagesRuntimeRunsTheAgentAsItsEntrypointDoes() throws IOException {
    Path runtime = dir.resolve("runtime");
    ExternalProcess.Result jlink =
        ExternalProcess.run(
            "jlink-runtime.sh",
            List.of(
                IMAGE.resolve("jlink-runtime.sh").toString(),
                TelegenTools.agentJar().toString(),
                runtime.toString()),
            Map.of("JAVA_HOME", System.getProperty("java.home")),
            dir.resolve("jlink.log"),
            Duration.ofMinutes(5));
    assertEquals(0, jlink.exitCode(), jlink.output());
    long size = sizeOf(runtime);
    assertTrue(size < MAX_RUNTIME_BYTES, "the runtime is " + size + " bytes");

    List<String> entrypoint = entrypoint();
    assertEquals("/opt/telegen/runtime/bin/java", entrypoint.get(0));
    assertEquals("/opt/telegen/telegen-agent.jar", entrypoint.get(entrypoint.size() - 1));

    ExternalProcess.Result version = agent(runtime, List.of("--version"), Map.of(), "version");
    assertEquals(0, version.exitCode(), version.output());
    assertTrue(version.output().contains("telegen-agent 0."), version.output());

    Path nccl = dir.resolve("nccl-plugin");
    ExternalProcess.Result plugin =
        agent(runtime, List.of("nccl-plugin", nccl.toString()), Map.of(), "nccl-plugin");
    assertEquals(0, plugin.exitCode(), plugin.output());
    assertTrue(Files.isRegularFile(nccl.resolve("libnccl-profiler-telegen.so")), plugin.output());

    Path config = dir.resolve("agent.yaml");
    Files.writeString(config, configMapConfigOnThisHost());
    ExternalProcess.Result check =
        agent(
            runtime,
            List.of("check", "--config", config.toString()),
            FakeGpuNode.environment("dgx-h100-nvlink"),
            "check");
    assertEquals(0, check.exitCode(), check.output());
    assertTrue(check.output().contains("NVIDIA GPUs: 8"), check.output());
  }

  /** The Dockerfile's ENTRYPOINT, a JSON array. */
  @SuppressWarnings("unchecked")
  private static List<String> entrypoint() throws IOException {
    String line =
        Files.readAllLines(IMAGE.resolve("Dockerfile")).stream()
            .filter(l -> l.startsWith("ENTRYPOINT "))
            .findFirst()
            .orElseThrow(() -> new AssertionError("the Dockerfile has no ENTRYPOINT"));
    return (List<String>)
        new Load(LoadSettings.builder().build())
            .loadFromString(line.substring("ENTRYPOINT ".length()));
  }

  /** The ENTRYPOINT with the image's paths replaced by this build's runtime and jar. */
  private ExternalProcess.Result agent(
      Path runtime, List<String> args, Map<String, String> env, String name) throws IOException {
    List<String> command = new ArrayList<>();
    for (String word : entrypoint()) {
      command.add(
          word.replace("/opt/telegen/runtime", runtime.toString())
              .replace("/opt/telegen/telegen-agent.jar", TelegenTools.agentJar().toString()));
    }
    command.addAll(args);
    return ExternalProcess.run(
        "agent " + name,
        command,
        env,
        dir.resolve("agent-" + name + ".log"),
        Duration.ofMinutes(1));
  }

  /**
   * The DaemonSet ConfigMap's agent.yaml with the container's paths mapped to this host (/host/proc
   * is /proc here) and the fake NVML.
   */
  @SuppressWarnings("unchecked")
  private String configMapConfigOnThisHost() throws IOException {
    Map<String, Object> configMap =
        (Map<String, Object>)
            new Load(LoadSettings.builder().build()).loadFromString(Files.readString(CONFIG_MAP));
    String yaml = ((Map<String, Object>) configMap.get("data")).get("agent.yaml").toString();
    Map<String, Object> root =
        (Map<String, Object>) new Load(LoadSettings.builder().build()).loadFromString(yaml);
    Map<String, Object> agent = (Map<String, Object>) root.get("agent");
    assertEquals("/host/proc", agent.get("proc_root"));
    agent.put("proc_root", "/proc");
    // The receiver stays on 0.0.0.0:4319: check validates it and binds nothing.
    assertEquals("0.0.0.0:4319", ((Map<String, Object>) agent.get("receiver")).get("endpoint"));
    Map<String, Object> gpu = (Map<String, Object>) agent.get("gpu");
    assertEquals("/host/sys", gpu.get("sys_root"));
    gpu.put("sys_root", "/sys");
    gpu.put("nccl_dir", dir.resolve("nccl").toString());
    gpu.put("nvml_library", BuildOutputs.fakeNvml().toString());
    return new Dump(DumpSettings.builder().build()).dumpToString(root);
  }

  private static long sizeOf(Path tree) throws IOException {
    try (Stream<Path> files = Files.walk(tree)) {
      return files.filter(Files::isRegularFile).mapToLong(p -> p.toFile().length()).sum();
    }
  }
}
