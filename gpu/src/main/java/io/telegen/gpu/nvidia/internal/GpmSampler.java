package io.telegen.gpu.nvidia.internal;

import com.sun.jna.Memory;
import com.sun.jna.Native;
import com.sun.jna.Pointer;

/**
 * GPU Performance Monitoring (Hopper and newer) for one GPU, or for one GPU instance of a MIG
 * GPU: NVML computes activity between two samples taken at least 100 ms apart, so this keeps the
 * previous sample and turns each new one into values. Runs on the slow-sampling thread only.
 *
 * <p>This class is internal and is hence not for public use. Its APIs are unstable and can
 * change at any time.
 */
public final class GpmSampler {

  /** Order of {@link #values()}. */
  static final int[] METRIC_IDS = {
    NvmlLayout.GPM_GRAPHICS_UTIL,
    NvmlLayout.GPM_SM_UTIL,
    NvmlLayout.GPM_SM_OCCUPANCY,
    NvmlLayout.GPM_ANY_TENSOR_UTIL,
    NvmlLayout.GPM_DRAM_BW_UTIL
  };

  public static final int GRAPHICS = 0;
  public static final int SM = 1;
  public static final int OCCUPANCY = 2;
  public static final int TENSOR = 3;
  public static final int DRAM = 4;

  private static final long MIN_SPACING_NANOS = 100_000_000L;

  private final Nvml nvml;
  private final Pointer device;
  private final int gpuInstanceId;
  private final Memory metricsGet;
  private Pointer previous;
  private Pointer current;
  private long previousAtNanos;
  private boolean havePrevious;
  private volatile double[] values;

  private GpmSampler(
      Nvml nvml,
      Pointer device,
      int gpuInstanceId,
      Memory metricsGet,
      Pointer first,
      Pointer second) {
    this.nvml = nvml;
    this.device = device;
    this.gpuInstanceId = gpuInstanceId;
    this.metricsGet = metricsGet;
    this.previous = first;
    this.current = second;
  }

  /**
   * A sampler for the whole GPU ({@code gpuInstanceId < 0}) or one of its GPU instances; null
   * when NVML cannot allocate samples (no GPM in this driver).
   */
  static GpmSampler create(Nvml nvml, Pointer device, int gpuInstanceId, Memory metricsGet) {
    Memory out = new Memory(Native.POINTER_SIZE);
    if (nvml.call(NvmlSymbol.GPM_SAMPLE_ALLOC, out) != NvmlReturn.SUCCESS) {
      return null;
    }
    Pointer first = out.getPointer(0);
    if (nvml.call(NvmlSymbol.GPM_SAMPLE_ALLOC, out) != NvmlReturn.SUCCESS) {
      nvml.call(NvmlSymbol.GPM_SAMPLE_FREE, first);
      return null;
    }
    return new GpmSampler(nvml, device, gpuInstanceId, metricsGet, first, out.getPointer(0));
  }

  /** Takes a sample and, once two exist far enough apart, computes the values. */
  void sample() {
    int rc =
        gpuInstanceId < 0
            ? nvml.call(NvmlSymbol.GPM_SAMPLE_GET, device, current)
            : nvml.call(NvmlSymbol.GPM_MIG_SAMPLE_GET, device, gpuInstanceId, current);
    long now = System.nanoTime();
    if (rc != NvmlReturn.SUCCESS) {
      havePrevious = false;
      values = null;
      return;
    }
    if (havePrevious && now - previousAtNanos >= MIN_SPACING_NANOS) {
      values = compute(previous, current);
    }
    if (!havePrevious || now - previousAtNanos >= MIN_SPACING_NANOS) {
      Pointer swap = previous;
      previous = current;
      current = swap;
      previousAtNanos = now;
      havePrevious = true;
    }
  }

  private double[] compute(Pointer first, Pointer second) {
    metricsGet.setInt(0, NvmlLayout.GPM_METRICS_GET_VERSION);
    metricsGet.setInt(NvmlLayout.GPM_METRICS_GET_NUM_METRICS, METRIC_IDS.length);
    metricsGet.setPointer(NvmlLayout.GPM_METRICS_GET_SAMPLE1, first);
    metricsGet.setPointer(NvmlLayout.GPM_METRICS_GET_SAMPLE2, second);
    for (int i = 0; i < METRIC_IDS.length; i++) {
      long entry = NvmlLayout.GPM_METRICS_GET_METRICS + (long) i * NvmlLayout.GPM_METRIC_SIZE;
      metricsGet.setInt(entry + NvmlLayout.GPM_METRIC_ID, METRIC_IDS[i]);
      metricsGet.setInt(entry + NvmlLayout.GPM_METRIC_RETURN, NvmlReturn.UNKNOWN);
    }
    if (nvml.call(NvmlSymbol.GPM_METRICS_GET, metricsGet) != NvmlReturn.SUCCESS) {
      return null;
    }
    double[] out = new double[METRIC_IDS.length];
    for (int i = 0; i < METRIC_IDS.length; i++) {
      long entry = NvmlLayout.GPM_METRICS_GET_METRICS + (long) i * NvmlLayout.GPM_METRIC_SIZE;
      out[i] =
          metricsGet.getInt(entry + NvmlLayout.GPM_METRIC_RETURN) == NvmlReturn.SUCCESS
              ? metricsGet.getDouble(entry + NvmlLayout.GPM_METRIC_VALUE)
              : Double.NaN;
    }
    return out;
  }

  /** The latest values by {@link #GRAPHICS}…{@link #DRAM} (NaN where unsupported), or null. */
  public double[] values() {
    return values;
  }

  void close() {
    nvml.call(NvmlSymbol.GPM_SAMPLE_FREE, previous);
    nvml.call(NvmlSymbol.GPM_SAMPLE_FREE, current);
  }
}
