package io.telegen.gpu;

import io.telegen.testsupport.BuildOutputs;
import io.telegen.testsupport.GpuTestResources;
import io.telegen.testsupport.NativeEnvironment;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The fake {@code libamd_smi.so} builds made from {@code src/test/native/fake-amdsmi} by this
 * module's {@code generate-test-resources} phase, and their scenario files ({@code
 * src/test/resources/amdsmi}). The fake reads its scenario from the environment at the first
 * {@code amdsmi_init}; after the last {@code amdsmi_shut_down} the next init reads it again.
 */
public final class FakeAmdSmi {

  /** AMD SMI 26.x (ROCm 7), every entry point. */
  public static final String CURRENT = "current";

  /** AMD SMI 24.x (ROCm 6): the older struct layouts. */
  public static final String ROCM6 = "rocm6";

  /** 26.x without amdsmi_get_energy_count, amdsmi_get_gpu_memory_total and _usage. */
  public static final String MISSING_SYMBOLS = "missing-symbols";

  private FakeAmdSmi() {}

  /** Options on the fake ROCm SMI playing {@code scenario}, process names from {@code proc}. */
  public static GpuOptions rocmSmiOptions(String scenario, Path procRoot) {
    GpuTestResources.useAmdSmiScenario(scenario);
    return GpuOptions.builder()
        .rocmSmiLibrary(BuildOutputs.fakeRocmSmi())
        .procRoot(procRoot)
        .build();
  }

  /** The {@code variant} build of the fake library. */
  public static Path library(String variant) {
    return BuildOutputs.fakeAmdSmi(variant);
  }

  /** Options on the {@code variant} build playing {@code scenario}, process names from {@code proc}. */
  public static GpuOptions options(String scenario, String variant, Path procRoot) {
    GpuTestResources.useAmdSmiScenario(scenario);
    return GpuOptions.builder()
        .amdSmiLibrary(BuildOutputs.fakeAmdSmi(variant))
        .procRoot(procRoot)
        .build();
  }

  /**
   * Writes the fake's control file: each token {@code N:STATUS} (e.g. {@code 1:DRM_ERROR}) makes
   * every call on GPU N answer that status; no token, every GPU answers.
   */
  public static void control(Path file, String... tokens) throws IOException {
    Files.writeString(file, String.join(" ", tokens) + "\n");
    NativeEnvironment.set(GpuTestResources.AMD_SMI_CONTROL_VARIABLE, file.toString());
  }
}
