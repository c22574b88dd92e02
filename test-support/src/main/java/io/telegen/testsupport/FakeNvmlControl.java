package io.telegen.testsupport;

import com.sun.jna.NativeLibrary;
import java.util.Map;

/**
 * The test controls the fake {@code libnvidia-ml.so.1} exports beside the NVML ABI: hold one
 * device call "in the driver", as a real driver stuck on a GPU does, and count the calls that
 * reach it. The controls act on the same loaded library the JNA binding uses.
 */
public final class FakeNvmlControl {

  private FakeNvmlControl() {}

  /**
   * Makes the next call of the device entry point {@code symbol} (e.g. {@code
   * nvmlDeviceGetUtilizationRates}) hang until {@link #release}, or until {@code timeoutMs} so
   * that a broken test cannot hang the build; that symbol's calls are counted from now on ({@link
   * #watchedCalls}).
   */
  public static void blockNext(String symbol, int timeoutMs) {
    fake().getFunction("fakeNvmlBlockNext").invokeVoid(new Object[] {symbol, timeoutMs});
  }

  /** Lets the blocked call return. */
  public static void release() {
    fake().getFunction("fakeNvmlRelease").invokeVoid(new Object[0]);
  }

  /** Calls blocked in the fake driver now. */
  public static int blockedCalls() {
    return fake().getFunction("fakeNvmlBlockedCalls").invokeInt(new Object[0]);
  }

  /** Calls of the symbol given to {@link #blockNext} since then. */
  public static long watchedCalls() {
    return fake().getFunction("fakeNvmlWatchedCalls").invokeLong(new Object[0]);
  }

  /**
   * A driver reload or reset of GPU {@code index}: its energy and NVLink counters restart from 0,
   * so the next readings are below the last ones.
   */
  public static void resetCounters(int index) {
    fake().getFunction("fakeNvmlResetCounters").invokeVoid(new Object[] {index});
  }

  /**
   * Misuses the fake has seen since it was loaded: a GPM call given a sample that is freed (or was
   * never allocated), a sample freed while a call is blocked in the driver, {@code nvmlShutdown}
   * while a call is. Each is also printed to stderr as {@code fake-nvml: misuse: ...}.
   */
  public static long misuses() {
    return fake().getFunction("fakeNvmlMisuses").invokeLong(new Object[0]);
  }

  private static NativeLibrary fake() {
    return NativeLibrary.getInstance(BuildOutputs.fakeNvml().toString(), Map.of());
  }
}
