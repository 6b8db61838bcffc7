package dev.grpcpair.post;

import dev.grpcpair.common.Durations;
import java.nio.file.Path;
import java.time.Duration;

/**
 * How the UserClient's channel balances, retries and keeps connections alive.
 *
 * @param serviceConfig a grpc service config (JSON) with the load-balancing policy, client-side
 *     health checking and the retry policy; null: the embedded {@code user-service-config.json}
 * @param lbPolicy {@code pick_first} or {@code round_robin}, overriding the service config's; null:
 *     the service config's
 * @param waitForReady whether a call waits (within its deadline) for a User replica to become
 *     reachable instead of failing at once with UNAVAILABLE
 * @param keepAliveTime ping the User server after this long without traffic (grpc raises values
 *     under 10s to 10s)
 * @param keepAliveTimeout declare the connection dead if a ping is not answered within this
 * @param keepAliveWithoutCalls whether to ping while no call is open
 * @param unavailableGrace how long the Post server stays SERVING without a READY connection to any
 *     User replica
 */
public record UserChannelPolicy(
    Path serviceConfig,
    String lbPolicy,
    boolean waitForReady,
    Duration keepAliveTime,
    Duration keepAliveTimeout,
    boolean keepAliveWithoutCalls,
    Duration unavailableGrace) {

  public static final UserChannelPolicy DEFAULT =
      new UserChannelPolicy(
          null, null, false, Duration.ofSeconds(30), Duration.ofSeconds(10), false, Duration.ofSeconds(10));

  public UserChannelPolicy withLbPolicy(String policy) {
    return new UserChannelPolicy(
        serviceConfig, policy, waitForReady, keepAliveTime, keepAliveTimeout, keepAliveWithoutCalls, unavailableGrace);
  }

  public UserChannelPolicy withServiceConfig(Path file) {
    return new UserChannelPolicy(
        file, lbPolicy, waitForReady, keepAliveTime, keepAliveTimeout, keepAliveWithoutCalls, unavailableGrace);
  }

  public UserChannelPolicy withKeepAlive(Duration time, Duration timeout, boolean withoutCalls) {
    return new UserChannelPolicy(serviceConfig, lbPolicy, waitForReady, time, timeout, withoutCalls, unavailableGrace);
  }

  public UserChannelPolicy withUnavailableGrace(Duration grace) {
    return new UserChannelPolicy(
        serviceConfig, lbPolicy, waitForReady, keepAliveTime, keepAliveTimeout, keepAliveWithoutCalls, grace);
  }

  /** One line for the start-up log. */
  public String describe() {
    return "service config "
        + (serviceConfig == null ? "embedded" : serviceConfig)
        + (lbPolicy == null ? "" : ", lb " + lbPolicy)
        + (waitForReady ? ", wait for ready" : "")
        + ", keepalive "
        + Durations.format(keepAliveTime)
        + "/"
        + Durations.format(keepAliveTimeout)
        + (keepAliveWithoutCalls ? " (also without calls)" : "");
  }
}
