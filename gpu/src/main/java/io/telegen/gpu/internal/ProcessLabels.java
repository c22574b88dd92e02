package io.telegen.gpu.internal;

import io.telegen.node.ProcessAttribution;
import io.telegen.source.Labels;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;

/**
 * The labels of a process's {@code gpu_process_*} series, for every vendor's source: its {@code
 * pid}, its {@code process_name} from {@code <proc root>/<pid>/comm} (cached while the pid stays
 * on a GPU), and who it belongs to (its pod, its training job), asked every collection since the
 * attribution learns of a new pod after the process appears. A pid the agent cannot see (it runs
 * in another pid namespace without the host's {@code /proc}) is named {@value #UNKNOWN}, or what
 * the driver calls it, rather than dropped: its memory still counts. Collection thread only;
 * internal, not API.
 */
public final class ProcessLabels {

  public static final String UNKNOWN = "unknown";

  private final Path procRoot;
  private final ProcessAttribution attribution;
  private final Map<Integer, String> names = new HashMap<>();

  public ProcessLabels(Path procRoot, ProcessAttribution attribution) {
    this.procRoot = procRoot;
    this.attribution = attribution;
  }

  /** {@code pid}, {@code process_name}, then the attribution's labels. */
  public Labels labelsOf(int pid) {
    return labelsOf(pid, null);
  }

  /**
   * As {@link #labelsOf(int)}, naming the process {@code driverName} (the driver's own name for
   * it) when {@code /proc} does not show it; {@code null} or empty for none.
   */
  public Labels labelsOf(int pid, String driverName) {
    String name = names.computeIfAbsent(pid, this::read);
    if (name.equals(UNKNOWN) && driverName != null && !driverName.isEmpty()) {
      name = driverName;
    }
    Labels own = Labels.of("pid", Integer.toString(pid), "process_name", name);
    Labels attributed = attribution.labelsOf(pid);
    return attributed.attributes().isEmpty() ? own : own.and(attributed);
  }

  /** Forgets pids that are no longer on any GPU, so the cache stays as small as the process list. */
  public void retainOnly(Set<Integer> pids) {
    names.keySet().retainAll(pids);
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
