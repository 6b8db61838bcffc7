package dev.grpcpair.common.observability;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;
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
}
