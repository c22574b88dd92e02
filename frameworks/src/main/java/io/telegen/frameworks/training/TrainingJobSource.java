package io.telegen.frameworks.training;

import io.telegen.frameworks.training.TrainingProcessDiscovery.Result;
import io.telegen.frameworks.training.TrainingProcessDiscovery.RunDirectory;
import io.telegen.frameworks.training.TrainingProcessDiscovery.TrainingProcess;
import io.telegen.frameworks.training.tfevents.RunDirectoryTailer;
import io.telegen.frameworks.training.tfevents.ScalarSink;
import io.telegen.node.DeviceAttributions;
import io.telegen.node.GpuProcessSnapshot;
import io.telegen.node.GpuProcessTable;
import io.telegen.node.GpuProcessTables;
import io.telegen.node.GpuRef;
import io.telegen.node.GpuUtilization;
import io.telegen.node.ProcessAttribution;
import io.telegen.node.ProcessAttributions;
import io.telegen.source.Labels;
import io.telegen.source.MetricBatch;
import io.telegen.source.MetricSource;
import io.telegen.source.PartialCollectionException;
import io.telegen.source.PartialCollectionException.Problem;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.function.LongSupplier;

/**
 * The {@code training_*} metrics of the training jobs on this host, read from the TensorBoard
 * event files they already write and from the GPUs their processes use, with no change to the
 * jobs.
 *
 * <p>Each collection re-discovers processes and run directories when {@code rediscoverEvery} has
 * passed, reads what every run directory's event files gained since the last collection, and
 * writes each run's latest value per metric with the labels {@code job}, {@code framework},
 * {@code rank}, {@code node}, {@code pid} and {@code run_dir}, and the labels the owners
 * attribution gives the rank's pid (its pod). {@code training_step} is the
 * highest {@code Event.step} seen in the run (or a tag that maps to it). A run directory that is
 * no longer found is read one last time and then dropped, so its series end with the job.
 *
 * <p>A run directory that cannot be read costs only its own series: the others are written and
 * the collection then throws {@link PartialCollectionException} with one problem per unreadable
 * directory (keyed by its path), so the agent logs it once, and once when it reads again.
 */
public final class TrainingJobSource implements MetricSource {

  private final TrainingProcessDiscovery discovery;
  private final TrainingTagMapping tagMapping;
  private final String node;
  private final GpuProcessTable gpuProcesses;
  private final long rediscoverNanos;
  private final LongSupplier nanoTime;
  private final long startUnixNanos;
  private final TrainingDeviceAttribution devices;
  private final ProcessAttribution owners;
  private volatile Map<Integer, Labels> jobsByPid = Map.of();

  private final Map<Path, Run> runs = new LinkedHashMap<>();
  private List<TrainingProcess> processes = List.of();
  private volatile Result lastDiscovery;
  private long lastDiscoveryNanos;

  private TrainingJobSource(Builder builder) {
    this.discovery = builder.discovery;
    this.tagMapping = builder.tagMapping;
    this.node = builder.node;
    this.gpuProcesses = builder.gpuProcesses;
    this.rediscoverNanos = builder.rediscoverEvery.toNanos();
    this.nanoTime = builder.nanoTime;
    this.startUnixNanos = builder.startUnixNanos;
    this.devices = new TrainingDeviceAttribution(gpuProcesses, node);
    this.owners = builder.owners;
  }

  public static Builder builder(TrainingProcessDiscovery discovery) {
    return new Builder(discovery);
  }

  @Override
  public String name() {
    return "training";
  }

  /** Discovers now, for the agent's start-up findings; the first collection reuses the result. */
  public synchronized Result discover() {
    Result result = discovery.discover(gpuProcesses);
    lastDiscovery = result;
    lastDiscoveryNanos = nanoTime.getAsLong();
    reconcile(result);
    return result;
  }

  /**
   * The {@code job} and {@code node} of each GPU and MIG device this source's training processes
   * use, for the GPU source's device series; follows every discovery.
   */
  public TrainingDeviceAttribution deviceAttribution() {
    return devices;
  }

