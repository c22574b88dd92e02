package io.telegen.integration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpServer;
import io.telegen.testsupport.TestFiles;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * The fleet roll-out on real systemd hosts: the release archive of bin/package, its launcher on a
 * machine without Java, and collector-config/ansible's site.yml and upgrade.yml converging two
 * Debian hosts booted with systemd-nspawn (FleetHosts), with the stock collector. The tests run in
 * order on the same two hosts, as an operator would: check mode on fresh hosts, converge, rerun,
 * change the config, upgrade with one host failing its health gate, upgrade for real. Figures the
 * issue asks for (archive size, converge time, security exposure) go to figures.txt in the log
 * directory and to the test's output.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
final class FleetRolloutIT {

  private static final Path ANSIBLE = TelegenTools.repoRoot().resolve("collector-config/ansible");
  private static final Path SYSTEMD = TelegenTools.repoRoot().resolve("collector-config/systemd");
  private static final long MAX_ARCHIVE_BYTES = 64L * 1024 * 1024;
  private static final double MAX_EXPOSURE = 2.5;
  private static final Pattern RECAP =
      Pattern.compile(
          "^(\\S+)\\s+:\\s+ok=(\\d+)\\s+changed=(\\d+)\\s+unreachable=(\\d+)\\s+failed=(\\d+)",
          Pattern.MULTILINE);
  private static final String RACK_R1 = "telegen_resource_attributes='{\"rack\": \"r1\"}'";
  private static final String RACK_R2 = "telegen_resource_attributes='{\"rack\": \"r2\"}'";
  private static final Pattern EXPOSURE =
      Pattern.compile("Overall exposure level for \\S+: ([0-9.]+)");

  private Path dir;
  private Path ansibleVenv;
  private Path archive;
  private Path nextArchive;
  private String version;
  private String nextVersion;
  private FleetHosts fleet;
  private Path inventory;
  private final Map<String, String> figures = new LinkedHashMap<>();

  /** What one ansible-playbook run printed, and its PLAY RECAP per host. */
  private record Play(int exitCode, String output, Map<String, int[]> recap) {
    int changed(String host) {
      return recap.get(host)[1];
    }

    int failed(String host) {
      return recap.get(host)[3];
    }
  }

  @BeforeAll
  void packageAndBoot(TestInfo testInfo) throws IOException {
    dir = TestLogDir.of(testInfo);
    ansibleVenv = TelegenTools.cacheDir().resolve("ansible-venv");
    assertTrue(
        Files.isExecutable(ansibleVenv.resolve("bin/ansible-playbook")),
        ansibleVenv + " has no ansible-playbook: run integration/scripts/setup.sh (as root) first");
    archive = packageArchive(List.of(), "package");
    version = releaseVersion(archive);
    nextVersion = version + "-next";
    Path runtime =
        TelegenTools.repoRoot()
            .resolve("receiver-server/target/package/telegen-agent-" + version + "/runtime");
    nextArchive =
        packageArchive(List.of("--version", nextVersion, "--runtime", runtime.toString()), "next");
    fleet = FleetHosts.boot(dir, List.of("gpu1", "gpu2"));
    inventory = dir.resolve("inventory.ini");
    FleetHosts.writeInventory(
        inventory, fleet.hosts(), fleet.privateKey(), Map.of("gpu1", RACK_R1, "gpu2", RACK_R2));
  }

  @AfterAll
  void tearDown() throws IOException {
    if (fleet != null) {
      fleet.close();
    }
    StringBuilder text = new StringBuilder();
    figures.forEach((k, v) -> text.append(k).append(": ").append(v).append('\n'));
    Files.writeString(dir.resolve("figures.txt"), text);
    System.out.print("FleetRolloutIT figures:\n" + text);
  }

