package io.telegen.testsupport;

import java.nio.file.Path;

/**
 * The gpu module's test inputs that other modules' tests use too: fake NVML and AMD SMI scenarios and fake
 * {@code /sys} trees of InfiniBand nodes.
 */
public final class GpuTestResources {

  /** The variable the fake NVML reads its scenario file from when it is initialised. */
  public static final String SCENARIO_VARIABLE = "FAKE_NVML_SCENARIO";

  /** The variable naming the file of GPU indices the fake NVML reports as lost. */
  public static final String LOST_FILE_VARIABLE = "FAKE_NVML_LOST_FILE";

  /** The variable the fake AMD SMI reads its scenario file from when it is initialised. */
  public static final String AMD_SMI_SCENARIO_VARIABLE = "FAKE_AMDSMI_SCENARIO";

  /** The variable naming the fake AMD SMI's control file ({@code N:STATUS}: GPU N fails). */
  public static final String AMD_SMI_CONTROL_VARIABLE = "FAKE_AMDSMI_CONTROL";

  private GpuTestResources() {}

  /** {@code gpu/src/test/resources/amdsmi/<name>.conf}. */
  public static Path amdSmiScenario(String name) {
    return Repository.file("gpu/src/test/resources/amdsmi/" + name + ".conf");
  }

  /**
   * Makes the next {@code amdsmi_init} of the fake AMD SMI in this process play scenario {@code
   * name}, with no GPU failing.
   */
  public static Path useAmdSmiScenario(String name) {
    Path scenario = amdSmiScenario(name);
    NativeEnvironment.set(AMD_SMI_SCENARIO_VARIABLE, scenario.toString());
    NativeEnvironment.unset(AMD_SMI_CONTROL_VARIABLE);
    return scenario;
  }

  /** {@code gpu/src/test/resources/nvml/<name>.conf}. */
  public static Path nvmlScenario(String name) {
    return Repository.file("gpu/src/test/resources/nvml/" + name + ".conf");
  }

  /**
   * Makes the next {@code nvmlInit_v2} of the fake NVML in this process play scenario
   * {@code name}, with no GPU lost.
   */
  public static Path useNvmlScenario(String name) {
    Path scenario = nvmlScenario(name);
    NativeEnvironment.set(SCENARIO_VARIABLE, scenario.toString());
    NativeEnvironment.unset(LOST_FILE_VARIABLE);
    return scenario;
  }

  /** {@code gpu/src/test/resources/infiniband/<name>}, a fake {@code /sys} root. */
  public static Path infinibandSysRoot(String name) {
    return Repository.dir("gpu/src/test/resources/infiniband/" + name);
  }
}
