package dev.grpcpair.common.testing;

import java.time.Duration;
import java.util.concurrent.Callable;

/** Polls a condition until it holds or a deadline passes: the tests' only way to wait. */
public final class Eventually {

  private static final Duration POLL_INTERVAL = Duration.ofMillis(25);

  private Eventually() {}

  /** A check that throws (an {@link AssertionError}, say) while it does not hold yet. */
  @FunctionalInterface
  public interface Check {
    void run() throws Exception;
  }

  /** Runs {@code check} until it passes; after {@code timeout}, rethrows its last failure. */
  public static void holds(Duration timeout, Check check) throws Exception {
    within(
        timeout,
        () -> {
          check.run();
          return null;
        });
  }

  /**
   * Runs {@code check} repeatedly for {@code period} and fails as soon as it fails: for what must
   * <em>not</em> happen (a server producing ahead of its client), which no event announces.
   */
  public static void staysTrue(Duration period, Check check) throws Exception {
    long end = System.nanoTime() + period.toNanos();
    do {
      check.run();
      Thread.sleep(POLL_INTERVAL.toMillis());
    } while (System.nanoTime() - end < 0);
    check.run();
  }

  /**
   * Calls {@code attempt} until it returns without throwing, and returns its result; after
   * {@code timeout}, rethrows the last failure.
   */
  public static <T> T within(Duration timeout, Callable<T> attempt) throws Exception {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (true) {
      try {
        return attempt.call();
      } catch (Exception | AssertionError e) {
        if (System.nanoTime() - deadline > 0) {
          throw e;
        }
      }
      Thread.sleep(POLL_INTERVAL.toMillis());
    }
  }
}