  @Test
  @Order(0)
  void theCollectionPassesAnsibleLintOnTheProductionProfile() {
    // Also the only check of the role's RHEL-family branch (vars/RedHat.yml): no RHEL-family
    // root can be bootstrapped on these machines.
    ExternalProcess.Result lint =
        run(
            "ansible-lint",
            List.of(
                "bash",
                "-c",
                "cd "
                    + ANSIBLE
                    + " && exec "
                    + ansibleVenv.resolve("bin/ansible-lint")
                    + " --nocolor"),
            Map.of("PATH", ansibleVenv.resolve("bin") + ":" + System.getenv("PATH")),
            "ansible-lint");
    assertEquals(0, lint.exitCode(), lint.output());
    assertTrue(
        lint.output().contains("Profile 'production' was required, and it passed"), lint.output());
  }

  @Test
  @Order(1)
  void theArchiveHoldsWhatANodeNeeds() throws IOException, NoSuchAlgorithmException {
    long size = Files.size(archive);
    figures.put("archive", archive.getFileName() + " " + size + " bytes");
    assertTrue(size < MAX_ARCHIVE_BYTES, archive + " is " + size + " bytes");
    String sha256 =
        HexFormat.of()
            .formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(archive)));
    assertEquals(
        sha256 + "  " + archive.getFileName(),
        Files.readString(Path.of(archive + ".sha256")).strip());

    Path unpacked = unpack(archive, dir.resolve("unpacked"));
    for (String file :
        List.of(
            "bin/telegen-agent",
            "lib/telegen-agent.jar",
            "runtime/bin/java",
            "runtime/legal/java.base/LICENSE",
            "nccl/libnccl-profiler-telegen.so",
            "etc/agent.yaml",
            "systemd/telegen-agent.service",
            "systemd/telegen-otelcol.service",
            "systemd/telegen-agent.env",
            "systemd/telegen-otelcol.env",
            "licenses/THIRD-PARTY.txt",
            "SHA256SUMS")) {
      assertTrue(Files.isRegularFile(unpacked.resolve(file)), "the archive has no " + file);
    }
    for (String config : List.of("agent.yaml", "agent-to-gateway.yaml", "gateway.yaml")) {
      assertEquals(
          Files.readString(TelegenTools.shippedCollectorConfig(config)),
          Files.readString(unpacked.resolve("collector").resolve(config)),
          "collector/" + config + " is not the shipped config");
    }
    String thirdParty = Files.readString(unpacked.resolve("licenses/THIRD-PARTY.txt"));
    assertTrue(thirdParty.contains("  io.grpc:grpc-api:jar:"), thirdParty);
    assertTrue(thirdParty.contains("  net.java.dev.jna:jna:jar:"), thirdParty);
    ExternalProcess.Result sums =
        run(
            "sha256sum",
            List.of(
                "bash",
                "-c",
                "cd " + unpacked + " && sha256sum --check --strict --quiet SHA256SUMS"),
            Map.of(),
            "sha256sum");
    assertEquals(0, sums.exitCode(), sums.output());
  }

  @Test
  @Order(2)
  void theLauncherRunsItsOwnRuntimeWithoutJavaOnThePath() throws IOException {
    Path unpacked = unpack(archive, dir.resolve("no-java"));
    // A PATH with the shell and the few tools the launcher calls, and no java; no JAVA_HOME.
    Path bin = Files.createDirectories(dir.resolve("no-java-bin"));
    for (String tool : List.of("bash", "dirname", "readlink")) {
      Files.createSymbolicLink(bin.resolve(tool), Path.of("/usr/bin", tool).toRealPath());
    }
    ExternalProcess.Result printed =
        run(
            "telegen-agent --version",
            List.of(
                "/usr/bin/env", "-i", "PATH=" + bin, unpacked + "/bin/telegen-agent", "--version"),
            Map.of(),
            "no-java-version");
    assertEquals(0, printed.exitCode(), printed.output());
    assertTrue(printed.output().contains("telegen-agent " + version + "\n"), printed.output());
    // A Debian host without Java, as the fleet's nodes are.
    FleetHosts.Host host = fleet.host("gpu1");
    assertNotEquals(0, fleet.ssh(host, "command -v java", "which-java").exitCode());
  }

  @Test
  @Order(3)
  void checkModeOnFreshHostsShowsChangesAndMakesNone() {
    Play check = play("site.yml", List.of("--check", "--diff"), "check");
    assertEquals(0, check.exitCode(), check.output());
    for (FleetHosts.Host host : fleet.hosts()) {
      assertTrue(check.changed(host.name()) > 0, check.output());
      assertEquals(0, check.failed(host.name()), check.output());
      fleet.sshOk(
          host,
          "test ! -e /opt/telegen && test ! -e /etc/telegen && ! id telegen"
              + " && test ! -e /etc/systemd/system/telegen-agent.service",
          "after-check");
    }
    // --diff shows the agent's config as it would be written.
    assertTrue(check.output().contains("+  exporter:"), check.output());
  }

  @Test
  @Order(4)
  void siteConvergesTwoFreshHostsAndTheAgentsTelemetryReachesEachCollector() throws IOException {
    long start = System.nanoTime();
    Play converge = play("site.yml", List.of("--diff"), "converge");
    long seconds = Duration.ofNanos(System.nanoTime() - start).toSeconds();
    figures.put("converge of two fresh hosts", seconds + " s");
    assertEquals(0, converge.exitCode(), converge.output());
    for (FleetHosts.Host host : fleet.hosts()) {
      String name = host.name();
      assertEquals(
          "active\nactive",
          fleet.sshOk(host, "systemctl is-active telegen-otelcol telegen-agent", "active").strip());
      assertEquals(
          "telegen-agent " + version,
          fleet.sshOk(host, "/opt/telegen/current/bin/telegen-agent --version", "version").strip());
      String metrics = scrape(host);
      // The agent's self-telemetry at this host's collector, with its own host name and the
      // inventory's per-host resource attribute.
      assertTrue(
          Pattern.compile(
                  "target_info\\{[^}]*host_name=\""
                      + name
                      + "\"[^}]*rack=\"r"
                      + name.charAt(3)
                      + "\"[^}]*service_version=\""
                      + Pattern.quote(version)
                      + "\"")
              .matcher(metrics)
              .find(),
          metrics);
      assertTrue(metrics.contains("telegen_agent_points_exported_total{"), metrics);
      String check =
          fleet.sshOk(
              host,
              "set -a; . /etc/telegen/agent.env; /opt/telegen/current/bin/telegen-agent check"
                  + " --config /etc/telegen/agent.yaml",
              "check");
      assertTrue(check.contains("collector reachable"), check);
      // The export queue is on the host's disk, in the unit's StateDirectory, owned by telegen.
      String queue =
          fleet.sshOk(
              host,
              "stat -c '%U %a' /var/lib/telegen-agent/queue; ls /var/lib/telegen-agent/queue",
              "queue");
      assertTrue(queue.startsWith("telegen 700"), queue);
      assertTrue(queue.contains(".segment"), queue);
      // The role installs the units as collector-config/systemd has them.
      for (String unit : List.of("telegen-agent.service", "telegen-otelcol.service")) {
        assertEquals(
            Files.readString(SYSTEMD.resolve(unit)),
            fleet.sshOk(host, "cat /etc/systemd/system/" + unit, "cat-" + unit),
            unit + " on " + name);
      }
      assertEquals(
          "telegen:x:/usr/sbin/nologin:/var/lib/telegen-agent",
          fleet
              .sshOk(host, "getent passwd telegen | awk -F: '{print $1\":x:\"$7\":\"$6}'", "user")
              .strip());
    }
  }

  @Test
  @Order(5)
  void theUnitsVerifyCleanAndAreHardened() {
    FleetHosts.Host host = fleet.host("gpu1");
    ExternalProcess.Result verify =
        fleet.ssh(
            host,
            "systemd-analyze verify /etc/systemd/system/telegen-otelcol.service"
                + " /etc/systemd/system/telegen-agent.service 2>&1",
            "verify");
    assertEquals(0, verify.exitCode(), verify.output());
    assertEquals("", verify.output().strip(), "systemd-analyze verify printed warnings");
    for (String unit : List.of("telegen-agent.service", "telegen-otelcol.service")) {
      String security =
          fleet.sshOk(host, "systemd-analyze security --no-pager " + unit, "security-" + unit);
      Matcher m = EXPOSURE.matcher(security);
      assertTrue(m.find(), security);
      double exposure = Double.parseDouble(m.group(1));
      figures.put("systemd-analyze security " + unit, m.group(1));
      assertTrue(exposure <= MAX_EXPOSURE, unit + " exposure " + exposure + ":\n" + security);
    }
    String rss =
        fleet.sshOk(
            host, "ps -o rss= -p $(systemctl show -p MainPID --value telegen-agent)", "rss");
    figures.put("agent RSS under systemd (kB)", rss.strip().replace('\n', ' '));
  }

  @Test
  @Order(6)
  void aSecondRunChangesNothing() {
    Play again = play("site.yml", List.of(), "idempotence");
    assertEquals(0, again.exitCode(), again.output());
    for (FleetHosts.Host host : fleet.hosts()) {
      assertEquals(0, again.changed(host.name()), again.output());
    }
  }

  @Test
  @Order(7)
  void inventoryChangesRestartOnlyTheServiceTheyConcern() throws IOException {
    // One play, two changes: gpu1's collector gets the gateway overlay and extra config, gpu2's
    // agent a changed key. The inventory stays so for the upgrades below. Nothing listens at the
    // gateway address: the collector queues for it and keeps serving the local Prometheus
    // endpoint, which the health gate reads.
    FleetHosts.Host gpu1 = fleet.host("gpu1");
    FleetHosts.Host gpu2 = fleet.host("gpu2");
    String before1 = pids(gpu1);
    String before2 = pids(gpu2);
    FleetHosts.writeInventory(
        inventory,
        fleet.hosts(),
        fleet.privateKey(),
        Map.of(
            "gpu1",
            RACK_R1
                + " telegen_collector_gateway_endpoint=127.0.0.1:14317"
                + " telegen_collector_gateway_insecure=true"
                + " telegen_collector_extra_config='{\"exporters\": {\"debug/extra\":"
                + " {\"verbosity\": \"basic\"}}}'",
            "gpu2",
            RACK_R2 + " telegen_agent_config='{\"self_telemetry\": {\"interval\": \"5s\"}}'"));
    Play change = play("site.yml", List.of(), "inventory-change");
    assertEquals(0, change.exitCode(), change.output());

    String[] b1 = before1.split(" ");
    String[] a1 = pids(gpu1).split(" ");
    assertNotEquals(b1[0], a1[0], "gpu1's collector was not restarted");
    assertEquals(b1[1], a1[1], "gpu1's agent was restarted");
    String env = fleet.sshOk(gpu1, "cat /etc/telegen/otelcol.env", "otelcol-env");
    assertTrue(
        env.contains(
            "TELEGEN_OTELCOL_ARGS=\"--config=/etc/telegen/otelcol/agent.yaml"
                + " --config=/etc/telegen/otelcol/agent-to-gateway.yaml"
                + " --config=/etc/telegen/otelcol/extra.yaml\""),
        env);
    assertTrue(env.contains("TELEGEN_GATEWAY_ENDPOINT=\"127.0.0.1:14317\""), env);
    assertEquals(
        Files.readString(TelegenTools.shippedCollectorConfig("agent-to-gateway.yaml")),
        fleet.sshOk(gpu1, "cat /etc/telegen/otelcol/agent-to-gateway.yaml", "overlay"));
    assertEquals(
        "active",
        fleet.sshOk(gpu1, "systemctl is-active telegen-otelcol", "otelcol-active").strip());

    String[] b2 = before2.split(" ");
    String[] a2 = pids(gpu2).split(" ");
    assertEquals(b2[0], a2[0], "gpu2's collector was restarted");
    assertNotEquals(b2[1], a2[1], "gpu2's agent was not restarted");
    assertTrue(
        fleet.sshOk(gpu2, "cat /etc/telegen/agent.yaml", "agent-yaml").contains("interval: 5s"));
  }

  @Test
  @Order(8)
  void anUpgradeThatFailsItsHealthGateRollsBackAndStopsThePlay() {
    // On gpu1 (the first batch) the new release is there already, broken: a copy of the one in
    // use whose launcher passes `check` (so the configs validate with it) but exits at once when
    // the service runs it.
    FleetHosts.Host gpu1 = fleet.host("gpu1");
    String broken = "/opt/telegen/releases/telegen-agent-" + nextVersion;
    fleet.sshOk(
        gpu1,
        "cp -a /opt/telegen/releases/telegen-agent-"
            + version
            + " "
            + broken
            + " && cd "
            + broken
            + "/bin && mv telegen-agent telegen-agent.real && printf '%s\\n' '#!/bin/sh'"
            + " 'case $1 in check) exec \"$(dirname \"$0\")/telegen-agent.real\" \"$@\";; esac'"
            + " 'echo \"telegen-agent: crashed\" >&2' 'exit 1' > telegen-agent && chmod 755 telegen-agent",
        "break-release");
    Play upgrade =
        play(
            "upgrade.yml",
            List.of("-e", "telegen_health_timeout=20"),
            "upgrade-rollback",
            nextArchive);
    assertNotEquals(0, upgrade.exitCode(), upgrade.output());
    assertTrue(
        upgrade.output().contains("rolled back to telegen-agent-" + version), upgrade.output());
    assertEquals(1, upgrade.failed("gpu1"), upgrade.output());
    // gpu1 runs the release before again; gpu2 was never touched (the play stopped).
    for (FleetHosts.Host host : fleet.hosts()) {
      assertEquals(
          "/opt/telegen/releases/telegen-agent-" + version,
          fleet.sshOk(host, "readlink /opt/telegen/current", "current").strip(),
          host.name());
      assertEquals(
          "telegen-agent " + version,
          fleet.sshOk(host, "/opt/telegen/current/bin/telegen-agent --version", "version").strip());
    }
    assertTrue(
        upgrade.recap().get("gpu2") == null || upgrade.changed("gpu2") == 0, upgrade.output());
    fleet.sshOk(gpu1, "systemctl is-active telegen-agent", "active-after-rollback");
  }

  @Test
  @Order(9)
  void aRollingUpgradeMovesEveryHostToTheNewRelease() throws IOException {
    fleet.sshOk(
        fleet.host("gpu1"), "rm -rf /opt/telegen/releases/telegen-agent-" + nextVersion, "unbreak");
    // This time the hosts download the archive (telegen_agent_archive_url and its checksum) from
    // a web server on this machine's end of gpu1's link, which both hosts route to.
    String checksum = Files.readString(Path.of(nextArchive + ".sha256")).split("\\s+")[0];
    HttpServer server =
        HttpServer.create(new InetSocketAddress(fleet.host("gpu1").gateway(), 0), 0);
    String file = "/" + nextArchive.getFileName();
    server.createContext(
        file,
        exchange -> {
          exchange.sendResponseHeaders(200, Files.size(nextArchive));
          try (OutputStream out = exchange.getResponseBody()) {
            Files.copy(nextArchive, out);
          }
        });
    server.start();
    Play upgrade;
    try {
      String url =
          "http://" + fleet.host("gpu1").gateway() + ":" + server.getAddress().getPort() + file;
      upgrade =
          play(
              "upgrade.yml",
              List.of(
                  "-e",
                  "{\"telegen_agent_archive\": \"\", \"telegen_agent_archive_url\": \""
                      + url
                      + "\", \"telegen_agent_archive_checksum\": \"sha256:"
                      + checksum
                      + "\"}"),
              "upgrade",
              nextArchive);
    } finally {
      server.stop(0);
    }
    assertEquals(0, upgrade.exitCode(), upgrade.output());
    assertTrue(upgrade.output().contains("TASK [telegen : Download the release archive]"));
    for (FleetHosts.Host host : fleet.hosts()) {
      assertEquals(
          "/opt/telegen/releases/telegen-agent-" + nextVersion,
          fleet.sshOk(host, "readlink /opt/telegen/current", "current").strip());
      // Both releases are kept (telegen_keep_releases: 2), for the next rollback.
      assertEquals(
          "telegen-agent-" + version + "\ntelegen-agent-" + nextVersion,
          fleet.sshOk(host, "ls /opt/telegen/releases", "releases").strip());
      assertTrue(scrape(host).contains("service_version=\"" + nextVersion + "\""), host.name());
    }
  }

  private Play play(String playbook, List<String> extra, String name) {
    return play(playbook, extra, name, archive);
  }

  private Play play(String playbook, List<String> extra, String name, Path agentArchive) {
    List<String> argv =
        new ArrayList<>(
            List.of(
                ansibleVenv.resolve("bin/ansible-playbook").toString(),
                "-i",
                inventory.toString(),
                ANSIBLE.resolve(playbook).toString(),
                "-e",
                "telegen_agent_archive=" + agentArchive,
                "-e",
                "telegen_otelcol_binary=" + TelegenTools.otelcol()));
    argv.addAll(extra);
    ExternalProcess.Result result =
        ExternalProcess.run(
            "ansible-playbook " + playbook,
            argv,
            Map.of(
                "ANSIBLE_CONFIG",
                ANSIBLE.resolve("ansible.cfg").toString(),
                "ANSIBLE_NOCOLOR",
                "1",
                "ANSIBLE_LOCAL_TEMP",
                dir.resolve("ansible-tmp").toString(),
                "PATH",
                ansibleVenv.resolve("bin") + ":" + System.getenv("PATH")),
            dir.resolve("ansible-" + name + ".log"),
            Duration.ofMinutes(8));
    Map<String, int[]> recap = new LinkedHashMap<>();
    Matcher m = RECAP.matcher(result.output());
    while (m.find()) {
      recap.put(
          m.group(1),
          new int[] {
            Integer.parseInt(m.group(2)),
            Integer.parseInt(m.group(3)),
            Integer.parseInt(m.group(4)),
            Integer.parseInt(m.group(5))
          });
    }
    return new Play(result.exitCode(), result.output(), recap);
  }

  /** The collector's Prometheus endpoint on the host. */
  private String scrape(FleetHosts.Host host) {
    return fleet.sshOk(
        host,
        "python3 -c 'import sys, urllib.request; sys.stdout.write(urllib.request.urlopen("
            + "\"http://127.0.0.1:8889/metrics\", timeout=10).read().decode())'",
        "scrape");
  }

  /** The collector's and the agent's main PIDs. */
  private String pids(FleetHosts.Host host) {
    return fleet
        .sshOk(
            host,
            "echo $(systemctl show -p MainPID --value telegen-otelcol)"
                + " $(systemctl show -p MainPID --value telegen-agent)",
            "pids")
        .strip();
  }

  private Path packageArchive(List<String> args, String name) {
    List<String> argv =
        new ArrayList<>(
            List.of(TelegenTools.repoRoot().resolve("bin/package").toString(), "--skip-build"));
    argv.addAll(args);
    ExternalProcess.Result result = run("bin/package", argv, Map.of(), "package-" + name);
    assertEquals(0, result.exitCode(), result.output());
    List<String> lines = result.output().strip().lines().toList();
    Path built = Path.of(lines.get(lines.size() - 1).strip());
    assertTrue(Files.isRegularFile(built), result.output());
    return built;
  }

  private static String releaseVersion(Path archive) {
    Matcher m =
        Pattern.compile("telegen-agent-(.+)-linux-x86_64\\.tar\\.gz")
            .matcher(archive.getFileName().toString());
    assertTrue(m.matches(), archive.toString());
    return m.group(1);
  }

  private Path unpack(Path tarball, Path into) throws IOException {
    TestFiles.deleteTree(into);
    Files.createDirectories(into);
    ExternalProcess.Result tar =
        run(
            "tar",
            List.of("tar", "-C", into.toString(), "-xzf", tarball.toString()),
            Map.of(),
            "tar-" + into.getFileName());
    assertEquals(0, tar.exitCode(), tar.output());
    return into.resolve("telegen-agent-" + version);
  }

  private ExternalProcess.Result run(
      String name, List<String> argv, Map<String, String> env, String log) {
    return ExternalProcess.run(name, argv, env, dir.resolve(log + ".log"), Duration.ofMinutes(5));
  }
}
