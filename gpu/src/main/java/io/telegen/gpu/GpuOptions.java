package io.telegen.gpu;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Collections;
import java.util.EnumSet;
import java.util.Objects;
import java.util.Set;

/**
 * What the GPU sources collect, from {@code agent.gpu} of the agent's config. The builder holds
 * every default; the agent's config loader sets only what the file sets.
 *
 * @param pollInterval how often the slow readings (PCIe throughput, GPM) are refreshed
 * @param metrics the metric groups collected (under {@code agent.gpu.metrics})
 * @param perProcess {@code gpu_process_*} for each process on a GPU
 * @param nvmlLibrary the NVML library to load; null for {@code libnvidia-ml.so.1} on the
 *     library path
 * @param amdSmiLibrary the AMD SMI library to load; null for {@code libamd_smi.so} on the library
 *     path, then in {@code /opt/rocm/lib}
 * @param rocmSmiLibrary the ROCm SMI library to load where AMD SMI is absent; null for {@code
 *     librocm_smi64.so} on the library path, then in {@code /opt/rocm/lib}
 * @param procRoot where the host's {@code /proc} is mounted, for process names
 */
public record GpuOptions(
    Duration pollInterval,
    Set<MetricGroup> metrics,
    boolean perProcess,
    Path nvmlLibrary,
    Path amdSmiLibrary,
    Path rocmSmiLibrary,
    Path procRoot) {

  /**
   * A group of GPU metrics that can be switched off; its config key under
   * {@code agent.gpu.metrics} is its name in lower case ({@code pcie_throughput}).
   */
  public enum MetricGroup {
    /** {@code gpu_utilization_percent} and the GPM activity metrics. */
    UTILIZATION,
    /** {@code gpu_memory_*_bytes}. */
    MEMORY,
    /** GPU and memory temperature, fan speed. */
    TEMPERATURE,
    /** Power draw, limit and energy. */
    POWER,
    /** SM and memory clocks, throttle reasons. */
    CLOCK,
    /** PCIe and NVLink throughput. */
    PCIE_THROUGHPUT,
    /** Video encoder and decoder utilisation. */
    ENCODER_DECODER
  }

  public GpuOptions {
    Objects.requireNonNull(pollInterval, "pollInterval");
    Objects.requireNonNull(procRoot, "procRoot");
    metrics =
        Collections.unmodifiableSet(
            metrics.isEmpty() ? EnumSet.noneOf(MetricGroup.class) : EnumSet.copyOf(metrics));
  }

  /** Everything on, every 10 s, the system's NVML, AMD SMI and {@code /proc}. */
  public static Builder builder() {
    return new Builder();
  }

  /** Whether {@code group} is collected. */
  public boolean collects(MetricGroup group) {
    return metrics.contains(group);
  }

  public boolean utilization() {
    return collects(MetricGroup.UTILIZATION);
  }

  public boolean memory() {
    return collects(MetricGroup.MEMORY);
  }

  public boolean temperature() {
    return collects(MetricGroup.TEMPERATURE);
  }

  public boolean power() {
    return collects(MetricGroup.POWER);
  }

  public boolean clock() {
    return collects(MetricGroup.CLOCK);
  }

  public boolean pcieThroughput() {
    return collects(MetricGroup.PCIE_THROUGHPUT);
  }

  public boolean encoderDecoder() {
    return collects(MetricGroup.ENCODER_DECODER);
  }

  /** Builds {@link GpuOptions}; the one place their defaults live. */
  public static final class Builder {
    private Duration pollInterval = Duration.ofSeconds(10);
    private final EnumSet<MetricGroup> metrics = EnumSet.allOf(MetricGroup.class);
    private boolean perProcess = true;
    private Path nvmlLibrary;
    private Path amdSmiLibrary;
    private Path rocmSmiLibrary;
    private Path procRoot = Path.of("/proc");

    private Builder() {}

    public Builder pollInterval(Duration pollInterval) {
      this.pollInterval = pollInterval;
      return this;
    }

    /** Switches {@code group} on or off; every group starts on. */
    public Builder metric(MetricGroup group, boolean on) {
      if (on) {
        metrics.add(group);
      } else {
        metrics.remove(group);
      }
      return this;
    }

    public Builder perProcess(boolean on) {
      this.perProcess = on;
      return this;
    }

    public Builder nvmlLibrary(Path nvmlLibrary) {
      this.nvmlLibrary = nvmlLibrary;
      return this;
    }

    /** {@code agent.gpu.amd_smi_library}: loaded instead of searching for {@code libamd_smi.so}. */
    public Builder amdSmiLibrary(Path amdSmiLibrary) {
      this.amdSmiLibrary = amdSmiLibrary;
      return this;
    }

    /**
     * {@code agent.gpu.rocm_smi_library}: loaded instead of searching for {@code
     * librocm_smi64.so}, the library used where AMD SMI is absent.
     */
    public Builder rocmSmiLibrary(Path rocmSmiLibrary) {
      this.rocmSmiLibrary = rocmSmiLibrary;
      return this;
    }

    public Builder procRoot(Path procRoot) {
      this.procRoot = procRoot;
      return this;
    }

    public GpuOptions build() {
      return new GpuOptions(
          pollInterval, metrics, perProcess, nvmlLibrary, amdSmiLibrary, rocmSmiLibrary, procRoot);
    }
  }
}
