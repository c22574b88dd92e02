package io.telegen.node;

/** The maker of a GPU, as the {@code vendor} label of every {@code gpu_*} series spells it. */
public enum GpuVendor {
  NVIDIA("nvidia"),
  AMD("amd");

  private final String label;

  GpuVendor(String label) {
    this.label = label;
  }

  /** The {@code vendor} label value: {@code nvidia} or {@code amd}. */
  public String label() {
    return label;
  }
}
