package io.telegen.agent.export;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.util.Random;
import java.util.zip.GZIPInputStream;
import org.junit.jupiter.api.Test;

/** Each message is a whole gzip member that any gunzip reads back, with the Deflater reused. */
class FastGzipTest {

  private static byte[] gunzip(byte[] gzip) throws Exception {
    try (GZIPInputStream in = new GZIPInputStream(new ByteArrayInputStream(gzip))) {
      return in.readAllBytes();
    }
  }

  private static byte[] gzip(FastGzip codec, byte[] message, int chunk) throws Exception {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (OutputStream stream = codec.compress(out)) {
      for (int at = 0; at < message.length; at += chunk) {
        stream.write(message, at, Math.min(chunk, message.length - at));
      }
    }
    return out.toByteArray();
  }

  @Test
  void messagesOneAfterAnotherOnOneDeflaterReadBack() throws Exception {
    FastGzip codec = new FastGzip();
    Random random = new Random(7);
    byte[] noise = new byte[300_000];
    random.nextBytes(noise); // incompressible: the output outgrows every buffer
    byte[] telemetry =
        "vllm:num_requests_running{model_name=\"llama\"} 3\n".repeat(5000).getBytes();
    for (byte[] message : new byte[][] {telemetry, new byte[0], noise, {42}, telemetry}) {
      assertArrayEquals(message, gunzip(gzip(codec, message, 8192)));
      assertArrayEquals(message, gunzip(gzip(codec, message, 1 << 20)));
    }
  }
}
