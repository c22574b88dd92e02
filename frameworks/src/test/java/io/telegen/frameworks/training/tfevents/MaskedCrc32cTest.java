package io.telegen.frameworks.training.tfevents;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** The masked CRC-32C matches TFRecord's definition. */
class MaskedCrc32cTest {

  @Test
  void checkValueIsMaskedAsTfRecordMasksIt() {
    byte[] check = "123456789".getBytes(StandardCharsets.US_ASCII);
    int crc = 0xe3069283; // the CRC-32C check value of "123456789"
    int masked = ((crc >>> 15) | (crc << 17)) + 0xa282ead8;

    assertEquals(masked, new MaskedCrc32c().of(check, 0, check.length));
  }

  @Test
  void instanceIsReusableAcrossInputs() {
    MaskedCrc32c crc = new MaskedCrc32c();
    byte[] bytes = {1, 2, 3, 4, 5, 6, 7, 8};
    int first = crc.of(bytes, 0, 8);
    crc.of(bytes, 2, 3);

    assertEquals(first, crc.of(bytes, 0, 8));
  }
}
