package io.telegen.gpu.amd.internal;

/**
 * AMD SMI or ROCm SMI cannot be used: the library is missing, not the library it should be, or
 * refuses to initialise.
 *
 * <p>This class is internal and is hence not for public use. Its APIs are unstable and can
 * change at any time.
 */
public final class AmdSmiLoadException extends Exception {

  private final boolean libraryMissing;

  public AmdSmiLoadException(String message) {
    this(message, false);
  }

  /**
   * @param libraryMissing the library itself is not on this machine (rather than present and
   *     failing), so the other AMD library may be tried
   */
  public AmdSmiLoadException(String message, boolean libraryMissing) {
    super(message);
    this.libraryMissing = libraryMissing;
  }

  /** Whether the library was not found at all. */
  public boolean libraryMissing() {
    return libraryMissing;
  }
}
