package io.telegen.integration;

import static org.junit.jupiter.api.Assertions.fail;

import io.telegen.testsupport.BuildOutputs;
import io.telegen.testsupport.Repository;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * Where the integration tests find the repository and the external programs they run.
 *
 * <p>The paths are computed exactly as {@code integration/scripts/setup.sh} lays them out, so a
 * changed collector manifest points at a binary that does not exist yet (and the test says to run
 * setup.sh) instead of silently reusing an old build:
 *
 * <ul>
 *   <li>cache root: {@code $TELEGEN_CACHE}, default {@code $HOME/.cache/telegen};
 *   <li>collector: {@code <cache>/otelcol/<first 12 hex digits of sha256(builder-config.yaml)>/otelcol};
 *   <li>Prometheus and promtool: {@code /usr/bin/prometheus}, {@code /usr/bin/promtool} (Debian);
 *   <li>Python: {@code <cache>/venv/bin/python}, and {@code kubernetes-validate} beside it;
 *   <li>Helm: {@code <cache>/gobin/helm-<setup.sh's HELM_VERSION>/helm}.
 * </ul>
 *
 * Each can be overridden with the environment variable setup.sh writes to {@code <cache>/env}
 * ({@code TELEGEN_OTELCOL}, {@code TELEGEN_PROMETHEUS}, {@code TELEGEN_PROMTOOL}, {@code
 * TELEGEN_PYTHON}, {@code TELEGEN_KUBERNETES_VALIDATE}, {@code TELEGEN_HELM}). A missing program fails the test; integration tests are never skipped.
 */
final class TelegenTools {

  private static final String SETUP_HINT = "run integration/scripts/setup.sh (as root) first";

  private TelegenTools() {}

  static Path repoRoot() {
    return Repository.root();
  }

  static Path shippedCollectorConfig(String fileName) {
    Path config = repoRoot().resolve("collector-config/otelcol").resolve(fileName);
    if (!Files.isRegularFile(config)) {
      fail("shipped collector config missing: " + config);
    }
    return config;
  }

  static Path cacheDir() {
    String cache = System.getenv("TELEGEN_CACHE");
    if (cache != null && !cache.isBlank()) {
      return Path.of(cache);
    }
    return Path.of(System.getProperty("user.home"), ".cache", "telegen");
  }

  static Path otelcol() {
    return executable(
        "TELEGEN_OTELCOL",
        cacheDir().resolve("otelcol").resolve(manifestHash()).resolve("otelcol"),
        "the stock collector built from integration/otelcol/builder-config.yaml");
  }

  static Path prometheus() {
    return executable("TELEGEN_PROMETHEUS", Path.of("/usr/bin/prometheus"), "Prometheus");
  }

  static Path promtool() {
    return executable("TELEGEN_PROMTOOL", Path.of("/usr/bin/promtool"), "promtool");
  }

  static Path python() {
    return executable(
        "TELEGEN_PYTHON",
        cacheDir().resolve("venv/bin/python"),
        "the Python venv with the OpenTelemetry SDK");
  }

  /** {@code kubernetes-validate}, installed into the venv from requirements.txt. */
  static Path kubernetesValidate() {
    return executable(
        "TELEGEN_KUBERNETES_VALIDATE",
        cacheDir().resolve("venv/bin/kubernetes-validate"),
        "kubernetes-validate (the Python venv)");
  }

  /** Helm, built by setup.sh at its HELM_VERSION pin into {@code <cache>/gobin/helm-<pin>/}. */
  static Path helm() {
    return executable(
        "TELEGEN_HELM",
        cacheDir().resolve("gobin").resolve("helm-" + setupPin("HELM_VERSION")).resolve("helm"),
        "Helm");
  }

  /** A {@code NAME=value} pin of integration/scripts/setup.sh, so tests and setup agree. */
  static String setupPin(String name) {
    Path setup = repoRoot().resolve("integration/scripts/setup.sh");
    try {
      for (String line : Files.readAllLines(setup)) {
        if (line.startsWith(name + "=")) {
          return line.substring(name.length() + 1).split("\\s")[0];
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    throw new IllegalStateException(setup + " has no " + name + "= pin");
  }

  static Path java() {
    return Path.of(System.getProperty("java.home"), "bin", "java");
  }

  static Path agentJar() {
    return BuildOutputs.agentJar();
  }

  /** The NCCL profiler plugin as the gpu module built it. */
  static Path ncclPlugin() {
    return BuildOutputs.ncclProfilerPlugin();
  }

  /** The C stand-in for NCCL that drives the plugin (gpu/src/test/native/nccl-driver). */
  static Path ncclDriver() {
    return BuildOutputs.ncclDriver();
  }

  /** First 12 hex digits of the SHA-256 of the collector manifest, as setup.sh names the build. */
  static String manifestHash() {
    Path manifest = repoRoot().resolve("integration/otelcol/builder-config.yaml");
    try {
      byte[] digest = MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(manifest));
      return HexFormat.of().formatHex(digest).substring(0, 12);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  private static Path executable(String overrideVariable, Path defaultPath, String what) {
    String override = System.getenv(overrideVariable);
    Path path = override != null && !override.isBlank() ? Path.of(override) : defaultPath;
    if (!Files.isRegularFile(path) || !Files.isExecutable(path)) {
      fail(
          what
              + " is missing: "
              + path
              + (override != null && !override.isBlank() ? " (from $" + overrideVariable + ")" : "")
              + "; "
              + SETUP_HINT);
    }
    return path;
  }
}
