package io.telegen.gpu.amd.internal;

/**
 * AMD SMI cannot be used: the library is missing, not AMD SMI, or refuses to initialise.
 *
 * <p>This class is internal and is hence not for public use. Its APIs are unstable and can
 * change at any time.
 */
public final class AmdSmiLoadException extends Exception {

  public AmdSmiLoadException(String message) {
    super(message);
  }
}
