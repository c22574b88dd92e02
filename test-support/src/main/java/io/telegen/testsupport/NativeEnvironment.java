package io.telegen.testsupport;

import com.sun.jna.Library;
import com.sun.jna.Native;

/**
 * The process environment as native code sees it. The fake drivers read their scenario from the
 * environment when they are initialised; libc's {@code setenv} (through JNA) changes what they
 * see, so one test JVM can walk through several scenarios. {@link System#getenv} keeps its copy
 * from JVM start and does not see these changes.
 */
public final class NativeEnvironment {

  private interface LibC extends Library {
    int setenv(String name, String value, int overwrite);

    int unsetenv(String name);
  }

  private static final LibC LIBC = Native.load("c", LibC.class);

  private NativeEnvironment() {}

  /** Sets {@code name} to {@code value}, replacing what was there. */
  public static void set(String name, String value) {
    if (LIBC.setenv(name, value, 1) != 0) {
      throw new IllegalStateException(
          "setenv(" + name + ") failed: errno " + Native.getLastError());
    }
  }

  /** Removes {@code name}; removing a variable that is not set is not an error. */
  public static void unset(String name) {
    if (LIBC.unsetenv(name) != 0) {
      throw new IllegalStateException(
          "unsetenv(" + name + ") failed: errno " + Native.getLastError());
    }
  }
}
