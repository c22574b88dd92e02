package io.telegen.gpu.nccl;

import io.telegen.gpu.nccl.internal.NcclCollective;
import io.telegen.gpu.nccl.internal.NcclCommCounters;
import io.telegen.gpu.nccl.internal.NcclCounterFile;
import io.telegen.node.DeviceAttributions;
import io.telegen.node.GpuProcessTable;
import io.telegen.node.GpuProcessTables;
import io.telegen.node.GpuRef;
import io.telegen.node.ProcessAttribution;
import io.telegen.node.ProcessAttributions;
import io.telegen.source.Labels;
import io.telegen.source.MetricBatch;
import io.telegen.source.MetricSource;
import io.telegen.source.PartialCollectionException;
import io.telegen.source.PartialCollectionException.Problem;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.function.IntFunction;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * NCCL send and receive bytes per rank, communicator and collective, read from the counter
 * files that the Telegen NCCL profiler plugin ({@link NcclProfilerPlugin}) writes in each
 * training process: {@code gpu_nccl_send_bytes_total} and {@code gpu_nccl_recv_bytes_total}.
 *
 * <p>Bytes are message bytes ({@code count × datatype size}) with the roles described in
 * {@code docs/nccl.md}, not wire bytes. A series appears once its counter is above zero.
 *
 * <p>Each collection lists the directory, maps new files read-only, and deletes the files of
 * processes that no longer exist under the proc root, so their series end with them. A file
 * that is truncated or not a counter file is skipped; the others are still written, and the
 * collection then throws {@link PartialCollectionException} with one problem per bad file
 * (keyed by its path), every cycle it stays bad, so the agent logs it once and once when it is
 * fixed or gone. A bad file is opened again only after it changes.
 */
public final class NcclCounterSource implements MetricSource {

  /** Where the plugin writes when {@code TELEGEN_NCCL_DIR} is unset. */
  public static final Path DEFAULT_DIRECTORY = Path.of("/dev/shm/telegen-nccl");

  private static final Pattern FILE_NAME = Pattern.compile("nccl-(\\d{1,10})\\.bin");

  private final Path directory;
  private final Path procRoot;
  private final String nodeName;
  private final IntFunction<String> jobOfPid;
  private final ProcessAttribution owners;
  private final GpuProcessTable gpuProcesses;

  private final Map<Path, Mapped> files = new HashMap<>();

  /** Bad files, with the identity (key, size, modification time) they had when found bad. */
  private final Map<Path, BadFile> bad = new HashMap<>();

  private long errors;

  private NcclCounterSource(Builder builder) {
    this.directory = builder.directory;
    this.procRoot = builder.procRoot;
    this.nodeName = builder.nodeName;
    this.jobOfPid = builder.jobOfPid;
    this.owners = builder.owners;
    this.gpuProcesses = builder.gpuProcesses;
  }

  public static Builder builder() {
    return new Builder();
  }

  @Override
  public String name() {
    return "nccl_plugin";
  }

  /** The directory read and the processes found at the last collection, for start-up logs. */
  public String describe() {
    return "NCCL counters: " + files.size() + " process file(s) in " + directory;
  }

  /** Bad files found since this source was built; a file that changed and is still bad counts
   * again. */
  public long errorCount() {
    return errors;
  }

  @Override
  public void collect(MetricBatch batch) throws IOException, PartialCollectionException {
    List<Problem> problems = new ArrayList<>();
    Set<Path> seen = new HashSet<>();
    if (!Files.isDirectory(directory)) {
      files.clear();
      return; // no job has loaded the plugin yet on this node
    }
    try (DirectoryStream<Path> dir = Files.newDirectoryStream(directory, "nccl-*.bin")) {
      for (Path path : dir) {
        Matcher m = FILE_NAME.matcher(path.getFileName().toString());
        if (!m.matches()) {
          continue;
        }
        int pid = Integer.parseInt(m.group(1));
        if (!Files.exists(procRoot.resolve(Integer.toString(pid)))) {
          reap(path);
          continue;
        }
        seen.add(path);
        Mapped mapped = map(path, pid, problems);
        if (mapped != null) {
          emit(batch, mapped);
        }
      }
    }
    files.keySet().retainAll(seen);
    bad.keySet().retainAll(seen);
    PartialCollectionException.throwIfAny(problems);
  }

  /** The process is gone: its counters will never move again, so its file and series go. */
  private void reap(Path path) throws IOException {
    files.remove(path);
    bad.remove(path);
    try {
      Files.deleteIfExists(path);
    } catch (IOException e) {
      throw new IOException(
          path
              + ": cannot remove the counter file of an exited process ("
              + e
              + "); give the agent write access to "
              + directory,
          e);
    }
  }

