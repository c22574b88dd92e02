package io.telegen.agent.export;

import io.grpc.Compressor;
import java.io.IOException;
import java.io.OutputStream;
import java.util.zip.CRC32;
import java.util.zip.Deflater;

/**
 * gRPC's {@code gzip} message encoding at {@link Deflater#BEST_SPEED}, on one {@link Deflater}
 * per thread that is reset between messages. gRPC's own gzip makes a new {@code
 * GZIPOutputStream} per message at the default level: a fresh zlib state (hundreds of KiB
 * allocated and cleared) and level 6, several times the CPU of level 1 on telemetry, which
 * compresses nearly as well at level 1 (repeated names and labels). The export loop is one
 * thread, so this is one Deflater.
 */
final class FastGzip implements Compressor {

  private static final ThreadLocal<Deflater> DEFLATERS =
      ThreadLocal.withInitial(() -> new Deflater(Deflater.BEST_SPEED, true));

  // RFC 1952: magic, deflate, no flags, no mtime, no extra flags, unknown OS.
  private static final byte[] HEADER = {0x1f, (byte) 0x8b, 8, 0, 0, 0, 0, 0, 0, (byte) 0xff};

  @Override
  public String getMessageEncoding() {
    return "gzip";
  }

  @Override
  public OutputStream compress(OutputStream os) throws IOException {
    return new GzipStream(os, DEFLATERS.get());
  }

  /** One message's gzip stream; closing it ends the member and resets the Deflater. */
  private static final class GzipStream extends OutputStream {
    private final OutputStream out;
    private final Deflater deflater;
    private final CRC32 crc = new CRC32();
    private final byte[] buffer = new byte[8192];
    private long length;
    private boolean closed;

    GzipStream(OutputStream out, Deflater deflater) throws IOException {
      this.out = out;
      this.deflater = deflater;
      deflater.reset();
      out.write(HEADER);
    }

    @Override
    public void write(int b) throws IOException {
      write(new byte[] {(byte) b}, 0, 1);
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
      if (closed) {
        throw new IOException("the gzip stream is closed");
      }
      if (len == 0) {
        return;
      }
      crc.update(b, off, len);
      length += len;
      deflater.setInput(b, off, len);
      while (!deflater.needsInput()) {
        drain();
      }
    }

    private void drain() throws IOException {
      int n = deflater.deflate(buffer, 0, buffer.length, Deflater.NO_FLUSH);
      if (n > 0) {
        out.write(buffer, 0, n);
      }
    }

    @Override
    public void close() throws IOException {
      if (closed) {
        return;
      }
      closed = true;
      deflater.finish();
      while (!deflater.finished()) {
        drain();
      }
      long crcValue = crc.getValue();
      byte[] trailer = new byte[8];
      for (int i = 0; i < 4; i++) {
        trailer[i] = (byte) (crcValue >>> (8 * i));
        trailer[4 + i] = (byte) (length >>> (8 * i));
      }
      out.write(trailer);
      deflater.reset();
      out.close();
    }
  }
}
