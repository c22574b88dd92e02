package io.telegen.gpu.nvidia.internal;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;

/**
 * Process names from {@code <proc root>/<pid>/comm}, cached while the pid stays on a GPU. A pid
 * the agent cannot see (it runs in another pid namespace without the host's {@code /proc}) is
 * named {@value #UNKNOWN} rather than dropped: its memory still counts.
 *
 * <p>Shared with the AMD source ({@code io.telegen.gpu.amd.internal}). This class is internal and
 * is hence not for public use. Its APIs are unstable and can change at any time.
 */
public final class ProcessNames {

  public static final String UNKNOWN = "unknown";

  private final Path procRoot;
  private final Map<Integer, String> cache = new HashMap<>();

  public ProcessNames(Path procRoot) {
    this.procRoot = procRoot;
  }

  public String nameOf(int pid) {
    return cache.computeIfAbsent(pid, this::read);
  }

  /** Forgets pids that are no longer on any GPU, so the cache stays as small as the process list. */
  public void retainOnly(Set<Integer> pids) {
    cache.keySet().retainAll(pids);
  }

  private String read(int pid) {
    try {
      String comm =
          Files.readString(
                  procRoot.resolve(Integer.toString(pid)).resolve("comm"), StandardCharsets.UTF_8)
              .trim();
      return comm.isEmpty() ? UNKNOWN : comm;
    } catch (IOException | RuntimeException e) {
      return UNKNOWN;
    }
  }
}
