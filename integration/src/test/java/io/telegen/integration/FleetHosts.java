package io.telegen.integration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Real systemd machines for the fleet tests: the Debian root of integration/scripts/debian-root.sh
 * booted with {@code systemd-nspawn --boot}, each in its own network namespace
 * (integration/scripts/fleet-host.sh), reached over SSH as root with a key made for this run. Closing
 * powers them off and removes their namespaces, mounts and files (the console and journal of each
 * are kept in the log directory first).
 */
final class FleetHosts implements AutoCloseable {

  private static final Path SCRIPTS = TelegenTools.repoRoot().resolve("integration/scripts");

  /** A booted host: its inventory name and the address its sshd answers on. */
  record Host(String name, String address) {
    /** This machine's end of the host's link (fleet-host.sh: x.y.z.1 for the host's x.y.z.2). */
    String gateway() {
      return address.substring(0, address.lastIndexOf('.')) + ".1";
    }
  }

  private final Path dir;
  private final Path key;
  private final Map<String, Host> hosts = new LinkedHashMap<>();

  private FleetHosts(Path dir, Path key) {
    this.dir = dir;
    this.key = key;
  }

  /** Boots one host per name (up to 8 characters each), in order. */
  static FleetHosts boot(Path dir, List<String> names) throws IOException {
    Path rootfs = debianRoot(dir);
    Path key = dir.resolve("id_ed25519");
    ExternalProcess.Result keygen =
        ExternalProcess.run(
            "ssh-keygen",
            List.of("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", key.toString()),
            Map.of(),
            dir.resolve("ssh-keygen.log"),
            Duration.ofSeconds(30));
    assertEquals(0, keygen.exitCode(), keygen.output());
    FleetHosts fleet = new FleetHosts(dir, key);
    try {
      int index = 1;
      for (String name : names) {
        // A host left behind by a killed run would hold the name's namespace and link.
        fleet.down(name);
        ExternalProcess.Result up =
            ExternalProcess.run(
                "boot " + name,
                List.of(
                    SCRIPTS.resolve("fleet-host.sh").toString(),
                    "up",
                    name,
                    Integer.toString(index++),
                    rootfs.toString(),
                    hostDir(name).toString(),
                    key + ".pub"),
                Map.of(),
                dir.resolve("boot-" + name + ".log"),
                Duration.ofMinutes(2));
        fleet.hosts.put(name, new Host(name, "")); // to be torn down even if it failed
        assertEquals(0, up.exitCode(), up.output());
        List<String> lines = up.output().strip().lines().toList();
        fleet.hosts.put(name, new Host(name, lines.get(lines.size() - 1).strip()));
      }
      for (Host host : fleet.hosts.values()) {
        fleet.waitRunning(host);
      }
      return fleet;
    } catch (RuntimeException | Error e) {
      fleet.close();
      throw e;
    }
  }

  /** The cached root (made by setup.sh; made here, slowly, if setup.sh was not run). */
  private static Path debianRoot(Path dir) {
    ExternalProcess.Result root =
        ExternalProcess.run(
            "debian-root.sh",
            List.of(SCRIPTS.resolve("debian-root.sh").toString()),
            Map.of("TELEGEN_CACHE", TelegenTools.cacheDir().toString()),
            dir.resolve("debian-root.log"),
            Duration.ofMinutes(15));
    assertEquals(0, root.exitCode(), root.output());
    List<String> lines = root.output().strip().lines().toList();
    return Path.of(lines.get(lines.size() - 1).strip());
  }

  List<Host> hosts() {
    return List.copyOf(hosts.values());
  }

  Host host(String name) {
    return hosts.get(name);
  }

  Path privateKey() {
    return key;
  }

  /** Options every SSH client here uses: the run's key, no host key store (hosts are new). */
  static List<String> sshOptions(Path key) {
    return List.of(
        "-i",
        key.toString(),
        "-o",
        "StrictHostKeyChecking=no",
        "-o",
        "UserKnownHostsFile=/dev/null",
        "-o",
        "LogLevel=ERROR",
        "-o",
        "BatchMode=yes",
        "-o",
        "ConnectTimeout=10");
  }

  /** Runs a shell command on the host as root. */
  ExternalProcess.Result ssh(Host host, String command, String logName) {
    List<String> argv = new ArrayList<>(List.of("ssh"));
    argv.addAll(sshOptions(key));
    argv.add("root@" + host.address());
    argv.add(command);
    ExternalProcess.Result result =
        ExternalProcess.run(
            "ssh " + host.name(),
            argv,
            Map.of(),
            dir.resolve("ssh-" + host.name() + "-" + logName + ".log"),
            Duration.ofMinutes(2));
    // Only what the command printed, without ExternalProcess's "$ command" header line.
    String output = result.output();
    int firstNewline = output.indexOf('\n');
    return new ExternalProcess.Result(
        result.exitCode(), firstNewline < 0 ? "" : output.substring(firstNewline + 1));
  }

  /** Runs a command that must succeed; returns its output. */
  String sshOk(Host host, String command, String logName) {
    ExternalProcess.Result result = ssh(host, command, logName);
    if (result.exitCode() != 0) {
      fail(
          host.name()
              + ": `"
              + command
              + "` exited "
              + result.exitCode()
              + ":\n"
              + result.output());
    }
    return result.output();
  }

  private void waitRunning(Host host) {
    // is-system-running --wait: until boot has finished; "running" means no unit failed.
    String state = ssh(host, "systemctl is-system-running --wait", "boot-state").output().strip();
    assertEquals("running", state, host.name() + " did not boot cleanly");
  }

  /** Outside the log directory, which a new run empties: a killed run's mounts may be there. */
  private static Path hostDir(String name) {
    return TelegenTools.repoRoot().resolve("integration/target/fleet-hosts").resolve(name);
  }

  private void down(String name) {
    ExternalProcess.run(
        "tear down " + name,
        List.of(
            SCRIPTS.resolve("fleet-host.sh").toString(), "down", name, hostDir(name).toString()),
        Map.of(),
        dir.resolve("down-" + name + ".log"),
        Duration.ofMinutes(1));
  }

  @Override
  public void close() {
    for (Host host : hosts.values()) {
      if (!host.address().isEmpty()) {
        try {
          Files.writeString(
              dir.resolve("journal-" + host.name() + ".log"),
              ssh(host, "journalctl -b --no-pager -o short-monotonic", "journal").output());
        } catch (IOException | RuntimeException | AssertionError e) {
          // the journal is for reading after a failure; the teardown matters more
        }
      }
      down(host.name());
    }
    hosts.clear();
  }

  static void writeInventory(
      Path inventory, List<Host> hosts, Path key, Map<String, String> hostVars) throws IOException {
    StringBuilder ini = new StringBuilder("[gpu_nodes]\n");
    for (Host host : hosts) {
      ini.append(host.name()).append(" ansible_host=").append(host.address());
      String vars = hostVars.get(host.name());
      if (vars != null) {
        ini.append(' ').append(vars);
      }
      ini.append('\n');
    }
    ini.append("\n[gpu_nodes:vars]\nansible_user=root\nansible_ssh_private_key_file=")
        .append(key)
        .append("\nansible_ssh_common_args='")
        .append(String.join(" ", sshOptions(key).subList(2, sshOptions(key).size())))
        .append("'\n");
    try {
      Files.writeString(inventory, ini);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
