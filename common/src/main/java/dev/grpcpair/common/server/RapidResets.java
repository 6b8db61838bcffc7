package dev.grpcpair.common.server;

import io.grpc.Status;
import java.util.concurrent.TimeUnit;

/**
 * Tells a rapid-reset attack (CVE-2023-44487: streams opened and reset at once, over and over) from
 * a client that cancels many calls among many more it lets finish, on one connection: the attack
 * resets nearly every stream it opens; the Post server resets its User calls only when its own
 * callers go away or a hedged attempt loses, a fraction of its calls. grpc's own bound counts
 * resets alone, so at {@value #MAX_RESETS} per window it would cut off a busy Post server, and
 * every call on its one connection with it (as Envoy does, resets are judged against the streams
 * they are among).
 */
final class RapidResets {

  /** More resets than this in one window, if most of its streams, mark an attack. */
  static final int MAX_RESETS = 1000;

  /** Three in four: a hedged call sends at most three attempts and cancels at most two. */
  private static final int ATTACK_SHARE_NUMERATOR = 3;

  private static final int ATTACK_SHARE_DENOMINATOR = 4;
  private static final long WINDOW_NANOS = TimeUnit.SECONDS.toNanos(10);

  private long windowStart = System.nanoTime();
  private int ended;
  private int reset;

  /**
   * Counts a stream of the connection that ended with {@code status}; true once the connection's
   * client has reset more than {@value #MAX_RESETS} streams in this window, and three in four of
   * them. A stream its client reset ends {@code CANCELLED}; one the server ends on its deadline, or
   * to drop unread answers, {@code DEADLINE_EXCEEDED}.
   */
  synchronized boolean ended(Status status, long nanoTime) {
    if (nanoTime - windowStart > WINDOW_NANOS) {
      windowStart = nanoTime;
      ended = 0;
      reset = 0;
    }
    ended++;
    if (status.getCode() == Status.Code.CANCELLED) {
      reset++;
    }
    return reset > MAX_RESETS
        && (long) reset * ATTACK_SHARE_DENOMINATOR >= (long) ended * ATTACK_SHARE_NUMERATOR;
  }

  /** For the log: what the client did. */
  synchronized String describe() {
    return "reset " + reset + " of its " + ended + " streams within 10 s (rapid reset)";
  }
}
