package dev.grpcpair.common.observability;

import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * Where the servers' log lines go: standard error, written by a thread of its own and stamped with
 * the time.
 *
 * <p>slf4j-simple prints each line to {@code System.err} and flushes it: one system call per line,
 * made on the event loop thread that served the call, the largest part of the access log's cost
 * (docs/performance.md, "What was tried"). Here a line is copied into a 64 KiB chunk and the thread
 * {@code log-writer} writes the chunks out, every 100 ms and whenever one is full; a line reaches
 * the terminal at most that much later.
 *
 * <p>No thread that serves calls ever waits for standard error. When what reads it stops (a stuck
 * log collector, a terminal paused with Ctrl-S), writes to it block; the lines that arrive then
 * wait here, up to {@value #MAX_WAITING_BYTES} bytes, and past that they are dropped and counted,
 * and once standard error takes lines again one line says how many were lost. Blocking instead
 * would stop every call the server answers, its health checks included.
 *
 * <p>The time in front of each line ({@code 2026-11-29T06:18:02.835Z}, UTC) is written here, not by
 * slf4j-simple (its {@code showDateTime} is off in {@code simplelogger.properties}): it formats
 * with a {@code SimpleDateFormat} under a lock, for every line; here the date and time up to the
 * second are formatted once a second.
 */
public final class LogOutput {

  /** About 11,000 access-log lines: the writer's pauses on a loaded machine stay well inside it. */
  static final int MAX_WAITING_BYTES = 2 << 20;

  private static final long WRITE_EVERY_NANOS = TimeUnit.MILLISECONDS.toNanos(100);

  /** How long the last lines may take at exit, so that a stuck standard error never holds it. */
  private static final long AT_EXIT_MILLIS = 1000;

  private static volatile Batched installed;

  private LogOutput() {}

  /** Sends {@code System.err} through a writer thread for the rest of the process; call first. */
  public static synchronized void install() {
    if (installed != null) {
      return;
    }
    Batched batched = new Batched(new FileOutputStream(FileDescriptor.err), MAX_WAITING_BYTES);
    System.setErr(batched);
    installed = batched;
    batched.startWriter();
    Runtime.getRuntime().addShutdownHook(new Thread(LogOutput::flush, "log-flush-at-exit"));
  }

  /**
   * Prints {@code line} as {@code System.err.println} would, without making a String of it when the
   * writer is installed: the access log's one line per call.
   */
  public static void println(CharSequence line) {
    PrintStream err = System.err;
    if (err instanceof Batched batched) {
      batched.printLine(line);
    } else {
      err.println(line.toString());
    }
  }

  /**
   * Writes out what is waiting, for at most a second: the last lines of a hook that runs beside
   * this one's.
   */
  public static void flush() {
    Batched batched = installed;
    if (batched != null) {
      batched.writeOut(AT_EXIT_MILLIS);
    }
  }

  /**
   * A print stream that stamps each line printed whole ({@code println(String)}, which is how
   * slf4j-simple prints a line; a stack trace's lines stay as they are), keeps what is printed in
   * {@link Waiting} for the writer, and ignores its callers' flushes.
   */
  static final class Batched extends PrintStream {
    private final Waiting waiting;
    private volatile Thread writer;

    Batched(OutputStream sink, int maxWaitingBytes) {
      this(new Waiting(sink, maxWaitingBytes));
    }

    private Batched(Waiting waiting) {
      super(waiting, false, StandardCharsets.UTF_8);
      this.waiting = waiting;
    }

    @Override
    public void println(String text) {
      printLine(text);
    }

    void printLine(CharSequence text) {
      if (waiting.line(text)) {
        Thread toWake = writer;
        if (toWake != null) {
          LockSupport.unpark(toWake); // a chunk is full: out with it now, not in up to 100 ms
        }
      }
    }

    @Override
    public void flush() {
      // slf4j-simple flushes after every line; writing out is the writer's job.
    }

    /** Writes out every 100 ms, and whenever a chunk fills, until the process ends. */
    void startWriter() {
      Thread thread = new Thread(this::writeForever, "log-writer");
      thread.setDaemon(true);
      writer = thread;
      thread.start();
    }

    private void writeForever() {
      while (true) {
        LockSupport.parkNanos(WRITE_EVERY_NANOS);
        try {
          waiting.writeOut();
        } catch (Throwable e) {
          // Keep writing: an OutOfMemoryError thrown here belongs to whoever exhausted the heap.
        }
      }
    }

    /** Writes out what is waiting now, on this thread. */
    void writeOut() {
      waiting.writeOut();
    }

    /** As {@link #writeOut()}, waiting at most {@code millis} for a standard error that blocks. */
    void writeOut(long millis) {
      Thread thread = new Thread(waiting::writeOut, "log-flush");
      thread.setDaemon(true);
      thread.start();
      try {
        thread.join(millis);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }

  /**
   * What has been printed and not yet written out: full chunks in order, then the one being filled.
   * Printing only copies bytes; writing out happens on the writer's thread, outside the lock
   * printers take.
   */
  static final class Waiting extends OutputStream {
    private static final int CHUNK_BYTES = 1 << 16;
    private static final int SPARE_CHUNKS = 4;
    private static final DateTimeFormatter TO_THE_SECOND =
        DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.").withZone(ZoneOffset.UTC);
    private static final byte[] NEWLINE =
        System.lineSeparator().getBytes(StandardCharsets.US_ASCII);
    private static final long REPORT_EVERY_NANOS = TimeUnit.SECONDS.toNanos(1);

    private final OutputStream sink;
    private final int maxBytes;
    private final Object writing = new Object();

    // Guarded by this.
    private final ArrayDeque<Chunk> full = new ArrayDeque<>();
    private final ArrayDeque<byte[]> spare = new ArrayDeque<>();
    private byte[] filling = new byte[CHUNK_BYTES];
    private int filled;
    private long bytes; // printed and not yet written out, the chunks being written included
    private long second = Long.MIN_VALUE;
    private byte[] secondText = new byte[0];
    private long droppedLines;

    // Guarded by writing.
    private long lost;
    private long lastReport = System.nanoTime() - REPORT_EVERY_NANOS;

    Waiting(OutputStream sink, int maxBytes) {
      this.sink = sink;
      this.maxBytes = maxBytes;
    }

    private record Chunk(byte[] bytes, int length) {}

    /** Adds {@code text} as one stamped line; true when that filled a chunk. */
    boolean line(CharSequence text) {
      // Encoded outside the lock when it must be; an access-log line is ASCII and copied as is.
      byte[] utf8 = ascii(text) ? null : text.toString().getBytes(StandardCharsets.UTF_8);
      int bodyLength = utf8 == null ? text.length() : utf8.length;
      synchronized (this) {
        long now = System.currentTimeMillis(); // under the lock: the lines' stamps never go back
        if (now / 1000 != second) {
          second = now / 1000;
          secondText =
              TO_THE_SECOND
                  .format(Instant.ofEpochSecond(second))
                  .getBytes(StandardCharsets.US_ASCII);
        }
        int length = secondText.length + 5 + bodyLength + NEWLINE.length;
        int chunksBefore = full.size();
        if (!reserve(length)) {
          droppedLines++;
          return false;
        }
        byte[] to = filling;
        int at = filled;
        System.arraycopy(secondText, 0, to, at, secondText.length);
        at += secondText.length;
        int millis = (int) (now % 1000);
        to[at++] = (byte) ('0' + millis / 100);
        to[at++] = (byte) ('0' + millis / 10 % 10);
        to[at++] = (byte) ('0' + millis % 10);
        to[at++] = 'Z';
        to[at++] = ' ';
        if (utf8 == null) {
          for (int i = 0; i < bodyLength; i++) {
            to[at++] = (byte) text.charAt(i);
          }
        } else {
          System.arraycopy(utf8, 0, to, at, bodyLength);
          at += bodyLength;
        }
        System.arraycopy(NEWLINE, 0, to, at, NEWLINE.length);
        filled = at + NEWLINE.length;
        return full.size() > chunksBefore;
      }
    }

    @Override
    public synchronized void write(int b) {
      if (reserve(1)) {
        filling[filled++] = (byte) b;
      }
    }

    @Override
    public synchronized void write(byte[] b, int off, int len) {
      if (reserve(len)) {
        System.arraycopy(b, off, filling, filled, len);
        filled += len;
      } else if (len > 0 && b[off + len - 1] == '\n') {
        droppedLines++;
      }
    }

    /**
     * Makes room for {@code length} more bytes in {@link #filling}, moving it to the full chunks
     * when it has not; false, and nothing kept, when that would keep more than {@code maxBytes}.
     */
    private boolean reserve(int length) {
      if (bytes + length > maxBytes) {
        return false;
      }
      bytes += length;
      if (filled + length > filling.length) {
        if (filled > 0) {
          full.add(new Chunk(filling, filled));
        }
        byte[] next = length <= CHUNK_BYTES ? spare.poll() : null;
        filling = next != null ? next : new byte[Math.max(CHUNK_BYTES, length)];
        filled = 0;
      }
      return true;
    }

    /**
     * Writes out what is waiting, in order, and then, at most once a second, how many lines were
     * dropped since the last such line. One writer at a time; printers go on while it writes.
     */
    void writeOut() {
      synchronized (writing) {
        List<Chunk> batch = new ArrayList<>();
        synchronized (this) {
          batch.addAll(full);
          full.clear();
          if (filled > 0) {
            batch.add(new Chunk(filling, filled));
            byte[] next = spare.poll();
            filling = next != null ? next : new byte[CHUNK_BYTES];
            filled = 0;
          }
          lost += droppedLines;
          droppedLines = 0;
        }
        long written = 0;
        for (Chunk chunk : batch) {
          try {
            sink.write(chunk.bytes(), 0, chunk.length());
          } catch (IOException e) {
            // Standard error is closed: nothing can be told, and printing goes on.
          }
          written += chunk.length();
        }
        synchronized (this) {
          bytes -= written;
          for (Chunk chunk : batch) {
            if (chunk.bytes().length == CHUNK_BYTES && spare.size() < SPARE_CHUNKS) {
              spare.add(chunk.bytes());
            }
          }
        }
        if (lost > 0 && System.nanoTime() - lastReport >= REPORT_EVERY_NANOS) {
          lastReport = System.nanoTime();
          line(
              "["
                  + Thread.currentThread().getName()
                  + "] [WARN] LogOutput - "
                  + lost
                  + " log lines dropped: standard error did not take them as fast as they came"
                  + " (at most "
                  + (maxBytes >> 10)
                  + " KiB of lines wait for it)");
          lost = 0;
        }
        try {
          sink.flush();
        } catch (IOException e) {
          // As above.
        }
      }
    }

    private static boolean ascii(CharSequence text) {
      for (int i = 0; i < text.length(); i++) {
        if (text.charAt(i) >= 0x80) {
          return false;
        }
      }
      return true;
    }
  }
}