  /** The mapping of {@code path}, reopened when the file was replaced (pid reuse). */
  private Mapped map(Path path, int pid, List<Problem> problems) throws IOException {
    BasicFileAttributes attrs;
    try {
      attrs = Files.readAttributes(path, BasicFileAttributes.class);
    } catch (NoSuchFileException e) {
      return null; // the process exited and someone removed it between listing and now
    }
    String identity = attrs.fileKey() + "/" + attrs.size() + "/" + attrs.lastModifiedTime();
    Mapped mapped = files.get(path);
    if (mapped != null
        && Objects.equals(mapped.fileKey, attrs.fileKey())
        && mapped.size == attrs.size()) {
      return mapped;
    }
    BadFile known = bad.get(path);
    if (known != null && known.identity.equals(identity)) {
      problems.add(known.problem);
      return null;
    }
    files.remove(path);
    try {
      NcclCounterFile file = NcclCounterFile.open(path, pid);
      long start =
          file.createdUnixNanos() > 0
              ? file.createdUnixNanos()
              : System.currentTimeMillis() * 1_000_000L;
      // The job is looked up once per process, not on every collection.
      String job = file.job().isEmpty() ? jobOfPid.apply(pid) : file.job();
      mapped = new Mapped(file, attrs.fileKey(), attrs.size(), start, job);
      files.put(path, mapped);
      bad.remove(path);
      return mapped;
    } catch (NoSuchFileException e) {
      return null;
    } catch (IOException e) {
      Problem problem = new Problem(path.toString(), e.getMessage());
      bad.put(path, new BadFile(identity, problem));
      errors++;
      problems.add(problem);
      return null;
    }
  }

  private void emit(MetricBatch batch, Mapped mapped) {
    NcclCounterFile file = mapped.file;
    int pid = file.pid();
    String job = mapped.job;
    Labels common = Labels.of("pid", Integer.toString(pid));
    if (job != null && !job.isEmpty()) {
      common = common.and("job", job);
    }
    if (nodeName != null) {
      common = common.and("node", nodeName);
    }
    // Asked every time: the runtime names a pod that started a moment ago on a later listing.
    common = DeviceAttributions.onto(common, owners.labelsOf(pid));
    for (NcclCommCounters comm : file.comms()) {
      String device =
          comm.cudaDev() >= 0
              ? Integer.toString(comm.cudaDev())
              : GpuRef.gpuLabel(gpuProcesses.gpusOf(pid));
      Labels labels =
          Labels.of(
                  "device",
                  device.isEmpty() ? "unknown" : device,
                  "rank",
                  Integer.toString(comm.rank()),
                  "comm",
                  comm.commLabel())
              .and(common);
      for (int k = 0; k < NcclCollective.COUNT; k++) {
        Labels series = labels.and("collective", NcclCollective.NAMES.get(k));
        if (comm.sendBytes()[k] > 0) {
          batch.counter(
              "gpu_nccl_send_bytes_total", comm.sendBytes()[k], mapped.startUnixNanos, series);
        }
        if (comm.recvBytes()[k] > 0) {
          batch.counter(
              "gpu_nccl_recv_bytes_total", comm.recvBytes()[k], mapped.startUnixNanos, series);
        }
      }
    }
  }

  @Override
  public void close() {
    files.clear(); // the mappings go with the buffers once unreachable
  }

  /** A mapped file and what is fixed for its process's life: its start and its job. */
  private record Mapped(
      NcclCounterFile file, Object fileKey, long size, long startUnixNanos, String job) {}

  /** A file that could not be read as it is now. */
  private record BadFile(String identity, Problem problem) {}

  /** Settings of an {@link NcclCounterSource}; every setting has a default. */
  public static final class Builder {

    private Path directory = DEFAULT_DIRECTORY;
    private Path procRoot = Path.of("/proc");
    private String nodeName;
    private IntFunction<String> jobOfPid = pid -> null;
    private ProcessAttribution owners = ProcessAttributions.none();
    private GpuProcessTable gpuProcesses = GpuProcessTables.empty();

    private Builder() {}

    /**
     * The directory the plugin writes to: the training job's {@code TELEGEN_NCCL_DIR}, as this
     * agent sees it. Default {@code /dev/shm/telegen-nccl}.
     */
    public Builder directory(Path directory) {
      this.directory = Objects.requireNonNull(directory, "directory");
      return this;
    }

    /**
     * The host's proc file system, to tell live processes from exited ones: a file whose
     * {@code <procRoot>/<pid>} is absent is deleted. Default {@code /proc}; the agent must see
     * the host's pid namespace.
     */
    public Builder procRoot(Path procRoot) {
      this.procRoot = Objects.requireNonNull(procRoot, "procRoot");
      return this;
    }

    /** The {@code node} label; none by default. */
    public Builder nodeName(String nodeName) {
      this.nodeName = nodeName;
      return this;
    }

    /**
     * The {@code job} label of a pid when the job did not set {@code TELEGEN_JOB} (which wins);
     * may return null for no label. Default: no label.
     */
    public Builder jobOfPid(IntFunction<String> jobOfPid) {
      this.jobOfPid = Objects.requireNonNull(jobOfPid, "jobOfPid");
      return this;
    }

    /**
     * Who each rank belongs to: the labels (its pod) its series get beside {@code job} and {@code
     * node}, asked at every collection. Default: nobody known.
     */
    public Builder owners(ProcessAttribution owners) {
      this.owners = Objects.requireNonNull(owners, "owners");
      return this;
    }

    /**
     * Where the {@code device} label of a pid comes from when the plugin could not resolve
     * {@code cudaGetDevice}: the indices of the GPUs the node's GPU process table has for it
     * ({@code "0"}, {@code "0,1"}), {@code device="unknown"} when it has none. Default: an
     * empty table.
     */
    public Builder gpuProcesses(GpuProcessTable gpuProcesses) {
      this.gpuProcesses = Objects.requireNonNull(gpuProcesses, "gpuProcesses");
      return this;
    }

    public NcclCounterSource build() {
      return new NcclCounterSource(this);
    }
  }
}
