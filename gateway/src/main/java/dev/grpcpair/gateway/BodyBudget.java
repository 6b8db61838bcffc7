package dev.grpcpair.gateway;

import dev.grpcpair.common.observability.RateLimitedLog;
import io.netty.util.AttributeKey;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.LoggerFactory;

/**
 * The bytes of request bodies the gateway holds, all connections together, from their first byte
 * until the request has been answered or dropped, against one limit. Each body alone is bounded (1
 * MiB), but a client that sends most of a large body on each of many connections and then waits
 * would otherwise have the gateway hold them all until their request timeout, past the direct
 * memory every connection's reads and calls share. Past the limit, the request whose bytes would go
 * over it is answered 429 and its connection closed; the others go on.
 */
final class BodyBudget {

  /** Where a connection's (or HTTP/2 stream's) {@link Hold} is found by its handlers. */
  static final AttributeKey<Hold> HOLD = AttributeKey.valueOf("body-budget-hold");

  private static final RateLimitedLog refusals =
      new RateLimitedLog(LoggerFactory.getLogger(BodyBudget.class));

  private final long limit;
  private final AtomicLong held = new AtomicLong();

  BodyBudget(long limit) {
    this.limit = limit;
  }

  /** A new connection's (or stream's) share: nothing held yet. */
  Hold hold() {
    return new Hold();
  }

  /** The bytes held now, all connections together. */
  long held() {
    return held.get();
  }

  /** What one connection (or stream) holds; used on its event loop only. */
  final class Hold {
    private long bytes;

    /** Holds {@code count} more bytes; false, and nothing held, when the limit would be passed. */
    boolean add(long count, Object peer) {
      if (count == 0) {
        return true; // a request without a body: most of them
      }
      long now;
      do {
        now = held.get();
        if (now + count > limit) {
          long full = now;
          refusals.warn(
              () ->
                  "request bodies held reached "
                      + full
                      + " of --max-held-body-bytes "
                      + limit
                      + ": a request from "
                      + peer
                      + " was answered 429 and its connection (or HTTP/2 stream) closed");
          return false;
        }
      } while (!held.compareAndSet(now, now + count));
      bytes += count;
      return true;
    }

    /** Lets go of {@code count} bytes of what this connection holds (never more than that). */
    void release(long count) {
      long released = Math.min(count, bytes);
      if (released > 0) {
        bytes -= released;
        held.addAndGet(-released);
      }
    }

    /** Lets go of everything: the connection (or stream) has closed. */
    void releaseAll() {
      release(bytes);
    }
  }
}
