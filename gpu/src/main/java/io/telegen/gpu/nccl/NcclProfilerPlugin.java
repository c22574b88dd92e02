package io.telegen.gpu.nccl;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Locale;

/**
 * The NCCL profiler plugin {@code libnccl-profiler-telegen.so} that this jar carries. A training
 * job loads it with {@code NCCL_PROFILER_PLUGIN=<absolute path>} (see {@code docs/nccl.md}); it
 * writes the counters that {@link NcclCounterSource} reads.
 */
public final class NcclProfilerPlugin {

  /** The library's file name. */
  public static final String FILE_NAME = "libnccl-profiler-telegen.so";

  private NcclProfilerPlugin() {}

  /**
   * The jar resource holding the plugin for this machine's architecture:
   * {@code io/telegen/gpu/nccl/linux-<arch>/libnccl-profiler-telegen.so}, arch as
   * {@code uname -m} prints it ({@code x86_64}, {@code aarch64}).
   */
  public static String resourceName() {
    String arch = System.getProperty("os.arch").toLowerCase(Locale.ROOT);
    String unameArch =
        switch (arch) {
          case "amd64", "x86_64" -> "x86_64";
          case "aarch64", "arm64" -> "aarch64";
          default -> arch;
        };
    return "io/telegen/gpu/nccl/linux-" + unameArch + "/" + FILE_NAME;
  }

  /**
   * Writes the plugin into {@code dir} (created if needed) as {@code libnccl-profiler-telegen.so},
   * readable and executable by everyone since training jobs often run as other users. The file
   * is replaced by an atomic rename, so a job that already mapped the old copy keeps running.
   *
   * @return the absolute path, the value for the job's {@code NCCL_PROFILER_PLUGIN}
   * @throws IOException when this build carries no plugin for this architecture or
   *     {@code dir} is not writable
   */
  public static Path extractTo(Path dir) throws IOException {
    String resource = resourceName();
    ClassLoader loader = NcclProfilerPlugin.class.getClassLoader();
    if (loader.getResource(resource) == null) {
      throw new IOException(
          "this Telegen build carries no NCCL profiler plugin for "
              + System.getProperty("os.arch")
              + " (no resource "
              + resource
              + "); build the"
              + " gpu module with gcc on a machine of that architecture");
    }
    Path target = dir.resolve(FILE_NAME).toAbsolutePath();
    Path tmp = null;
    try (InputStream in = loader.getResourceAsStream(resource)) {
      Files.createDirectories(dir);
      tmp = Files.createTempFile(dir, ".libnccl-profiler-telegen", ".tmp");
      Files.copy(in, tmp, StandardCopyOption.REPLACE_EXISTING);
      Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rwxr-xr-x"));
      Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    } catch (IOException e) {
      if (tmp != null) {
        Files.deleteIfExists(tmp);
      }
      throw new IOException(
          "cannot write the NCCL profiler plugin to "
              + target
              + ": "
              + e
              + "; pick a directory the agent can write and the training pods can read",
          e);
    }
    return target;
  }
}
