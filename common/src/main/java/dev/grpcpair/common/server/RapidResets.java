package dev.grpcpair.common.server;

import java.util.concurrent.TimeUnit;

/**
 * Tells a rapid-reset attack (CVE-2023-44487: streams opened and reset at once, over and over) from
 * a client that cancels many calls among many more it lets finish, on one connection: the attack
 * resets nearly every stream it opens; the Post server resets its User calls only when its own
 * callers go away or a hedged attempt loses, a fraction of its calls. grpc's own bound counts
 * resets alone, so at {@value #MAX_RESETS} per window it would cut off a busy Post server, and
 * every call on its one connection with it (as Envoy does, resets are judged against the streams
 * they are among). The gateway judges its HTTP/2 clients the same way.
 */
public final class RapidResets {

  /** More resets than this in one window, if most of its streams, mark an attack. */
  public static final int MAX_RESETS = 1000;

  /**
   * Resets of any kind a connection may send in one window, whatever else it does: the backstop
   * that grpc and Netty enforce themselves. 10,000 a second: a busy client in a storm of deadlines
   * (a Post server whose callers' deadlines pass, a proxy whose requests time out) resets that many
   * among many more it lets finish.
   */
  public static final int MAX_RESETS_OF_ANY_KIND = 100 * MAX_RESETS;

  /** The window, in seconds. */
  public static final int WINDOW_SECONDS = 10;

  /** Three in four: a hedged call sends at most three attempts and cancels at most two. */
  private static final int ATTACK_SHARE_NUMERATOR = 3;

  private static final int ATTACK_SHARE_DENOMINATOR = 4;
  private static final long WINDOW_NANOS = TimeUnit.SECONDS.toNanos(WINDOW_SECONDS);

  private long windowStart = System.nanoTime();
  private int ended;
  private int resets;

  /**
   * Counts a stream of the connection that ended, {@code reset} by its client or not; true once the
   * client has reset more than {@value #MAX_RESETS} streams in this window, and three in four of
   * them.
   */
  public synchronized boolean ended(boolean reset, long nanoTime) {
    if (nanoTime - windowStart > WINDOW_NANOS) {
      windowStart = nanoTime;
      ended = 0;
      resets = 0;
    }
    ended++;
    if (reset) {
      resets++;
    }
    return resets > MAX_RESETS
        && (long) resets * ATTACK_SHARE_DENOMINATOR >= (long) ended * ATTACK_SHARE_NUMERATOR;
  }

  /** What the client did, for the log line of what was done to its connection. */
  public synchronized String verdict() {
    return "its client reset "
        + resets
        + " of its "
        + ended
        + " streams within "
        + WINDOW_SECONDS
        + " s (rapid reset)";
  }
}
