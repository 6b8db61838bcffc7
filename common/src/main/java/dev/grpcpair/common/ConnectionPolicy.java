package dev.grpcpair.common;

import java.time.Duration;

/**
 * How a server treats connections: its own keepalive pings, which client pings it permits, and
 * how long a connection may live.
 *
 * @param keepAliveTime ping a client after this long without reads, to find dead connections
 * @param keepAliveTimeout close the connection if a ping is not answered within this
 * @param permitKeepAliveTime the shortest ping interval allowed to clients; faster pingers get
 *     GOAWAY {@code too_many_pings}
 * @param permitKeepAliveWithoutCalls whether clients may ping while they have no call open
 * @param maxConnectionIdle close connections idle this long; null: never
 * @param maxConnectionAge close connections (gracefully, with GOAWAY) after this long, so that
 *     clients reconnect and re-resolve, spreading load to new replicas; null: never
 * @param maxConnectionAgeGrace how long calls may run on after that GOAWAY; null: as long as they need
 */
public record ConnectionPolicy(
    Duration keepAliveTime,
    Duration keepAliveTimeout,
    Duration permitKeepAliveTime,
    boolean permitKeepAliveWithoutCalls,
    Duration maxConnectionIdle,
    Duration maxConnectionAge,
    Duration maxConnectionAgeGrace) {

  /**
   * The defaults. Clients may ping every 20s, below the UserClient's 30s keepalive, so our own
   * client never trips {@code too_many_pings} on our own server.
   */
  public static final ConnectionPolicy DEFAULT =
      new ConnectionPolicy(
          Duration.ofMinutes(1), Duration.ofSeconds(20), Duration.ofSeconds(20), false, null, null, null);

  public ConnectionPolicy withMaxConnectionAge(Duration age, Duration grace) {
    return new ConnectionPolicy(
        keepAliveTime, keepAliveTimeout, permitKeepAliveTime, permitKeepAliveWithoutCalls, maxConnectionIdle, age, grace);
  }

  public ConnectionPolicy withPermitKeepAlive(Duration time, boolean withoutCalls) {
    return new ConnectionPolicy(
        keepAliveTime, keepAliveTimeout, time, withoutCalls, maxConnectionIdle, maxConnectionAge, maxConnectionAgeGrace);
  }

  /** One line for the start-up log. */
  public String describe() {
    return "keepalive "
        + Durations.format(keepAliveTime)
        + "/"
        + Durations.format(keepAliveTimeout)
        + ", clients may ping every "
        + Durations.format(permitKeepAliveTime)
        + (permitKeepAliveWithoutCalls ? " (also without calls)" : "")
        + ", max idle "
        + orNever(maxConnectionIdle)
        + ", max age "
        + orNever(maxConnectionAge)
        + (maxConnectionAge == null ? "" : " + grace " + orNever(maxConnectionAgeGrace));
  }

  private static String orNever(Duration duration) {
    return duration == null ? "never" : Durations.format(duration);
  }
}
