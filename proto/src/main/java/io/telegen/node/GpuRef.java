package io.telegen.node;

import java.util.Collection;
import java.util.Comparator;
import java.util.Objects;
import java.util.TreeSet;

/**
 * One GPU of this node, or one MIG device of a GPU: what a process runs on. Two GPUs of different
 * vendors with the same driver index are different references, so an NVIDIA GPU 0 and an AMD
 * GPU 0 are never confused.
 *
 * <p>Ordered by vendor, index, then MIG device (a whole GPU before its MIG devices), which is the
 * order {@link #gpuLabel(Collection)} renders.
 *
 * @param vendor who made the GPU
 * @param index the GPU's index as its driver enumerates it (NVML, ROCm SMI), the {@code device}
 *     label; for a MIG device the parent GPU's index
 * @param uuid the GPU's UUID, the {@code uuid} label; for a MIG device the parent's UUID
 * @param mig the MIG device on that GPU, or null for the whole GPU
 */
public record GpuRef(GpuVendor vendor, int index, String uuid, MigDevice mig)
    implements Comparable<GpuRef> {

  private static final Comparator<GpuRef> ORDER =
      Comparator.comparing(GpuRef::vendor)
          .thenComparingInt(GpuRef::index)
          .thenComparing(GpuRef::uuid)
          .thenComparing(
              GpuRef::mig,
              Comparator.nullsFirst(
                  Comparator.comparingInt(MigDevice::gpuInstanceId)
                      .thenComparingInt(MigDevice::computeInstanceId)
                      .thenComparing(MigDevice::uuid)
                      .thenComparing(MigDevice::label)));

  public GpuRef {
    Objects.requireNonNull(vendor, "vendor");
    Objects.requireNonNull(uuid, "uuid");
    if (index < 0) {
      throw new IllegalArgumentException("a GPU index is 0 or more, got " + index);
    }
  }

  /** A whole GPU. */
  public static GpuRef gpu(GpuVendor vendor, int index, String uuid) {
    return new GpuRef(vendor, index, uuid, null);
  }

  /** A MIG device of the GPU {@code index}/{@code uuid}. */
  public static GpuRef mig(GpuVendor vendor, int index, String uuid, MigDevice mig) {
    return new GpuRef(vendor, index, uuid, Objects.requireNonNull(mig, "mig"));
  }

  /** True for a MIG device, false for a whole GPU. */
  public boolean isMig() {
    return mig != null;
  }

  /** The whole GPU: this reference for a GPU, the parent GPU for a MIG device. */
  public GpuRef gpu() {
    return mig == null ? this : new GpuRef(vendor, index, uuid, null);
  }

  /**
   * The {@code gpu} label of one device, as the metric catalog documents it: the GPU index, equal
   * to the GPU series' {@code device} label (the parent's index for a MIG device).
   */
  public String gpuLabel() {
    return Integer.toString(index);
  }

  /**
   * The {@code gpu} label of a server or process on several devices: the distinct indices in
   * ascending order, comma-joined ({@code "0"}, {@code "0,1"}); empty for no device. The label
   * carries no vendor or MIG device, as the catalog defines it.
   */
  public static String gpuLabel(Collection<GpuRef> gpus) {
    TreeSet<Integer> indices = new TreeSet<>();
    for (GpuRef gpu : gpus) {
      indices.add(gpu.index());
    }
    StringBuilder joined = new StringBuilder();
    for (Integer index : indices) {
      joined.append(joined.length() == 0 ? "" : ",").append(index);
    }
    return joined.toString();
  }

  @Override
  public int compareTo(GpuRef other) {
    return ORDER.compare(this, other);
  }

  @Override
  public String toString() {
    return vendor.label()
        + " GPU "
        + index
        + " ("
        + uuid
        + ")"
        + (mig == null ? "" : " MIG " + mig.label());
  }
}