  /**
   * The {@code job} and {@code node} of each training process, for the series of what it uses
   * ({@code gpu_process_*}); follows every discovery. A process that is not a rank gets nothing.
   */
  public ProcessAttribution processAttribution() {
    return pid -> jobsByPid.getOrDefault(pid, Labels.empty());
  }

  /** The last discovery's result, or null before the first. */
  public Result lastDiscovery() {
    return lastDiscovery;
  }

  @Override
  public synchronized void collect(MetricBatch batch) throws PartialCollectionException {
    if (lastDiscovery == null || nanoTime.getAsLong() - lastDiscoveryNanos >= rediscoverNanos) {
      discover();
    }
    List<Problem> failures = new ArrayList<>();
    List<Path> finished = new ArrayList<>();
    for (Run run : runs.values()) {
      try {
        run.tailer.poll(run);
      } catch (IOException e) {
        Path directory = run.directory.directory();
        failures.add(
            new Problem(
                directory.toString(),
                "cannot read the TensorBoard run "
                    + "directory "
                    + directory
                    + " ("
                    + e.getMessage()
                    + "); its training_* series are "
                    + "missing, the other runs are read"));
      }
      run.write(batch, startUnixNanos, owners);
      if (run.gone) {
        finished.add(run.directory.directory());
      }
    }
    for (Path directory : finished) {
      runs.remove(directory).tailer.close();
    }
    writeGpuUtilization(batch);
    PartialCollectionException.throwIfAny(failures);
  }

  private void reconcile(Result result) {
    Map<Path, RunDirectory> found = new HashMap<>();
    for (RunDirectory directory : result.runs()) {
      found.put(directory.directory(), directory);
    }
    for (Run run : runs.values()) {
      RunDirectory now = found.remove(run.directory.directory());
      if (now == null) {
        run.gone = true; // read once more, then dropped
      } else if (!Objects.equals(now, run.directory)) {
        run.relabel(now, node);
      }
    }
    for (RunDirectory directory : found.values()) {
      runs.put(directory.directory(), new Run(directory, node, tagMapping));
    }
    processes = result.processes();
    devices.processes(processes);
    Map<Integer, Labels> jobs = new HashMap<>();
    for (TrainingProcess process : processes) {
      jobs.put(process.pid(), Labels.of("job", process.job(), "node", node));
    }
    jobsByPid = Map.copyOf(jobs);
  }

  /**
   * The utilisation of each whole GPU a training process uses, from the GPU process table. A
   * process on a MIG device gets none: MIG devices have no whole-GPU utilisation.
   */
  private void writeGpuUtilization(MetricBatch batch) {
    GpuProcessSnapshot table = gpuProcesses.snapshot();
    for (TrainingProcess process : processes) {
      Labels labels = null;
      for (GpuRef gpu : table.gpusOf(process.pid())) {
        Optional<GpuUtilization> utilization =
            gpu.isMig() ? Optional.empty() : table.utilization(gpu);
        if (utilization.isPresent()) {
          labels = labels == null ? owned(processLabels(process, node), process, owners) : labels;
          batch.gauge(
              "training_gpu_utilization_percent",
              utilization.get().percent(),
              labels.and("device", gpu.gpuLabel()).and("uuid", gpu.uuid()));
        }
      }
    }
  }

  /** {@code labels} with those {@code owners} gives {@code process} (its pod) that it lacks. */
  private static Labels owned(Labels labels, TrainingProcess process, ProcessAttribution owners) {
    return process == null
        ? labels
        : DeviceAttributions.onto(labels, owners.labelsOf(process.pid()));
  }

  private static Labels processLabels(TrainingProcess process, String node) {
    Labels labels =
        Labels.of(
            "job",
            process.job(),
            "framework",
            process.framework(),
            "node",
            node,
            "pid",
            Integer.toString(process.pid()));
    return process.rank() == null ? labels : labels.and("rank", process.rank());
  }

  @Override
  public synchronized void close() {
    for (Run run : runs.values()) {
      run.tailer.close();
    }
    runs.clear();
  }

