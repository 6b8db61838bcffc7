package dev.grpcpair.post;

import dev.grpcpair.common.ChannelTlsConfig;
import dev.grpcpair.common.Durations;
import java.time.Duration;

/**
 * How the Post server reaches the User service.
 *
 * @param target any grpc target string ({@code localhost:9000}, {@code dns:///users:9000})
 * @param deadline the deadline of a call when the incoming call has none
 * @param tls null for plaintext
 * @param authority the name to expect in the User server's certificate (and send as :authority)
 *     when it differs from the target's host; null: the target's
 * @param token bearer token to send on every call; null: none
 * @param allowInsecureToken whether the token may travel without TLS
 * @param channel load balancing, retries, keepalive
 */
public record UserClientConfig(
    String target,
    Duration deadline,
    ChannelTlsConfig tls,
    String authority,
    String token,
    boolean allowInsecureToken,
    UserChannelPolicy channel) {

  /** Plaintext, no token, default channel policy: the original pair's setup. */
  public static UserClientConfig plaintext(String target, Duration deadline) {
    return new UserClientConfig(target, deadline, null, null, null, false, UserChannelPolicy.DEFAULT);
  }

  public UserClientConfig withDeadline(Duration newDeadline) {
    return new UserClientConfig(target, newDeadline, tls, authority, token, allowInsecureToken, channel);
  }

  public UserClientConfig withChannel(UserChannelPolicy policy) {
    return new UserClientConfig(target, deadline, tls, authority, token, allowInsecureToken, policy);
  }

  @Override
  public String toString() {
    // Never the token.
    return "UserClientConfig{target="
        + target
        + ", deadline="
        + deadline
        + ", tls="
        + tls
        + ", authority="
        + authority
        + ", token="
        + (token == null ? "none" : "set")
        + ", allowInsecureToken="
        + allowInsecureToken
        + ", channel="
        + channel
        + "}";
  }

  /** One line for the start-up log; names files, never the token. */
  public String describe() {
    String transport =
        tls == null
            ? "plaintext"
            : (tls.certChain() == null ? "TLS" : "mutual TLS")
                + " trusting "
                + (tls.trustedCa() == null ? "the system's CAs" : tls.trustedCa())
                + (authority == null ? "" : " as " + authority);
    String auth =
        token == null ? "no token" : "bearer token" + (allowInsecureToken && tls == null ? " (insecure: allowed without TLS)" : "");
    return target
        + " ("
        + transport
        + "; "
        + auth
        + "; deadline "
        + Durations.format(deadline)
        + "; "
        + channel.describe()
        + ")";
  }
}
