package io.telegen.agent.receiver;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import io.grpc.KnownLength;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.SequenceInputStream;
import org.junit.jupiter.api.Test;

/** A received message's bytes are read whole, whether its stream knows its length or not. */
class MessageBodyReadTest {

  private static final byte[] BODY = "0123456789abcdef".getBytes();

  /** A stream that tells {@code available} bytes as its length, as gRPC's message streams do. */
  private static final class Known extends InputStream implements KnownLength {
    private final InputStream in;
    private final int available;

    Known(InputStream in, int available) {
      this.in = in;
      this.available = available;
    }

    @Override
    public int read() throws IOException {
      return in.read();
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
      return in.read(b, off, Math.min(len, 5)); // in pieces, as a composite buffer may
    }

    @Override
    public int available() {
      return available;
    }
  }

  @Test
  void aStreamOfKnownLengthIsReadIntoAnArrayOfThatLength() throws IOException {
    assertArrayEquals(BODY, OtlpReceiver.body(new Known(new ByteArrayInputStream(BODY), 16)));
    assertArrayEquals(new byte[0], OtlpReceiver.body(new Known(InputStream.nullInputStream(), 0)));
  }

  @Test
  void aStreamLongerOrShorterThanItSaysIsStillReadWhole() throws IOException {
    assertArrayEquals(BODY, OtlpReceiver.body(new Known(new ByteArrayInputStream(BODY), 9)));
    assertArrayEquals(BODY, OtlpReceiver.body(new Known(new ByteArrayInputStream(BODY), 40)));
  }

  @Test
  void anInflatingStreamIsReadToItsEnd() throws IOException {
    InputStream unknown =
        new SequenceInputStream(
            new ByteArrayInputStream(BODY, 0, 3), new ByteArrayInputStream(BODY, 3, 13));
    assertArrayEquals(BODY, OtlpReceiver.body(unknown));
  }
}
