package dev.grpcpair.testing;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import java.util.Arrays;

/**
 * An HTTP/2 server written by hand, for what a client writes on the wire: it sends its (empty)
 * SETTINGS to the first connection, so that the client starts its calls, keeps every byte the
 * client sends and answers nothing.
 */
public final class RawHttp2Listener implements AutoCloseable {

  private static final byte[] EMPTY_SETTINGS = {0, 0, 0, 0x4, 0, 0, 0, 0, 0};

  private final ServerSocket listener = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
  private final ByteArrayOutputStream received = new ByteArrayOutputStream();
  private final Thread reader = new Thread(this::readFirstConnection, "raw-http2-listener");

  public RawHttp2Listener() throws IOException {
    reader.setDaemon(true);
    reader.start();
  }

  /** The port it listens on, chosen by the system. */
  public int port() {
    return listener.getLocalPort();
  }

  /**
   * Waits until what the client sent contains {@code expected}, for at most {@code within}; returns
   * whether it did.
   */
  public boolean awaitReceived(byte[] expected, Duration within) throws InterruptedException {
    long deadline = System.nanoTime() + within.toNanos();
    synchronized (received) {
      while (!contains(received.toByteArray(), expected)) {
        long left = deadline - System.nanoTime();
        if (left <= 0) {
          return false;
        }
        received.wait(Math.max(1, left / 1_000_000));
      }
      return true;
    }
  }

  @Override
  public void close() {
    try {
      listener.close();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private void readFirstConnection() {
    try (Socket client = listener.accept();
        InputStream in = client.getInputStream()) {
      client.getOutputStream().write(EMPTY_SETTINGS);
      byte[] buffer = new byte[8192];
      for (int read; (read = in.read(buffer)) >= 0; ) {
        synchronized (received) {
          received.write(buffer, 0, read);
          received.notifyAll();
        }
      }
    } catch (IOException closed) {
      // The listener or the client closed: nothing more to keep.
    }
  }

  private static boolean contains(byte[] bytes, byte[] expected) {
    for (int at = 0; at + expected.length <= bytes.length; at++) {
      if (Arrays.equals(bytes, at, at + expected.length, expected, 0, expected.length)) {
        return true;
      }
    }
    return false;
  }
}