  /** One run directory: its tailer and the latest value of each metric. */
  private static final class Run implements ScalarSink {
    private final TrainingTagMapping tagMapping;
    private final RunDirectoryTailer tailer;
    private final Map<String, Double> latest = new LinkedHashMap<>();
    private RunDirectory directory;
    private Labels labels;
    private long maxStep = Long.MIN_VALUE;
    private boolean gone;

    Run(RunDirectory directory, String node, TrainingTagMapping tagMapping) {
      this.tagMapping = tagMapping;
      this.tailer = new RunDirectoryTailer(directory.directory());
      relabel(directory, node);
    }

    void relabel(RunDirectory now, String node) {
      directory = now;
      Labels base =
          now.owner() == null
              ? Labels.of("job", now.job(), "framework", "unknown", "node", node)
              : processLabels(now.owner(), node);
      labels = base.and("run_dir", now.directory().toString());
    }

    @Override
    public void scalar(String tag, long step, double wallTimeSeconds, double value) {
      maxStep = Math.max(maxStep, step);
      String metric = tagMapping.metricFor(tag);
      if (metric != null) {
        latest.put(metric, value);
      }
    }

    void write(MetricBatch batch, long startUnixNanos, ProcessAttribution owners) {
      // Asked every time: the runtime names a pod that started a moment ago on a later listing.
      Labels series = owned(labels, directory.owner(), owners);
      if (maxStep != Long.MIN_VALUE && !latest.containsKey("training_step")) {
        batch.gauge("training_step", maxStep, series);
      }
      latest.forEach((metric, value) -> batch.gauge(metric, value, series));
      batch.counter(
          "telegen_agent_tfevents_corrupt_records_total",
          tailer.corruptRecords(),
          startUnixNanos,
          Labels.of("run_dir", directory.directory().toString()));
    }
  }

  /** Options of a {@link TrainingJobSource}. */
  public static final class Builder {
    private final TrainingProcessDiscovery discovery;
    private TrainingTagMapping tagMapping = TrainingTagMapping.defaults();
    private String node = "";
    private GpuProcessTable gpuProcesses = GpuProcessTables.empty();
    private Duration rediscoverEvery = Duration.ofSeconds(30);
    private LongSupplier nanoTime = System::nanoTime;
    private long startUnixNanos;
    private ProcessAttribution owners = ProcessAttributions.none();

    private Builder(TrainingProcessDiscovery discovery) {
      this.discovery = Objects.requireNonNull(discovery, "discovery");
    }

    /** Which tags are which metric; the built-in table by default. */
    public Builder tagMapping(TrainingTagMapping tagMapping) {
      this.tagMapping = Objects.requireNonNull(tagMapping, "tagMapping");
      return this;
    }

    /** The {@code node} label: this host's name. */
    public Builder node(String node) {
      this.node = Objects.requireNonNull(node, "node");
      return this;
    }

    /**
     * The node's GPU process table: which GPUs a process uses (a python process on a GPU counts
     * as training) and their utilisation, {@code training_gpu_utilization_percent}. Default: an
     * empty table, so no GPU is joined.
     */
    public Builder gpuProcesses(GpuProcessTable gpuProcesses) {
      this.gpuProcesses = Objects.requireNonNull(gpuProcesses, "gpuProcesses");
      return this;
    }

    /**
     * Who each training process belongs to: the labels (its pod) its series get, asked at every
     * collection. Default: nobody known.
     */
    public Builder owners(ProcessAttribution owners) {
      this.owners = Objects.requireNonNull(owners, "owners");
      return this;
    }

    /** How often processes and run directories are looked for again; 30 s by default. */
    public Builder rediscoverEvery(Duration rediscoverEvery) {
      this.rediscoverEvery = Objects.requireNonNull(rediscoverEvery, "rediscoverEvery");
      return this;
    }

    /** The start time of the cumulative counters (the agent's start). */
    public Builder startUnixNanos(long startUnixNanos) {
      this.startUnixNanos = startUnixNanos;
      return this;
    }

    Builder nanoTime(LongSupplier nanoTime) {
      this.nanoTime = nanoTime;
      return this;
    }

    public TrainingJobSource build() {
      return new TrainingJobSource(this);
    }
  }
}
