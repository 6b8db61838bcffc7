package dev.grpcpair.common.observability;

import java.io.BufferedOutputStream;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.concurrent.TimeUnit;

/**
 * Where the servers' log lines go: standard error, written in batches and stamped with the time.
 *
 * <p>slf4j-simple prints each line to {@code System.err} and flushes it: one system call per line,
 * made on the event loop thread that served the call, the largest part of the access log's cost
 * (docs/performance.md, "What was tried"). Here lines collect in a 64 KiB buffer that a daemon
 * thread writes out every 100 ms, and that is written out at exit; a line reaches the terminal at
 * most that much later.
 *
 * <p>The time in front of each line ({@code 2026-11-29T06:18:02.835Z}, UTC) is written here, not by
 * slf4j-simple (its {@code showDateTime} is off in {@code simplelogger.properties}): it formats
 * with a {@code SimpleDateFormat} under a lock, for every line; here the date and time up to the
 * second are formatted once a second.
 */
public final class LogOutput {

  private static final int BUFFER_BYTES = 1 << 16;
  private static final long FLUSH_MILLIS = 100;

  private static volatile Batched installed;

  private LogOutput() {}

  /** Batches {@code System.err} for the rest of the process; call before logging anything. */
  public static synchronized void install() {
    if (installed != null) {
      return;
    }
    Batched batched =
        new Batched(
            new BufferedOutputStream(new FileOutputStream(FileDescriptor.err), BUFFER_BYTES));
    System.setErr(batched);
    installed = batched;
    Thread flusher = new Thread(LogOutput::flushForever, "log-flush");
    flusher.setDaemon(true);
    flusher.start();
    Runtime.getRuntime().addShutdownHook(new Thread(LogOutput::flush, "log-flush-at-exit"));
  }

  /**
   * Writes out every 100 ms until the process ends. Nothing stops it: an error here (an
   * OutOfMemoryError while another thread exhausts the heap, say) would otherwise end the thread,
   * and every later line would wait for the exit.
   */
  private static void flushForever() {
    while (true) {
      try {
        TimeUnit.MILLISECONDS.sleep(FLUSH_MILLIS);
        flush();
      } catch (InterruptedException e) {
        return;
      } catch (Throwable e) {
        // Keep flushing; the error belongs to whoever exhausted the heap, and is theirs to report.
      }
    }
  }

  /**
   * Prints {@code line} as {@code System.err.println} would, without making a String of it when the
   * batches are installed: the access log's one line per call.
   */
  public static void println(CharSequence line) {
    PrintStream err = System.err;
    if (err instanceof Batched batched) {
      batched.printLine(line);
    } else {
      err.println(line.toString());
    }
  }

  /** Writes out what is buffered: the last lines of a hook that runs beside this one's. */
  public static void flush() {
    Batched batched = installed;
    if (batched != null) {
      batched.writeOut();
    }
  }

  /**
   * A print stream that stamps each line printed whole ({@code println(String)}, which is how
   * slf4j-simple prints a line; a stack trace's lines stay as they are) and ignores its writers'
   * flushes: the batches are written out above.
   */
  static final class Batched extends PrintStream {
    private static final DateTimeFormatter TO_THE_SECOND =
        DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.").withZone(ZoneOffset.UTC);
    private static final byte[] NEWLINE =
        System.lineSeparator().getBytes(StandardCharsets.US_ASCII);

    private long second = Long.MIN_VALUE;
    private byte[] secondText = new byte[0];
    // A line is assembled here and written in one piece: an access-log line a call, so no string
    // is built and encoded for it (lines that are not ASCII take the encoder).
    private byte[] line = new byte[256];

    Batched(BufferedOutputStream out) {
      super(out, false, StandardCharsets.UTF_8);
    }

    @Override
    public void println(String text) {
      printLine(text);
    }

    synchronized void printLine(CharSequence text) {
      long now = System.currentTimeMillis();
      if (now / 1000 != second) {
        second = now / 1000;
        secondText =
            TO_THE_SECOND.format(Instant.ofEpochSecond(second)).getBytes(StandardCharsets.US_ASCII);
      }
      byte[] body = ascii(text) ? null : text.toString().getBytes(StandardCharsets.UTF_8);
      int bodyLength = body == null ? text.length() : body.length;
      int length = secondText.length + 5 + bodyLength + NEWLINE.length;
      if (line.length < length) {
        line = new byte[Math.max(length, line.length * 2)];
      }
      System.arraycopy(secondText, 0, line, 0, secondText.length);
      int at = secondText.length;
      int millis = (int) (now % 1000);
      line[at++] = (byte) ('0' + millis / 100);
      line[at++] = (byte) ('0' + millis / 10 % 10);
      line[at++] = (byte) ('0' + millis % 10);
      line[at++] = 'Z';
      line[at++] = ' ';
      if (body == null) {
        for (int i = 0; i < bodyLength; i++) {
          line[at++] = (byte) text.charAt(i);
        }
      } else {
        System.arraycopy(body, 0, line, at, bodyLength);
        at += bodyLength;
      }
      System.arraycopy(NEWLINE, 0, line, at, NEWLINE.length);
      write(line, 0, at + NEWLINE.length);
    }

    private static boolean ascii(CharSequence text) {
      for (int i = 0; i < text.length(); i++) {
        if (text.charAt(i) >= 0x80) {
          return false;
        }
      }
      return true;
    }

    @Override
    public void flush() {
      // slf4j-simple flushes after every line; writing out is LogOutput's job.
    }

    void writeOut() {
      super.flush();
    }
  }
}
