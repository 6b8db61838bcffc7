package dev.grpcpair.post;

import com.google.common.base.Ticker;
import dev.grpcpair.common.config.DurationConverter;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Whether the User service implements {@code BatchGetUsers}. It may not: a User server of the
 * original contract (GetUser and ListUsers only), an older release during a rolling upgrade, or
 * another implementation. Once it answers UNIMPLEMENTED, the {@link UserClient} looks users up one
 * {@code GetUser} at a time for {@link #RETRY_AFTER}, then tries the batch again; each switch is
 * logged once.
 */
final class BatchSupport {

  static final Duration RETRY_AFTER = Duration.ofSeconds(30);

  private static final Logger log = LoggerFactory.getLogger(BatchSupport.class);

  private final String target;
  private final Ticker ticker;
  private final AtomicBoolean missing = new AtomicBoolean();
  private volatile long retryAt;

  BatchSupport(String target, Ticker ticker) {
    this.target = target;
    this.ticker = ticker;
  }

  /** True while the batch is known to be missing and not yet due for another try. */
  boolean assumedMissing() {
    return missing.get() && ticker.read() - retryAt < 0;
  }

  void markMissing() {
    retryAt = ticker.read() + RETRY_AFTER.toNanos();
    if (missing.compareAndSet(false, true)) {
      log.warn(
          "user service at {} does not implement BatchGetUsers: looking users up one GetUser at a"
              + " time, trying the batch again every {}",
          target,
          DurationConverter.format(RETRY_AFTER));
    }
  }

  void markPresent() {
    if (missing.compareAndSet(true, false)) {
      log.info("user service at {} implements BatchGetUsers again", target);
    }
  }
}
