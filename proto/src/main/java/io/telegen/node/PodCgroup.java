package io.telegen.node;

import java.util.Objects;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The pod and container a process runs in, as its {@code /proc/<pid>/cgroup} names them: what the
 * node offers about a process's pod without cluster credentials, to be joined with the container
 * runtime's CRI answer (pod name, namespace, container name).
 *
 * <p>The kubelet's cgroup layouts, v1 (one line per controller) and v2 (one {@code 0::} line):
 *
 * <ul>
 *   <li>systemd driver: {@code /kubepods.slice/kubepods-burstable.slice/
 *       kubepods-burstable-pod<uid, "-" written "_">.slice/cri-containerd-<id>.scope} (also
 *       {@code crio-<id>.scope}, {@code docker-<id>.scope}; Guaranteed pods lack the QoS slice);
 *   <li>cgroupfs driver: {@code /kubepods/burstable/pod<uid>/<id>} ({@code /kubepods/pod<uid>/<id>}
 *       for Guaranteed pods).
 * </ul>
 *
 * A process outside any pod (the host's, a plain container) and CRI-O's {@code conmon} monitor
 * have none.
 *
 * @param podUid the pod's UID as the API server writes it ({@code 1d3c5f0e-...})
 * @param containerId the runtime's container id (64 hex digits), as CRI's {@code Container.id}
 */
public record PodCgroup(String podUid, String containerId) {

  private static final Pattern SYSTEMD =
      Pattern.compile(
          "kubepods(?:-[a-z]+)?-pod([0-9a-fA-F_]+)\\.slice/"
              + "(?:cri-containerd|crio|docker)-([0-9a-fA-F]{12,})\\.scope");
  private static final Pattern CGROUPFS =
      Pattern.compile("/kubepods/(?:[a-z]+/)?pod([0-9a-fA-F-]+)/([0-9a-fA-F]{12,})(?:/|$)");

  public PodCgroup {
    Objects.requireNonNull(podUid, "podUid");
    Objects.requireNonNull(containerId, "containerId");
  }

  /**
   * The pod and container in the text of a {@code /proc/<pid>/cgroup} file; empty for a process
   * that is in no pod's container.
   */
  public static Optional<PodCgroup> parse(String cgroupFile) {
    for (String line : cgroupFile.split("\n")) {
      // hierarchy-ID:controllers:path; the path may itself hold ':' only in odd setups.
      int first = line.indexOf(':');
      int second = first < 0 ? -1 : line.indexOf(':', first + 1);
      if (second < 0) {
        continue;
      }
      String path = line.substring(second + 1).trim();
      Matcher systemd = SYSTEMD.matcher(path);
      if (systemd.find()) {
        return Optional.of(new PodCgroup(systemd.group(1).replace('_', '-'), systemd.group(2)));
      }
      Matcher cgroupfs = CGROUPFS.matcher(path);
      if (cgroupfs.find()) {
        return Optional.of(new PodCgroup(cgroupfs.group(1), cgroupfs.group(2)));
      }
    }
    return Optional.empty();
  }
}
