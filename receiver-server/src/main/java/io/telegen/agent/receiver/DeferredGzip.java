package io.telegen.agent.receiver;

import io.grpc.Decompressor;
import java.io.IOException;
import java.io.InputStream;
import java.util.zip.GZIPInputStream;

/**
 * gRPC's gzip decompressor, but reading the gzip header on the first read rather than at once.
 *
 * <p>grpc-java's own reads the header as soon as a message arrives and answers a body that is not
 * gzip with {@code INTERNAL} ("Decompression failed"), which OTLP senders take for a fault of the
 * receiver. Read later, the failure reaches the receiver's marshaller, which answers {@code
 * INVALID_ARGUMENT} like any other body that cannot be decoded.
 */
final class DeferredGzip implements Decompressor {

  @Override
  public String getMessageEncoding() {
    return "gzip";
  }

  @Override
  public InputStream decompress(InputStream compressed) {
    return new InputStream() {
      private InputStream inflated;

      private InputStream inflated() throws IOException {
        if (inflated == null) {
          inflated = new GZIPInputStream(compressed);
        }
        return inflated;
      }

      @Override
      public int read() throws IOException {
        return inflated().read();
      }

      @Override
      public int read(byte[] b, int off, int len) throws IOException {
        return inflated().read(b, off, len);
      }

      @Override
      public void close() throws IOException {
        if (inflated != null) {
          inflated.close();
        } else {
          compressed.close();
        }
      }
    };
  }
}
