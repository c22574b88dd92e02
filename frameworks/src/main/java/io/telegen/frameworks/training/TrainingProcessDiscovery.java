package io.telegen.frameworks.training;

import io.telegen.frameworks.scrape.ServingProcessDiscovery;
import io.telegen.node.GpuProcessSnapshot;
import io.telegen.node.GpuProcessTable;
import io.telegen.node.GpuRef;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Finds PyTorch, TensorFlow and JAX training processes on this host, and the TensorBoard run
 * directories they write, from {@code /proc} and the configured log directories alone.
 *
 * <p>A process is a training process of a framework when the framework is found by its loaded
 * libraries ({@code /proc/<pid>/maps}) or its launcher's environment ({@code RANK} and
 * {@code WORLD_SIZE} from torchrun, {@code TF_CONFIG}, {@code JAX_COORDINATOR_ADDRESS}) and it
 * also shows that it trains: a launcher environment, an event file it holds open, or a GPU it
 * uses while not being a model server. The torchrun launcher itself (no {@code RANK}) is left
 * out; its workers are the ranks.
 *
 * <p>Run directories are the directories of the {@code events.out.tfevents.*} files a process
 * holds open, plus every directory under {@code log_dirs} that holds event files, matched to a
 * process by the pid that PyTorch's and TensorFlow's writers put in the file name. A directory
 * no process owns is reported only while it is being written (a file changed within
 * {@link #ACTIVE_WINDOW}), so that a log directory with a year of finished runs does not become a
 * year of series.
 *
 * <p>A pure function of the directory trees, so tests run it on a fake {@code /proc}. Never
 * throws: what cannot be read becomes a note or is skipped (other users' processes without
 * privileges).
 */
public final class TrainingProcessDiscovery {

  /** How recently an unowned run directory must have been written to be reported. */
  public static final Duration ACTIVE_WINDOW = Duration.ofMinutes(15);

  /** How deep below a log directory run directories are looked for. */
  static final int MAX_DEPTH = 8;

  /** The file name every TensorBoard event writer uses. */
  static final String EVENT_FILE_MARKER = "tfevents";

  /**
   * A training process.
   *
   * @param pid the process id (host namespace)
   * @param framework one of {@link TrainingFrameworks#NAMES}
   * @param rank the global rank from the launcher's environment, or null
   * @param job the job name: {@code TELEGEN_JOB}, {@code TORCHELASTIC_RUN_ID} (unless
   *     {@code none}), {@code SLURM_JOB_NAME} or {@code JOB_NAME}, else the script's name
   * @param evidence why it was taken for a training process, for the agent's findings
   */
  public record TrainingProcess(
      int pid, String framework, String rank, String job, String evidence) {}

  /**
   * A TensorBoard run directory and the process writing it.
   *
   * @param directory the directory holding the event files
   * @param owner the process writing it, or null for one found only under {@code log_dirs}
   * @param job the owner's job, else the first directory below the log directory that holds it
   */
  public record RunDirectory(Path directory, TrainingProcess owner, String job) {}

  /**
   * What one discovery found.
   *
   * @param processes the training processes, by pid
   * @param runs the run directories, by path
   * @param notes what could not be read, one line each
   */
  public record Result(
      List<TrainingProcess> processes, List<RunDirectory> runs, List<String> notes) {

    public Result {
      processes = List.copyOf(processes);
      runs = List.copyOf(runs);
      notes = List.copyOf(notes);
    }
  }

  private static final List<String> PYTORCH_LIBRARIES =
      List.of("libtorch_cuda.so", "libtorch_cpu.so", "libc10_cuda.so", "libc10.so");
  private static final List<String> TENSORFLOW_LIBRARIES =
      List.of("libtensorflow_framework.so", "_pywrap_tensorflow_internal.so");
  private static final List<String> JAX_LIBRARIES =
      List.of("jaxlib/_jax", "jaxlib/xla_extension", "xla_cuda_plugin.so");
  private static final List<String> RANK_VARIABLES =
      List.of("RANK", "JAX_PROCESS_ID", "SLURM_PROCID", "OMPI_COMM_WORLD_RANK", "PMI_RANK");
  private static final List<String> JOB_VARIABLES =
      List.of("TELEGEN_JOB", "TORCHELASTIC_RUN_ID", "SLURM_JOB_NAME", "JOB_NAME");
  private static final Pattern TF_TASK_INDEX = Pattern.compile("\"index\"\\s*:\\s*(\\d+)");
  private static final Pattern TF_TASK = Pattern.compile("\"task\"\\s*:\\s*\\{([^}]*)}");

  private final Path procRoot;
  private final Set<String> frameworks;
  private final List<Path> logDirs;

  /**
   * @param procRoot where {@code /proc} is mounted ({@code /host/proc} in a container)
   * @param frameworks the frameworks to look for, as {@code agent.aiml.training.detect_frameworks}
   * @param logDirs directories searched recursively for run directories
   */
  public TrainingProcessDiscovery(Path procRoot, Set<String> frameworks, List<Path> logDirs) {
    this.procRoot = procRoot;
    this.frameworks = Set.copyOf(frameworks);
    this.logDirs = List.copyOf(logDirs);
  }

  /**
   * Looks once.
   *
   * @param gpuProcesses the node's GPU process table: a python process on a GPU (and not a
   *     known server) counts as training
   */
  public Result discover(GpuProcessTable gpuProcesses) {
    GpuProcessSnapshot gpus = gpuProcesses.snapshot();
    List<String> notes = new ArrayList<>();
    Map<Integer, TrainingProcess> processes = new TreeMap<>();
    Map<Path, RunDirectory> runs = new TreeMap<>();
    for (int pid : pids()) {
      Path dir = procRoot.resolve(Integer.toString(pid));
      TrainingProcess process = examine(pid, dir, gpus, runs);
      if (process != null) {
        processes.put(pid, process);
      }
    }
    for (Path logDir : logDirs) {
      searchLogDir(logDir, processes, runs, notes);
    }
    return new Result(new ArrayList<>(processes.values()), new ArrayList<>(runs.values()), notes);
  }

  private TrainingProcess examine(
      int pid, Path dir, GpuProcessSnapshot gpuProcesses, Map<Path, RunDirectory> runs) {
    List<String> argv;
    try {
      argv = ServingProcessDiscovery.splitCmdline(Files.readAllBytes(dir.resolve("cmdline")));
    } catch (IOException | RuntimeException e) {
      return null; // exited, or not ours to read
    }
    if (argv.isEmpty()) {
      return null; // a kernel thread
    }
    Map<String, String> env = environment(dir);
    boolean python = argv.get(0).contains("python") || argv.get(0).endsWith("torchrun");
    String byEnv = frameworkOfEnvironment(env);
    if (!python && byEnv == null) {
      return null; // reading maps is the costly step; only interpreters and launched ranks
    }
    if (isTorchLauncher(argv) && !env.containsKey("RANK")) {
      return null;
    }
    String byLibraries = frameworkOfLibraries(dir);
    if (!python && byLibraries == null) {
      return null; // a shell or wrapper that inherited a launcher's environment
    }
    String framework = byEnv != null ? byEnv : byLibraries;
    if (framework == null || !frameworks.contains(framework)) {
      return null;
    }
    List<Path> eventFiles = openEventFiles(dir);
    List<GpuRef> gpus = gpuProcesses.gpusOf(pid);
    String evidence;
    if (byEnv != null) {
      evidence = launcherEvidence(env);
    } else if (!eventFiles.isEmpty()) {
      evidence = "holds " + eventFiles.get(0).getFileName() + " open";
    } else if (!gpus.isEmpty() && ServingProcessDiscovery.recognise(argv) == null) {
      evidence = "uses GPU " + GpuRef.gpuLabel(gpus);
    } else {
      return null;
    }
    if (byLibraries != null) {
      evidence += ", loads " + byLibraries;
    }
    TrainingProcess process =
        new TrainingProcess(pid, framework, rank(env), job(env, argv), evidence);
    for (Path file : eventFiles) {
      if (!isEvaluation(file.getParent())) {
        runs.put(file.getParent(), new RunDirectory(file.getParent(), process, process.job()));
      }
    }
    return process;
  }

  private List<Integer> pids() {
    List<Integer> pids = new ArrayList<>();
    try (DirectoryStream<Path> dirs = Files.newDirectoryStream(procRoot)) {
      for (Path dir : dirs) {
        String name = dir.getFileName().toString();
        if (!name.isEmpty() && name.length() < 10 && name.chars().allMatch(Character::isDigit)) {
          pids.add(Integer.parseInt(name));
        }
      }
    } catch (IOException | RuntimeException e) {
      return pids;
    }
    pids.sort(null);
    return pids;
  }

  /** {@code /proc/<pid>/environ}: NUL-separated {@code KEY=value}; empty when unreadable. */
  static Map<String, String> environment(Path dir) {
    byte[] bytes;
    try {
      bytes = Files.readAllBytes(dir.resolve("environ"));
    } catch (IOException | RuntimeException e) {
      return Map.of();
    }
    Map<String, String> env = new HashMap<>();
    int start = 0;
    for (int i = 0; i <= bytes.length; i++) {
      if (i == bytes.length || bytes[i] == 0) {
        if (i > start) {
          String entry = new String(bytes, start, i - start, StandardCharsets.UTF_8);
          int eq = entry.indexOf('=');
          if (eq > 0) {
            env.putIfAbsent(entry.substring(0, eq), entry.substring(eq + 1));
          }
        }
        start = i + 1;
      }
    }
    return env;
  }

  static String frameworkOfEnvironment(Map<String, String> env) {
    if (env.containsKey("TF_CONFIG")) {
      return TrainingFrameworks.TENSORFLOW;
    }
    if (env.containsKey("JAX_COORDINATOR_ADDRESS")) {
      return TrainingFrameworks.JAX;
    }
    if ((env.containsKey("RANK") && env.containsKey("WORLD_SIZE"))
        || env.containsKey("TORCHELASTIC_RUN_ID")) {
      return TrainingFrameworks.PYTORCH;
    }
    return null;
  }

  private static String launcherEvidence(Map<String, String> env) {
    if (env.containsKey("TF_CONFIG")) {
      return "TF_CONFIG set";
    }
    if (env.containsKey("JAX_COORDINATOR_ADDRESS")) {
      return "JAX_COORDINATOR_ADDRESS=" + env.get("JAX_COORDINATOR_ADDRESS");
    }
    return "RANK="
        + env.getOrDefault("RANK", "?")
        + " WORLD_SIZE="
        + env.getOrDefault("WORLD_SIZE", "?");
  }

  /** The framework whose libraries the process has mapped, or null. */
  private static String frameworkOfLibraries(Path dir) {
    String maps;
    try {
      maps = Files.readString(dir.resolve("maps"), StandardCharsets.ISO_8859_1);
    } catch (IOException | RuntimeException e) {
      return null;
    }
    if (containsAny(maps, PYTORCH_LIBRARIES)) {
      return TrainingFrameworks.PYTORCH;
    }
    if (containsAny(maps, TENSORFLOW_LIBRARIES)) {
      return TrainingFrameworks.TENSORFLOW;
    }
    if (containsAny(maps, JAX_LIBRARIES)) {
      return TrainingFrameworks.JAX;
    }
    return null;
  }

  private static boolean containsAny(String text, List<String> needles) {
    for (String needle : needles) {
      if (text.contains(needle)) {
        return true;
      }
    }
    return false;
  }

  private static boolean isTorchLauncher(List<String> argv) {
    for (String arg : argv) {
      if (arg.endsWith("torchrun")
          || arg.equals("torch.distributed.run")
          || arg.equals("torch.distributed.launch")) {
        return true;
      }
    }
    return false;
  }

  /** Event files among the process's open descriptors. */
  private static List<Path> openEventFiles(Path dir) {
    List<Path> files = new ArrayList<>();
    try (DirectoryStream<Path> fds = Files.newDirectoryStream(dir.resolve("fd"))) {
      for (Path fd : fds) {
        Path target = linkTarget(fd);
        if (target != null && target.isAbsolute() && isEventFile(target)) {
          files.add(target);
        }
      }
    } catch (IOException | RuntimeException e) {
      return files; // not ours to read
    }
    files.sort(null);
    return files;
  }

  /**
   * Keras writes evaluation scalars under {@code validation/} with the same tags as training
   * ({@code epoch_loss}); such a directory is not the training run.
   */
  static boolean isEvaluation(Path directory) {
    Path name = directory.getFileName();
    if (name == null) {
      return false;
    }
    String base = name.toString().toLowerCase(java.util.Locale.ROOT);
    return base.equals("validation")
        || base.equals("eval")
        || base.equals("val")
        || base.equals("test")
        || base.equals("evaluation");
  }

  /** Where a descriptor link points, or null for one the process closed since the listing. */
  private static Path linkTarget(Path fd) {
    try {
      return Files.readSymbolicLink(fd);
    } catch (IOException e) {
      return null;
    }
  }

  static boolean isEventFile(Path file) {
    Path name = file.getFileName();
    return name != null && name.toString().contains(".out." + EVENT_FILE_MARKER + ".");
  }

  /**
   * The job of any process, as {@link TrainingProcess#job} derives it: the NCCL counters' job
   * label. Null when the process cannot be read.
   */
  public static String jobOf(Path procRoot, int pid) {
    Path dir = procRoot.resolve(Integer.toString(pid));
    try {
      List<String> argv =
          ServingProcessDiscovery.splitCmdline(Files.readAllBytes(dir.resolve("cmdline")));
      return argv.isEmpty() ? null : job(environment(dir), argv);
    } catch (IOException | RuntimeException e) {
      return null;
    }
  }

  static String rank(Map<String, String> env) {
    for (String variable : RANK_VARIABLES) {
      String value = env.get(variable);
      if (value != null && !value.isBlank()) {
        return value.trim();
      }
    }
    String tfConfig = env.get("TF_CONFIG");
    if (tfConfig != null) {
      Matcher task = TF_TASK.matcher(tfConfig);
      if (task.find()) {
        Matcher index = TF_TASK_INDEX.matcher(task.group(1));
        if (index.find()) {
          return index.group(1);
        }
      }
    }
    return null;
  }

  static String job(Map<String, String> env, List<String> argv) {
    for (String variable : JOB_VARIABLES) {
      String value = env.get(variable);
      if (value != null && !value.isBlank() && !value.equals("none")) {
        return value.trim();
      }
    }
    for (int i = 1; i < argv.size(); i++) {
      String arg = argv.get(i);
      if (arg.equals("-m") && i + 1 < argv.size()) {
        return argv.get(i + 1);
      }
      if (arg.endsWith(".py")) {
        String base = arg.substring(arg.lastIndexOf('/') + 1);
        return base.substring(0, base.length() - 3);
      }
    }
    String base = argv.get(0);
    return base.substring(base.lastIndexOf('/') + 1);
  }

  /**
   * The pid PyTorch's and TensorFlow's writers put in an event file's name
   * ({@code events.out.tfevents.<secs>.<host>.<pid>.<uid>[.v2]}), or -1. tensorboardX puts none.
   */
  static int pidInFileName(String name) {
    String rest = name.endsWith(".v2") ? name.substring(0, name.length() - 3) : name;
    int last = rest.lastIndexOf('.');
    int previous = last < 0 ? -1 : rest.lastIndexOf('.', last - 1);
    if (previous < 0) {
      return -1;
    }
    String pid = rest.substring(previous + 1, last);
    if (pid.isEmpty() || pid.length() > 9 || !pid.chars().allMatch(Character::isDigit)) {
      return -1;
    }
    return Integer.parseInt(pid);
  }

  private void searchLogDir(
      Path logDir,
      Map<Integer, TrainingProcess> processes,
      Map<Path, RunDirectory> runs,
      List<String> notes) {
    if (!Files.isDirectory(logDir)) {
      notes.add(
          "agent.aiml.training.log_dirs: "
              + logDir
              + " is not a directory (yet); "
              + "looking again later");
      return;
    }
    Map<Path, Long> newest = new LinkedHashMap<>();
    Map<Path, TrainingProcess> owners = new HashMap<>();
    try {
      Files.walkFileTree(
          logDir,
          EnumSet.noneOf(java.nio.file.FileVisitOption.class),
          MAX_DEPTH,
          new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attributes) {
              if (attributes.isRegularFile() && isEventFile(file)) {
                Path parent = file.getParent();
                newest.merge(parent, attributes.lastModifiedTime().toMillis(), Math::max);
                TrainingProcess owner = processes.get(pidInFileName(file.getFileName().toString()));
                if (owner != null) {
                  owners.put(parent, owner);
                }
              }
              return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFileFailed(Path file, IOException e) {
              return FileVisitResult.CONTINUE; // unreadable corners do not hide the rest
            }
          });
    } catch (IOException e) {
      notes.add("agent.aiml.training.log_dirs: cannot search " + logDir + ": " + e.getMessage());
    }
    long activeSince = System.currentTimeMillis() - ACTIVE_WINDOW.toMillis();
    Set<Path> ordered = new TreeSet<>(newest.keySet());
    for (Path run : ordered) {
      if (runs.containsKey(run) || isEvaluation(run)) {
        continue; // already found through the writer's open file, or not training
      }
      TrainingProcess owner = owners.get(run);
      if (owner != null) {
        runs.put(run, new RunDirectory(run, owner, owner.job()));
      } else if (newest.get(run) >= activeSince) {
        Path relative = logDir.relativize(run);
        String job =
            relative.getNameCount() == 0 || relative.toString().isEmpty()
                ? String.valueOf(logDir.getFileName())
                : relative.getName(0).toString();
        runs.put(run, new RunDirectory(run, null, job));
      }
    }
  }
}
