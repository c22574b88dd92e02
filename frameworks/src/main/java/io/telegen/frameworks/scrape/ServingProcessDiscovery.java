package io.telegen.frameworks.scrape;

import io.telegen.frameworks.serving.CommandLine;
import io.telegen.frameworks.serving.ServingFramework;
import io.telegen.frameworks.serving.ServingFrameworks;
import java.io.IOException;
import java.net.InetAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * Finds LLM serving processes on this host and where they serve metrics, from {@code /proc} alone.
 *
 * <p>The steps: every {@code <procRoot>/<pid>/cmdline} is matched against each framework's command
 * line ({@link ServingFrameworks#recognise}); for the matches only, {@code <procRoot>/<pid>/fd/*}
 * links of the form {@code socket:[inode]} are resolved against the listening sockets (state
 * {@code 0A}) of {@code <procRoot>/net/tcp} and {@code tcp6}; the framework's metrics port (from
 * its command-line flag or default) picks the listener. A listener on {@code 0.0.0.0} or
 * {@code ::} is scraped via {@code 127.0.0.1}.
 *
 * <p>A pure function of the directory tree, so tests run it on a fake {@code /proc}. Never throws:
 * what cannot be read becomes a note.
 */
public final class ServingProcessDiscovery {

  /**
   * A serving process and its metrics endpoint.
   *
   * @param framework the {@code agent.aiml.frameworks} key, e.g. {@code vllm}
   * @param pid the process holding the listening socket
   * @param pids the server's processes: the top process of its framework, {@code pid} and all
   *     their descendants (engine cores, shards), the ones that hold GPU contexts
   * @param host the address to scrape, {@code 127.0.0.1} for a wildcard listener
   * @param port the metrics port
   * @param path the metrics path
   * @param model the model named on the command line, or null
   * @param modelConfig the model's {@code config.json} when the model is a local directory, else
   *     null
   * @param kvCacheDtype {@code --kv-cache-dtype}, {@code auto} when not given
   * @param tensorParallel {@code --tensor-parallel-size} (or {@code --tp}), 1 when not given
   */
  public record Server(
      String framework,
      int pid,
      List<Integer> pids,
      String host,
      int port,
      String path,
      String model,
      Path modelConfig,
      String kvCacheDtype,
      int tensorParallel) {

    public Server {
      pids = List.copyOf(pids);
    }

    /** {@code host:port}, the {@code instance} label. */
    public String instance() {
      return host + ":" + port;
    }

    public URI uri() {
      return URI.create("http://" + instance() + path);
    }
  }

  /**
   * What one discovery found.
   *
   * @param servers the endpoints to scrape, ordered by framework and port
   * @param notes serving processes found but not scraped, and what could not be read, one line each
   */
  public record Result(List<Server> servers, List<String> notes) {
    public Result {
      servers = List.copyOf(servers);
      notes = List.copyOf(notes);
    }
  }

  record Listener(long inode, String host, int port) {}

  private record Proc(int pid, int ppid, List<String> argv) {}

  private final Path procRoot;
  private final Set<String> frameworks;

  /**
   * @param procRoot the host's {@code /proc}
   * @param frameworks the frameworks to look for; empty means all of
   *     {@link ServingFrameworks#scrapedNames()}
   */
  public ServingProcessDiscovery(Path procRoot, Set<String> frameworks) {
    this.procRoot = procRoot;
    this.frameworks =
        frameworks == null || frameworks.isEmpty()
            ? ServingFrameworks.scrapedNames()
            : Set.copyOf(frameworks);
  }

  /** Reads {@code procRoot} once. */
  public Result discover() {
    List<String> notes = new ArrayList<>();
    Map<Integer, Proc> procs = readProcesses();
    if (procs.isEmpty()) {
      notes.add("no process readable under " + procRoot + "; is agent.proc_root the host's /proc?");
      return new Result(List.of(), notes);
    }
    Map<Integer, String> matched = new LinkedHashMap<>();
    for (Proc proc : procs.values()) {
      String framework = recognise(proc.argv());
      if (framework != null && frameworks.contains(framework)) {
        matched.put(proc.pid(), framework);
      }
    }
    if (matched.isEmpty()) {
      return new Result(List.of(), notes);
    }
    Map<Long, Listener> listeners = readListeners(notes);
    Map<Integer, List<Integer>> children = new HashMap<>();
    for (Proc proc : procs.values()) {
      children.computeIfAbsent(proc.ppid(), k -> new ArrayList<>()).add(proc.pid());
    }

    Map<String, Server> byEndpoint = new LinkedHashMap<>();
    List<Server> guessed = new ArrayList<>();
    for (Map.Entry<Integer, String> entry : matched.entrySet()) {
      int pid = entry.getKey();
      String framework = entry.getValue();
      Proc proc = procs.get(pid);
      // A forked worker of a matched parent shares its sockets and command line: the parent
      // speaks for it.
      if (ancestorMatches(proc, framework, procs, matched)) {
        continue;
      }
      boolean[] seenSockets = {true};
      Server server = endpoint(proc, framework, procs, children, listeners, notes, seenSockets);
      if (server != null && seenSockets[0]) {
        byEndpoint.putIfAbsent(server.instance() + server.path(), server);
      } else if (server != null) {
        guessed.add(server);
      }
    }
    // A server found only by its port yields to one whose sockets were seen.
    for (Server server : guessed) {
      byEndpoint.putIfAbsent(server.instance() + server.path(), server);
    }
    List<Server> servers = new ArrayList<>(byEndpoint.values());
    servers.sort(
        Comparator.comparing(Server::framework)
            .thenComparing(Server::port)
            .thenComparing(Server::host));
    return new Result(servers, notes);
  }

  private static boolean ancestorMatches(
      Proc proc, String framework, Map<Integer, Proc> procs, Map<Integer, String> matched) {
    Set<Integer> seen = new HashSet<>();
    for (Proc p = procs.get(proc.ppid()); p != null && seen.add(p.pid()); p = procs.get(p.ppid())) {
      if (framework.equals(matched.get(p.pid())) && p.argv().equals(proc.argv())) {
        return true;
      }
    }
    return false;
  }

  /**
   * The serving framework a command line runs ({@code vllm}, {@code tgi}, ...), or null. Training
   * discovery uses it to leave servers that load PyTorch alone.
   */
  public static String recognise(List<String> argv) {
    ServingFramework framework = ServingFrameworks.recognise(argv);
    return framework == null ? null : framework.name();
  }

  private Server endpoint(
      Proc proc,
      String framework,
      Map<Integer, Proc> procs,
      Map<Integer, List<Integer>> children,
      Map<Long, Listener> listeners,
      List<String> notes,
      boolean[] seenSockets) {
    int pid = proc.pid();
    ServingFramework profile = ServingFrameworks.get(framework);
    CommandLine command = new CommandLine(proc.argv());
    String off = profile.metricsOff(command);
    if (off != null) {
      notes.add(framework + " (pid " + pid + ") " + off);
      return null;
    }
    String portFlag = profile.metricsPort(command);
    String path = profile.metricsPath(command, file -> readFileOf(pid, file));
    int wanted = profile.endpoint().defaultPort();
    if (portFlag != null) {
      try {
        wanted = Integer.parseInt(portFlag.trim());
      } catch (NumberFormatException e) {
        notes.add(
            framework
                + " (pid "
                + pid
                + ") has a port flag \""
                + portFlag
                + "\" that is not a number");
        return null;
      }
    }

    List<Listener> own = new ArrayList<>();
    boolean fdReadable = socketsOf(pid, listeners, own);
    seenSockets[0] = fdReadable;
    Listener chosen = null;
    for (Listener l : own) {
      if (l.port() == wanted && (chosen == null || isWildcardOrLoopback(l.host()))) {
        chosen = l;
      }
    }
    if (chosen == null && !fdReadable) {
      // Another user's process: its sockets cannot be seen, but the port may be listening.
      for (Listener l : listeners.values()) {
        if (l.port() == wanted) {
          chosen = l;
          break;
        }
      }
      if (chosen == null) {
        notes.add(
            framework
                + " (pid "
                + pid
                + "): cannot read "
                + procRoot.resolve(pid + "/fd")
                + " (run the agent as the same user or with CAP_SYS_PTRACE) and port "
                + wanted
                + " is not listening");
        return null;
      }
    }
    if (chosen == null) {
      Set<Integer> ports = new TreeSet<>();
      own.forEach(l -> ports.add(l.port()));
      if (ports.size() == 1 && profile.metricsOnApiPort() && portFlag == null) {
        // One listener and no flag saying otherwise: the API port was set another way
        // (an environment variable, e.g. PORT=80 in TGI's image).
        chosen = own.get(0);
      } else {
        if (!ports.isEmpty()) {
          notes.add(
              framework
                  + " (pid "
                  + pid
                  + ") listens on "
                  + ports
                  + " but not on its "
                  + "metrics port "
                  + wanted
                  + "; set agent.aiml.frameworks."
                  + framework
                  + ".metrics_endpoint");
        }
        return null;
      }
    }
    int root = rootOf(proc, framework, procs);
    List<Integer> tree = new ArrayList<>();
    descendants(root, children, tree, new HashSet<>());
    if (!tree.contains(pid)) {
      tree.add(pid);
    }
    String model = model(profile, root == pid ? List.of(proc) : List.of(procs.get(root), proc));
    Path modelConfig = modelConfig(pid, profile.modelDirectory(command));
    String kvCacheDtype = orDefault(profile.kvCacheDtype(command), "auto");
    int tp = 1;
    String tpFlag = profile.tensorParallel(command);
    if (tpFlag != null) {
      try {
        tp = Math.max(1, Integer.parseInt(tpFlag.trim()));
      } catch (NumberFormatException ignored) {
        // Keep 1.
      }
    }
    return new Server(
        framework,
        pid,
        tree,
        scrapeHost(chosen.host()),
        chosen.port(),
        path,
        model,
        modelConfig,
        kvCacheDtype,
        tp);
  }

  /** The topmost ancestor that runs the same framework (a TGI launcher above its router). */
  private static int rootOf(Proc proc, String framework, Map<Integer, Proc> procs) {
    int root = proc.pid();
    Set<Integer> seen = new HashSet<>();
    for (Proc p = procs.get(proc.ppid()); p != null && seen.add(p.pid()); p = procs.get(p.ppid())) {
      if (framework.equals(recognise(p.argv()))) {
        root = p.pid();
      }
    }
    return root;
  }

  private static void descendants(
      int pid, Map<Integer, List<Integer>> children, List<Integer> out, Set<Integer> seen) {
    if (!seen.add(pid)) {
      return;
    }
    out.add(pid);
    for (int child : children.getOrDefault(pid, List.of())) {
      descendants(child, children, out, seen);
    }
  }

  /** The model named on the first of {@code procs}' command lines that names one. */
  private static String model(ServingFramework profile, List<Proc> procs) {
    for (Proc proc : procs) {
      String model = profile.model(new CommandLine(proc.argv()));
      if (model != null) {
        return model;
      }
    }
    return null;
  }

  /** The model's config.json, when the model argument is a readable local directory. */
  private Path modelConfig(int pid, String model) {
    if (model == null) {
      return null;
    }
    List<Path> candidates = new ArrayList<>();
    if (model.startsWith("/")) {
      // Seen through the process's own root, which is right inside containers too.
      candidates.add(procRoot.resolve(pid + "/root" + model));
      candidates.add(Path.of(model));
    } else {
      candidates.add(procRoot.resolve(pid + "/cwd").resolve(model));
    }
    for (Path dir : candidates) {
      try {
        Path config = dir.resolve("config.json");
        if (Files.isRegularFile(config) && Files.isReadable(config)) {
          return config;
        }
      } catch (RuntimeException ignored) {
        // Not a path: a hub model id.
      }
    }
    return null;
  }

  /**
   * A small text file named on {@code pid}'s command line, read as the process sees it (through
   * its root, which is right inside containers too, or its working directory), or null.
   */
  private String readFileOf(int pid, String file) {
    if (file == null) {
      return null;
    }
    Path[] candidates =
        file.startsWith("/")
            ? new Path[] {procRoot.resolve(pid + "/root" + file), Path.of(file)}
            : new Path[] {procRoot.resolve(pid + "/cwd").resolve(file)};
    for (Path candidate : candidates) {
      try {
        if (Files.size(candidate) > 64 * 1024) {
          continue;
        }
        return Files.readString(candidate);
      } catch (IOException | RuntimeException ignored) {
        // Try the next candidate.
      }
    }
    return null;
  }

  /** Adds {@code pid}'s listening sockets to {@code out}; false when its fds cannot be read. */
  private boolean socketsOf(int pid, Map<Long, Listener> listeners, List<Listener> out) {
    Path fdDir = procRoot.resolve(Integer.toString(pid)).resolve("fd");
    try (DirectoryStream<Path> fds = Files.newDirectoryStream(fdDir)) {
      for (Path fd : fds) {
        String target;
        try {
          target = Files.readSymbolicLink(fd).toString();
        } catch (IOException e) {
          continue; // closed meanwhile, or not a link: not a socket
        }
        if (target.startsWith("socket:[") && target.endsWith("]")) {
          try {
            Listener l = listeners.get(Long.parseLong(target.substring(8, target.length() - 1)));
            if (l != null && !out.contains(l)) {
              out.add(l);
            }
          } catch (NumberFormatException ignored) {
            // Not a socket inode.
          }
        }
      }
      return true;
    } catch (NoSuchFileException e) {
      return true; // the process is gone: nothing listens
    } catch (IOException | RuntimeException e) {
      // Another user's process (access denied) or an unreadable entry: fall back to its port.
      return false;
    }
  }

  private Map<Integer, Proc> readProcesses() {
    Map<Integer, Proc> procs = new LinkedHashMap<>();
    List<Integer> pids = new ArrayList<>();
    try (DirectoryStream<Path> dirs = Files.newDirectoryStream(procRoot)) {
      for (Path dir : dirs) {
        String name = dir.getFileName().toString();
        if (!name.isEmpty() && name.chars().allMatch(Character::isDigit) && name.length() < 10) {
          pids.add(Integer.parseInt(name));
        }
      }
    } catch (IOException | RuntimeException e) {
      return procs;
    }
    pids.sort(null);
    for (int pid : pids) {
      Path dir = procRoot.resolve(Integer.toString(pid));
      List<String> argv;
      try {
        argv = splitCmdline(Files.readAllBytes(dir.resolve("cmdline")));
      } catch (IOException | RuntimeException e) {
        continue; // gone, or a kernel thread's
      }
      procs.put(pid, new Proc(pid, parentOf(dir), argv));
    }
    return procs;
  }

  /** The arguments of a {@code /proc/<pid>/cmdline}: NUL-separated, NUL-terminated. */
  public static List<String> splitCmdline(byte[] bytes) {
    int length = bytes.length;
    // The kernel ends the list with a NUL, which leaves no empty last argument.
    if (length > 0 && bytes[length - 1] == 0) {
      length--;
    }
    List<String> argv = new ArrayList<>();
    if (length == 0) {
      return argv;
    }
    int start = 0;
    for (int i = 0; i <= length; i++) {
      if (i == length || bytes[i] == 0) {
        argv.add(new String(bytes, start, i - start, StandardCharsets.UTF_8));
        start = i + 1;
      }
    }
    // A process that rewrote its title (setproctitle) may put everything in one NUL-less string.
    if (argv.size() == 1 && argv.get(0).contains(" ")) {
      return List.of(argv.get(0).trim().split(" +"));
    }
    return argv;
  }

  private static int parentOf(Path dir) {
    try {
      String stat = Files.readString(dir.resolve("stat"), StandardCharsets.UTF_8);
      // "pid (comm) S ppid ...": comm may hold spaces and parentheses.
      String[] rest = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
      return Integer.parseInt(rest[1]);
    } catch (IOException | RuntimeException e) {
      return 0;
    }
  }

  private Map<Long, Listener> readListeners(List<String> notes) {
    Map<Long, Listener> listeners = new HashMap<>();
    boolean any = false;
    for (String table : new String[] {"tcp", "tcp6"}) {
      Path file = procRoot.resolve("net").resolve(table);
      List<String> lines;
      try {
        lines = Files.readAllLines(file, StandardCharsets.US_ASCII);
        any = true;
      } catch (IOException | RuntimeException e) {
        continue;
      }
      for (int i = 1; i < lines.size(); i++) {
        Listener l = parseSocketLine(lines.get(i));
        if (l != null) {
          listeners.putIfAbsent(l.inode(), l);
        }
      }
    }
    if (!any) {
      notes.add("cannot read " + procRoot.resolve("net/tcp") + "; listening ports are unknown");
    }
    return listeners;
  }

  /** One {@code /proc/net/tcp[6]} line if it is a listening socket, else null. */
  static Listener parseSocketLine(String line) {
    String[] f = line.trim().split("\\s+");
    if (f.length < 10 || !f[3].equals("0A")) {
      return null;
    }
    int colon = f[1].indexOf(':');
    if (colon < 0) {
      return null;
    }
    try {
      String host = decodeAddress(f[1].substring(0, colon));
      int port = Integer.parseInt(f[1].substring(colon + 1), 16);
      long inode = Long.parseLong(f[9]);
      return host == null || inode == 0 ? null : new Listener(inode, host, port);
    } catch (NumberFormatException e) {
      return null;
    }
  }

  /** The kernel prints each 32-bit word of the address in host (little-endian) byte order. */
  static String decodeAddress(String hex) {
    if (hex.length() != 8 && hex.length() != 32) {
      return null;
    }
    byte[] bytes = new byte[hex.length() / 2];
    for (int word = 0; word < hex.length() / 8; word++) {
      long v = Long.parseLong(hex.substring(word * 8, word * 8 + 8), 16);
      for (int b = 0; b < 4; b++) {
        bytes[word * 4 + b] = (byte) (v >>> (8 * b));
      }
    }
    try {
      InetAddress address = InetAddress.getByAddress(bytes); // v4-mapped v6 comes back as v4
      return address.getHostAddress();
    } catch (UnknownHostException e) {
      return null;
    }
  }

  private static boolean isWildcardOrLoopback(String host) {
    return host.equals("0.0.0.0")
        || host.startsWith("127.")
        || host.equals("0:0:0:0:0:0:0:0")
        || host.equals("0:0:0:0:0:0:0:1");
  }

  /** A listener's address as a URL host: wildcards become 127.0.0.1, IPv6 gets brackets. */
  static String scrapeHost(String host) {
    if (host.equals("0.0.0.0") || host.equals("0:0:0:0:0:0:0:0")) {
      return "127.0.0.1";
    }
    if (host.equals("0:0:0:0:0:0:0:1")) {
      return "[::1]";
    }
    return host.contains(":") ? "[" + host + "]" : host;
  }

  private static String orDefault(String value, String fallback) {
    return value == null ? fallback : value.toLowerCase(Locale.ROOT);
  }
}
