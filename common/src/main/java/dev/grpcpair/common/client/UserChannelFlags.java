package dev.grpcpair.common.client;

import dev.grpcpair.common.config.Flags;
import dev.grpcpair.common.config.InvalidConfigException;
import java.nio.file.Path;
import java.time.Duration;
import picocli.CommandLine.Option;

/**
 * The flags of a channel to the User service (the Post server's, the gateway's) (a picocli mixin;
 * see {@link Flags}): where, how securely, how balanced and retried, how kept alive. {@link
 * UserChannel} reads them. The token is never a flag (a flag shows in {@code ps}): it comes from a
 * file, or from the {@code USER_TOKEN} environment variable, and is read when the channel opens
 * ({@link #token()}).
 */
public final class UserChannelFlags implements Flags.Checked {

  /** Environment variable holding the token itself. */
  static final String USER_TOKEN_ENV = "USER_TOKEN";

  private static final String TARGET_FORMS =
      "host:port, dns:///host:port or static:///host:port,...";

  @Option(
      names = "--user-target",
      defaultValue = "localhost:9000",
      description = "The User service: " + TARGET_FORMS)
  public String target;

  @Option(
      names = "--user-deadline",
      defaultValue = "2s",
      description = "Deadline of a User call when the incoming call carries none.")
  public Duration deadline;

  @Option(names = "--user-tls", description = "Speak TLS to the User service.")
  boolean tls;

  @Option(names = "--user-ca", description = "Trust this PEM CA for the User server (TLS).")
  Path ca;

  @Option(names = "--user-cert", description = "PEM client certificate (mutual TLS; TLS).")
  Path cert;

  @Option(names = "--user-key", description = "PEM (PKCS#8) private key of --user-cert.")
  Path key;

  @Option(
      names = "--user-authority",
      description = "Name expected in the User server's certificate, if not the target's host.")
  String authority;

  @Option(
      names = "--user-token-file",
      description = "Send 'authorization: Bearer <token>' with the token in this file.")
  Path tokenFile;

  // Set only by USER_TOKEN (see Flags): the token itself, a secret.
  @Option(names = "--user-token", hidden = true)
  String tokenVariable;

  @Option(
      names = "--user-allow-insecure-token",
      description = "Let the token travel without TLS (a trusted network, a demo).")
  boolean allowInsecureToken;

  @Option(
      names = "--user-service-config",
      description = "grpc service config (JSON) for the User channel; unset: the embedded one.")
  Path serviceConfig;

  @Option(
      names = "--user-wait-for-ready",
      description = "Let User calls wait, within their deadline, for a replica to be reachable.")
  boolean waitForReady;

  @Option(
      names = "--user-keepalive-time",
      defaultValue = "30s",
      description = "Ping the User server after this long without traffic (at least 10s).")
  Duration keepAliveTime;

  @Option(
      names = "--user-keepalive-timeout",
      defaultValue = "10s",
      description = "Drop a User connection whose ping is not answered within this.")
  Duration keepAliveTimeout;

  @Option(
      names = "--user-keepalive-without-calls",
      description = "Ping the User server even with no call open (the server must permit it).")
  boolean keepAliveWithoutCalls;

  @Option(
      names = "--user-unavailable-grace",
      defaultValue = "10s",
      description = "Report NOT_SERVING after this long without a READY User connection.")
  public Duration unavailableGrace;

  @Override
  public void check() {
    if (target.isBlank()) {
      // grpc's own message for it ("Expected authority at index 2: //") says nothing of the flag.
      throw new InvalidConfigException("--user-target is empty: give " + TARGET_FORMS);
    }
    if ((cert == null) != (key == null)) {
      throw new InvalidConfigException("--user-cert and --user-key go together");
    }
    tokenSecret().check();
    if (tokenSecret().isSet() && !usesTls() && !allowInsecureToken) {
      throw new InvalidConfigException(
          "refusing to send the user service token without TLS: add --user-tls or --user-ca,"
              + " or --user-allow-insecure-token");
    }
  }

  /**
   * The token to send, read from {@code --user-token-file} or {@value #USER_TOKEN_ENV} now; null
   * when neither is set.
   *
   * @throws InvalidConfigException when the file cannot be read, or the token is empty
   */
  String token() {
    String token = tokenSecret().read();
    if (token != null && token.isBlank()) {
      throw new InvalidConfigException("the user service token is empty");
    }
    return token == null ? null : token.strip();
  }

  private Flags.Secret tokenSecret() {
    return new Flags.Secret("--user-token-file", tokenFile, USER_TOKEN_ENV, tokenVariable);
  }

  /** TLS to the User service: asked for, or implied by a CA or a client certificate. */
  boolean usesTls() {
    return tls || ca != null || cert != null;
  }
}
