package io.telegen.frameworks;

import io.telegen.testsupport.TestFiles;
import java.io.IOException;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * A fake {@code /proc} in a temporary directory: a tree from src/test/resources/ copied over,
 * then the {@code fd/*} symbolic links its {@code fds.txt} lists (git keeps no such links, and a
 * dangling {@code socket:[inode]} link is exactly what the kernel shows). In a link target,
 * {@code ${DIR}} stands for the temporary directory, so links can point at files a test writes.
 */
public final class FakeProc {

  private FakeProc() {}

  /** Copies {@code /<resource>} (e.g. {@code scrape/proc-gpu-node}) into {@code dir}. */
  public static Path copy(String resource, Path dir) throws IOException {
    URL url = FakeProc.class.getResource("/" + resource);
    if (url == null) {
      throw new IOException("test resource /" + resource + " is missing");
    }
    Path source;
    try {
      source = Path.of(url.toURI());
    } catch (URISyntaxException e) {
      throw new IOException(e);
    }
    Path root = TestFiles.copyTree(source, dir.resolve(source.getFileName().toString()));
    Path manifest = root.resolve("fds.txt");
    if (Files.exists(manifest)) {
      for (String line : Files.readAllLines(manifest, StandardCharsets.UTF_8)) {
        if (line.isBlank() || line.startsWith("#")) {
          continue;
        }
        String[] f = line.trim().split(" ", 3);
        fd(
            root,
            Integer.parseInt(f[0]),
            Integer.parseInt(f[1]),
            f[2].replace("${DIR}", dir.toString()));
      }
    }
    return root;
  }

  public static void fd(Path root, int pid, int fd, String target) throws IOException {
    Path fdDir = Files.createDirectories(root.resolve(pid + "/fd"));
    Files.createSymbolicLink(fdDir.resolve(Integer.toString(fd)), Path.of(target));
  }

  /** A process with a command line (NUL-separated) and parent. */
  public static void process(Path root, int pid, int ppid, List<String> argv) throws IOException {
    Path dir = Files.createDirectories(root.resolve(Integer.toString(pid)));
    StringBuilder cmdline = new StringBuilder();
    for (String arg : argv) {
      cmdline.append(arg).append('\0');
    }
    Files.writeString(dir.resolve("cmdline"), cmdline, StandardCharsets.UTF_8);
    Files.writeString(
        dir.resolve("stat"),
        pid
            + " ("
            + argv.get(0)
            + ") S "
            + ppid
            + " "
            + pid
            + " "
            + pid
            + " 0 -1 4194560 0 0 0 0 0 0 0 0 20 0 1 0 100 0 0\n");
  }

  /** {@code net/tcp} with IPv4 listeners on 127.0.0.1 or 0.0.0.0, as the kernel prints them. */
  public static void tcpListeners(Path root, String ip, int[] ports, long[] inodes)
      throws IOException {
    StringBuilder text =
        new StringBuilder(
            "  sl  local_address rem_address   st tx_queue rx_queue "
                + "tr tm->when retrnsmt   uid  timeout inode\n");
    String hex = ip.equals("127.0.0.1") ? "0100007F" : "00000000";
    for (int i = 0; i < ports.length; i++) {
      text.append(
          String.format(
              "%4d: %s:%04X 00000000:0000 0A 00000000:00000000 00:00000000 "
                  + "00000000  1000        0 %d 1 0000000000000000 100 0 0 10 0%n",
              i, hex, ports[i], inodes[i]));
    }
    Files.createDirectories(root.resolve("net"));
    Files.writeString(root.resolve("net/tcp"), text);
  }
}
