package io.telegen.gpu.internal;

import com.sun.jna.NativeLibrary;
import java.util.List;
import java.util.Map;

/**
 * Opening a vendor's native library with JNA, for every vendor's binding: the first of several
 * places it may be, and the one line of JNA's error that says why it would not load. Internal,
 * not API.
 */
public final class NativeLibraries {

  private NativeLibraries() {}

  /**
   * The first of {@code candidates} (a name on the library path, or a file) that loads.
   *
   * @param library the library, or null when none loaded
   * @param location the candidate it was loaded from, or null
   * @param lastError why the last candidate did not load, or null when one did
   */
  public record Opened(NativeLibrary library, String location, String lastError) {}

  /** Tries {@code candidates} in order; see {@link Opened}. */
  public static Opened firstThatLoads(List<String> candidates) {
    String lastError = null;
    for (String candidate : candidates) {
      try {
        return new Opened(NativeLibrary.getInstance(candidate, Map.of()), candidate, null);
      } catch (UnsatisfiedLinkError e) {
        lastError = reason(e.getMessage());
      }
    }
    return new Opened(null, null, lastError);
  }

  /**
   * The line of an {@link UnsatisfiedLinkError}'s message that says why (JNA lists every path it
   * tried, each behind "Unable to load library").
   */
  public static String reason(String message) {
    if (message == null) {
      return "unknown error";
    }
    for (String line : message.split("\n")) {
      String trimmed = line.trim();
      if (!trimmed.isEmpty() && !trimmed.startsWith("Unable to load library")) {
        return trimmed;
      }
    }
    return message.trim();
  }
}
