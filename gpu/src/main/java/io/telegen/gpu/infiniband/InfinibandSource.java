package io.telegen.gpu.infiniband;

import io.telegen.source.Labels;
import io.telegen.source.MetricBatch;
import io.telegen.source.MetricSource;
import io.telegen.source.PartialCollectionException;
import io.telegen.source.PartialCollectionException.Problem;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeSet;

/**
 * InfiniBand port traffic from sysfs: {@code infiniband_tx_bytes_total} and
 * {@code infiniband_rx_bytes_total} per HCA port, the per-NIC fallback for inter-node NCCL
 * traffic when the NCCL profiler plugin is not loaded (it cannot say which rank or job sent
 * the bytes).
 *
 * <p>Reads {@code <sysRoot>/class/infiniband/<dev>/ports/<port>/counters/port_xmit_data} and
 * {@code port_rcv_data}, which count octets divided by 4 (per lane), so the values are
 * multiplied by 4. A port whose counters cannot be read or parsed is skipped; the others are
 * written and the collection then throws {@link PartialCollectionException} with one problem per
 * bad port (keyed by the port, naming the file), so the agent keeps the good ports' series and
 * logs the bad port once, and once when it reads again.
 */
public final class InfinibandSource implements MetricSource {

  /** Where the host's {@code /sys} is when nothing says otherwise. */
  public static final Path DEFAULT_SYS_ROOT = Path.of("/sys");

  private final Path classDir;
  private final String nodeName;

  /** First sighting of each port: the counters' start time (sysfs does not say since when). */
  private final Map<String, Long> firstSeen = new HashMap<>();

  private InfinibandSource(Builder builder) {
    this.classDir = builder.sysRoot.resolve("class/infiniband");
    this.nodeName = builder.nodeName;
  }

  public static Builder builder() {
    return new Builder();
  }

  @Override
  public String name() {
    return "infiniband";
  }

  /**
   * One line for the agent's start-up summary: the ports found, or that there is no InfiniBand
   * on this node (then {@link #collect} emits nothing).
   */
  public String describe() {
    List<String> ports = new ArrayList<>();
    try {
      for (Path port : ports()) {
        ports.add(port.getParent().getParent().getFileName() + " port " + port.getFileName());
      }
    } catch (IOException e) {
      return "InfiniBand: cannot list " + classDir + ": " + e;
    }
    return ports.isEmpty()
        ? "InfiniBand: none found under " + classDir + "; no infiniband_* metrics"
        : "InfiniBand: " + String.join(", ", ports);
  }

  @Override
  public void collect(MetricBatch batch) throws IOException, PartialCollectionException {
    List<Problem> problems = new ArrayList<>();
    for (Path port : ports()) {
      String device = port.getParent().getParent().getFileName().toString();
      String portNumber = port.getFileName().toString();
      Path counters = port.resolve("counters");
      long tx;
      long rx;
      try {
        tx = readOctetsBy4(counters.resolve("port_xmit_data"));
        rx = readOctetsBy4(counters.resolve("port_rcv_data"));
      } catch (IOException e) {
        problems.add(new Problem(device + "/" + portNumber, e.getMessage()));
        continue;
      }
      long start = firstSeen.computeIfAbsent(device + "/" + portNumber, k -> batch.timeUnixNanos());
      Labels labels = Labels.of("ib_device", device, "port", portNumber);
      if (nodeName != null) {
        labels = labels.and("node", nodeName);
      }
      // x 4: the counters count 32-bit words (octets / 4); unsigned 64-bit, kept exact in a double
      // up to 2^53 bytes (8 PiB)
      batch.counter("infiniband_tx_bytes_total", 4.0 * unsigned(tx), start, labels);
      batch.counter("infiniband_rx_bytes_total", 4.0 * unsigned(rx), start, labels);
    }
    PartialCollectionException.throwIfAny(problems);
  }

  /** {@code <dev>/ports/<port>} directories, sorted; none when there is no InfiniBand. */
  private List<Path> ports() throws IOException {
    TreeSet<Path> ports = new TreeSet<>();
    if (!Files.isDirectory(classDir)) {
      return List.of();
    }
    try (DirectoryStream<Path> devices = Files.newDirectoryStream(classDir)) {
      for (Path device : devices) {
        Path portsDir = device.resolve("ports");
        if (!Files.isDirectory(portsDir)) {
          continue;
        }
        try (DirectoryStream<Path> each = Files.newDirectoryStream(portsDir)) {
          for (Path port : each) {
            ports.add(port);
          }
        }
      }
    }
    return List.copyOf(ports);
  }

  private static long readOctetsBy4(Path file) throws IOException {
    String text;
    try {
      text = Files.readString(file, StandardCharsets.US_ASCII).trim();
    } catch (IOException e) {
      throw new IOException(
          file
              + ": cannot read the InfiniBand counter ("
              + e
              + "); this port is skipped. Check that the agent sees the host's /sys",
          e);
    }
    try {
      return Long.parseUnsignedLong(text);
    } catch (NumberFormatException e) {
      throw new IOException(
          file
              + ": InfiniBand counter is not a number (\""
              + (text.length() > 40 ? text.substring(0, 40) + "..." : text)
              + "\"); this port is skipped",
          e);
    }
  }

  private static double unsigned(long v) {
    return v >= 0 ? v : (double) (v >>> 1) * 2.0 + (v & 1);
  }

  /** Settings of an {@link InfinibandSource}; every setting has a default. */
  public static final class Builder {

    private Path sysRoot = DEFAULT_SYS_ROOT;
    private String nodeName;

    private Builder() {}

    /** Root of the sys file system to read; default {@link #DEFAULT_SYS_ROOT}. */
    public Builder sysRoot(Path sysRoot) {
      this.sysRoot = Objects.requireNonNull(sysRoot, "sysRoot");
      return this;
    }

    /** The {@code node} label; none by default. */
    public Builder nodeName(String nodeName) {
      this.nodeName = nodeName;
      return this;
    }

    public InfinibandSource build() {
      return new InfinibandSource(this);
    }
  }
}
