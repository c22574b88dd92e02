package io.telegen.frameworks.training.tfevents;

import java.util.zip.CRC32C;

/**
 * The masked CRC-32C that TFRecord framing stores after the length and after the data.
 *
 * <p>TFRecord masks the checksum (rotate right by 15, add a constant) because a CRC of data that
 * itself contains CRCs is weak; the mask has to be applied before comparing. One instance per
 * reader, so the JDK's intrinsic CRC32C is reused without allocation. Not thread-safe.
 */
final class MaskedCrc32c {

  private static final int MASK_DELTA = 0xa282ead8;

  private final CRC32C crc = new CRC32C();

  /** The masked CRC-32C of {@code length} bytes of {@code bytes} from {@code offset}. */
  int of(byte[] bytes, int offset, int length) {
    crc.reset();
    crc.update(bytes, offset, length);
    int x = (int) crc.getValue();
    return ((x >>> 15) | (x << 17)) + MASK_DELTA;
  }
}
