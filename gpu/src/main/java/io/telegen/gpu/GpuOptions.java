package io.telegen.gpu;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;

/**
 * What the GPU sources collect, from {@code agent.gpu} of the agent's config.
 *
 * @param pollInterval how often the slow readings (PCIe throughput, GPM) are refreshed
 * @param utilization {@code gpu_utilization_percent} and the GPM activity metrics
 * @param memory {@code gpu_memory_*_bytes}
 * @param temperature GPU and memory temperature, fan speed
 * @param power power draw, limit and energy
 * @param clock SM and memory clocks, throttle reasons
 * @param pcieThroughput PCIe and NVLink throughput
 * @param encoderDecoder video encoder and decoder utilisation
 * @param perProcess {@code gpu_process_*} for each process on a GPU
 * @param nvmlLibrary the NVML library to load; null for {@code libnvidia-ml.so.1} on the
 *     library path
 * @param procRoot where the host's {@code /proc} is mounted, for process names
 */
public record GpuOptions(
    Duration pollInterval,
    boolean utilization,
    boolean memory,
    boolean temperature,
    boolean power,
    boolean clock,
    boolean pcieThroughput,
    boolean encoderDecoder,
    boolean perProcess,
    Path nvmlLibrary,
    Path procRoot) {

  public GpuOptions {
    Objects.requireNonNull(pollInterval, "pollInterval");
    Objects.requireNonNull(procRoot, "procRoot");
  }

  /** Everything on, every 10 s, the system's NVML and {@code /proc}. */
  public static Builder builder() {
    return new Builder();
  }

  /** A builder starting from these options. */
  public Builder toBuilder() {
    return new Builder()
        .pollInterval(pollInterval)
        .utilization(utilization)
        .memory(memory)
        .temperature(temperature)
        .power(power)
        .clock(clock)
        .pcieThroughput(pcieThroughput)
        .encoderDecoder(encoderDecoder)
        .perProcess(perProcess)
        .nvmlLibrary(nvmlLibrary)
        .procRoot(procRoot);
  }

  /** Builds {@link GpuOptions}; every group starts switched on. */
  public static final class Builder {
    private Duration pollInterval = Duration.ofSeconds(10);
    private boolean utilization = true;
    private boolean memory = true;
    private boolean temperature = true;
    private boolean power = true;
    private boolean clock = true;
    private boolean pcieThroughput = true;
    private boolean encoderDecoder = true;
    private boolean perProcess = true;
    private Path nvmlLibrary;
    private Path procRoot = Path.of("/proc");

    private Builder() {}

    public Builder pollInterval(Duration pollInterval) {
      this.pollInterval = pollInterval;
      return this;
    }

    public Builder utilization(boolean on) {
      this.utilization = on;
      return this;
    }

    public Builder memory(boolean on) {
      this.memory = on;
      return this;
    }

    public Builder temperature(boolean on) {
      this.temperature = on;
      return this;
    }

    public Builder power(boolean on) {
      this.power = on;
      return this;
    }

    public Builder clock(boolean on) {
      this.clock = on;
      return this;
    }

    public Builder pcieThroughput(boolean on) {
      this.pcieThroughput = on;
      return this;
    }

    public Builder encoderDecoder(boolean on) {
      this.encoderDecoder = on;
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

    public Builder procRoot(Path procRoot) {
      this.procRoot = procRoot;
      return this;
    }

    public GpuOptions build() {
      return new GpuOptions(pollInterval, utilization, memory, temperature, power, clock,
          pcieThroughput, encoderDecoder, perProcess, nvmlLibrary, procRoot);
    }
  }
}
