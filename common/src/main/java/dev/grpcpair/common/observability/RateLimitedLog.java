package dev.grpcpair.common.observability;

import com.google.common.base.Throwables;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import java.util.function.Supplier;
import java.util.logging.Formatter;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.SimpleFormatter;
import org.slf4j.Logger;

/**
 * A log line for an event that clients can cause at any rate (a failed TLS handshake, a malformed
 * frame, answers dropped for a client that does not read): at most one line a second, which says
 * how many were folded into it since the last. A client failing in a loop cannot fill the disk, and
 * the operator still sees that it happens and how often.
 *
 * <p>Use one instance per kind of event: each kind gets its own line a second.
 */
public final class RateLimitedLog {

  private static final long INTERVAL_NANOS = TimeUnit.SECONDS.toNanos(1);

  private final Logger log;
  private final AtomicLong lastLogged = new AtomicLong(System.nanoTime() - INTERVAL_NANOS);
  private final AtomicInteger unlogged = new AtomicInteger();

  public RateLimitedLog(Logger log) {
    this.log = log;
  }

  /** Logs {@code message} at INFO unless a line was written less than a second ago. */
  public void info(Supplier<String> message) {
    write(message, false);
  }

  /** As {@link #info}, at WARN. */
  public void warn(Supplier<String> message) {
    write(message, true);
  }

  private void write(Supplier<String> message, boolean warn) {
    long now = System.nanoTime();
    long last = lastLogged.get();
    if (now - last < INTERVAL_NANOS || !lastLogged.compareAndSet(last, now)) {
      unlogged.incrementAndGet();
      return;
    }
    int before = unlogged.getAndSet(0);
    String line =
        message.get() + (before == 0 ? "" : " (and " + before + " more since the last such line)");
    if (warn) {
      log.warn(line);
    } else {
      log.info(line);
    }
  }

  /**
   * A line a second for each kind of event, where the kinds come from outside (a library's
   * messages, the exceptions it reports): the first {@code maxKinds} get one each, the others share
   * one, so that no number of kinds can grow memory.
   */
  public static final class Kinds {
    /** Fills in a record's parameters ({@code {0}}), as java.util.logging's handlers do. */
    private static final Formatter MESSAGE = new SimpleFormatter();

    private final Map<String, RateLimitedLog> kinds = new ConcurrentHashMap<>();
    private final int maxKinds;
    private final Function<String, Logger> loggerOf;
    private final RateLimitedLog others;

    /** Each kind's lines go to {@code loggerOf} the kind's name; the others' to {@code others}. */
    public Kinds(int maxKinds, Function<String, Logger> loggerOf, Logger others) {
      this.maxKinds = maxKinds;
      this.loggerOf = loggerOf;
      this.others = new RateLimitedLog(others);
    }

    /**
     * Writes a library's java.util.logging {@code record} as {@code kind}'s line: its message with
     * its parameters filled in, ending with the root cause of its exception if it has one, in place
     * of the stack trace; WARN for WARNING and above, else INFO.
     */
    public void publish(String kind, LogRecord record) {
      Throwable cause =
          record.getThrown() == null ? null : Throwables.getRootCause(record.getThrown());
      String line =
          MESSAGE.formatMessage(record) + (cause == null ? "" : " (cause: " + cause + ")");
      of(kind).write(() -> line, record.getLevel().intValue() >= Level.WARNING.intValue());
    }

    /** The line a second of {@code kind}. */
    public RateLimitedLog of(String kind) {
      RateLimitedLog log = kinds.get(kind);
      if (log != null) {
        return log;
      }
      return kinds.size() < maxKinds
          ? kinds.computeIfAbsent(kind, k -> new RateLimitedLog(loggerOf.apply(k)))
          : others;
    }
  }
}
