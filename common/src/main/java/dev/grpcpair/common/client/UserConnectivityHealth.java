package dev.grpcpair.common.client;

import dev.grpcpair.common.config.DurationConverter;
import io.grpc.ConnectivityState;
import io.grpc.ManagedChannel;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reports NOT_SERVING while a channel to the User service has had no READY connection for longer
 * than a grace period, and SERVING again as soon as it has one: a Post server that cannot fill in
 * authors, or a gateway that cannot reach users, is of no use to a load balancer. Each server says
 * where the status goes (its gRPC health service, an HTTP health check).
 *
 * <p>It asks the channel to connect whenever it is idle, so the connection is made at start-up
 * rather than on the first call (start-up itself never waits for it). How soon a replica that was
 * down is tried again is the channel's ({@link ReconnectPacing}).
 */
public final class UserConnectivityHealth implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(UserConnectivityHealth.class);

  private final ManagedChannel channel;
  private final String target;
  private volatile Consumer<ServingStatus> health;
  private final Duration grace;
  private final ScheduledExecutorService timer =
      Executors.newSingleThreadScheduledExecutor(
          runnable -> {
            Thread thread = new Thread(runnable, "user-connectivity-health");
            thread.setDaemon(true);
            return thread;
          });
  private ScheduledFuture<?> notServingSoon;
  private ServingStatus reported = ServingStatus.SERVING;
  private boolean closed;

  public UserConnectivityHealth(ManagedChannel channel, String target, Duration grace) {
    this.channel = channel;
    this.target = target;
    this.grace = grace;
  }

  /**
   * Starts watching, reporting every status to {@code health} (the server's, once it has started),
   * on one thread, never two at once.
   */
  public void start(Consumer<ServingStatus> health) {
    this.health = health;
    timer.execute(this::onStateChange);
  }

  /** Runs on {@link #timer}, so state and health updates are never concurrent. */
  private void onStateChange() {
    if (closed) {
      return;
    }
    ConnectivityState state = channel.getState(true);
    if (state == ConnectivityState.READY) {
      if (notServingSoon != null) {
        notServingSoon.cancel(false);
        notServingSoon = null;
      }
      report(ServingStatus.SERVING);
    } else if (notServingSoon == null) {
      notServingSoon =
          timer.schedule(
              () -> {
                log.warn(
                    "no READY connection to the user service at {} for {}: reporting NOT_SERVING",
                    target,
                    DurationConverter.format(grace));
                report(ServingStatus.NOT_SERVING);
              },
              grace.toNanos(),
              TimeUnit.NANOSECONDS);
    }
    channel.notifyWhenStateChanged(state, this::onStateChangeSoon);
  }

  private void onStateChangeSoon() {
    try {
      timer.execute(this::onStateChange);
    } catch (RejectedExecutionException stopped) {
      // Closed: the server is stopping and its health no longer changes.
    }
  }

  private void report(ServingStatus status) {
    if (status != reported) {
      reported = status;
      if (status == ServingStatus.SERVING) {
        log.info("user service at {} is reachable again: reporting SERVING", target);
      }
    }
    health.accept(status);
  }

  @Override
  public void close() {
    timer.execute(() -> closed = true);
    timer.shutdown();
  }

  @Override
  public String toString() {
    return "UserConnectivityHealth{" + target + "}";
  }
}
