package dev.grpcpair.testing;

import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * Records what the process logs (slf4j-simple writes to {@code System.err}, looked up on every
 * line) from its start until closed, still passing it through.
 *
 * <p>{@code System.err} is replaced once, by a stream that copies to every open capture; starting
 * and closing a capture only adds it to and removes it from that list. Captures may so overlap or
 * close in any order (a test's and a helper's, or tests running side by side) without one putting
 * back a stream that another had installed.
 */
public final class LogCapture implements AutoCloseable {

  private static final List<LogCapture> OPEN = new CopyOnWriteArrayList<>();
  private static PrintStream tee;

  private final ByteArrayOutputStream captured = new ByteArrayOutputStream();

  private LogCapture() {}

  public static LogCapture start() {
    teeSystemErr();
    LogCapture capture = new LogCapture();
    OPEN.add(capture);
    return capture;
  }

  /** Puts the copying stream in front of {@code System.err}, unless it is there already. */
  private static synchronized void teeSystemErr() {
    if (System.err == tee) {
      return;
    }
    PrintStream original = System.err;
    OutputStream copying =
        new OutputStream() {
          @Override
          public void write(int b) {
            write(new byte[] {(byte) b}, 0, 1);
          }

          @Override
          public void write(byte[] b, int off, int len) {
            for (LogCapture capture : OPEN) {
              synchronized (capture.captured) {
                capture.captured.write(b, off, len);
              }
            }
            original.write(b, off, len);
          }
        };
    tee = new PrintStream(copying, true, StandardCharsets.UTF_8);
    System.setErr(tee);
  }

  public String text() {
    synchronized (captured) {
      return captured.toString(StandardCharsets.UTF_8);
    }
  }

  @Override
  public void close() {
    System.err.flush();
    OPEN.remove(this);
  }
}
