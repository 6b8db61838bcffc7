package dev.grpcpair.post;

import dev.grpcpair.common.ChannelTlsConfig;
import dev.grpcpair.common.DurationConverter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * The Post server's flags for reaching the User service (where, how securely, how balanced and
 * retried, how kept alive), each falling back to an environment
 * variable. The token is never a flag (a flag shows in {@code ps}): it comes from a file, or from
 * the {@code USER_TOKEN} environment variable.
 */
public final class UserClientOptions {

  /** Environment variable holding the token itself. */
  public static final String USER_TOKEN_ENV = "USER_TOKEN";

  @Spec(Spec.Target.MIXEE)
  private CommandSpec spec;

  @Option(
      names = "--user-target",
      defaultValue = "${env:USER_TARGET:-localhost:9000}",
      paramLabel = "TARGET",
      description = "The User service: any grpc target (host:port, dns:///host:port, static:///host:port,host:port). Env: USER_TARGET. Default: ${DEFAULT-VALUE}.")
  private String target;

  @Option(
      names = "--user-deadline",
      defaultValue = "${env:USER_DEADLINE:-2s}",
      converter = DurationConverter.class,
      paramLabel = "DURATION",
      description = "Deadline of a call to the User service when the incoming call carries none. Env: USER_DEADLINE. Default: ${DEFAULT-VALUE}.")
  private Duration deadline;

  @Option(
      names = "--user-tls",
      defaultValue = "${env:USER_TLS:-false}",
      description = "Speak TLS to the User service, trusting the system's CAs (or --user-ca). Env: USER_TLS.")
  private boolean tls;

  @Option(
      names = "--user-ca",
      defaultValue = "${env:USER_CA}",
      paramLabel = "FILE",
      description = "Trust this PEM CA for the User server's certificate; implies --user-tls. Env: USER_CA.")
  private Path ca;

  @Option(
      names = "--user-cert",
      defaultValue = "${env:USER_CERT}",
      paramLabel = "FILE",
      description = "PEM client certificate chain to present (mutual TLS, with --user-key); implies --user-tls. Env: USER_CERT.")
  private Path cert;

  @Option(
      names = "--user-key",
      defaultValue = "${env:USER_KEY}",
      paramLabel = "FILE",
      description = "PEM (PKCS#8) private key of --user-cert. Env: USER_KEY.")
  private Path key;

  @Option(
      names = "--user-authority",
      defaultValue = "${env:USER_AUTHORITY}",
      paramLabel = "NAME",
      description = "Name to expect in the User server's certificate when it is not the target's host. Env: USER_AUTHORITY.")
  private String authority;

  @Option(
      names = "--user-token-file",
      defaultValue = "${env:USER_TOKEN_FILE}",
      paramLabel = "FILE",
      description = "Send 'authorization: Bearer <token>' with the token in this file. Env: USER_TOKEN_FILE; or the token itself in USER_TOKEN.")
  private Path tokenFile;

  @Option(
      names = "--user-allow-insecure-token",
      defaultValue = "${env:USER_ALLOW_INSECURE_TOKEN:-false}",
      description = "Let the token travel without TLS (a trusted network, a demo). Env: USER_ALLOW_INSECURE_TOKEN.")
  private boolean allowInsecureToken;

  @Option(
      names = "--user-service-config",
      defaultValue = "${env:USER_SERVICE_CONFIG}",
      paramLabel = "FILE",
      description = "grpc service config (JSON) for the User service: load balancing, health checking, retries; unset: the embedded one (see README). Env: USER_SERVICE_CONFIG.")
  private Path serviceConfig;

  @Option(
      names = "--user-lb-policy",
      defaultValue = "${env:USER_LB_POLICY}",
      paramLabel = "POLICY",
      description = "pick_first or round_robin, overriding the service config's (round_robin). Env: USER_LB_POLICY.")
  private String lbPolicy;

  @Option(
      names = "--user-wait-for-ready",
      defaultValue = "${env:USER_WAIT_FOR_READY:-false}",
      description = "Let calls wait, within their deadline, for a User replica instead of failing at once with UNAVAILABLE. Env: USER_WAIT_FOR_READY.")
  private boolean waitForReady;

  @Option(
      names = "--user-keepalive-time",
      defaultValue = "${env:USER_KEEPALIVE_TIME:-30s}",
      converter = DurationConverter.class,
      paramLabel = "DURATION",
      description = "Ping the User server after this long without traffic (at least 10s). Env: USER_KEEPALIVE_TIME. Default: ${DEFAULT-VALUE}.")
  private Duration keepAliveTime;

  @Option(
      names = "--user-keepalive-timeout",
      defaultValue = "${env:USER_KEEPALIVE_TIMEOUT:-10s}",
      converter = DurationConverter.class,
      paramLabel = "DURATION",
      description = "Drop a connection to the User server whose ping is not answered within this. Env: USER_KEEPALIVE_TIMEOUT. Default: ${DEFAULT-VALUE}.")
  private Duration keepAliveTimeout;

  @Option(
      names = "--user-keepalive-without-calls",
      defaultValue = "${env:USER_KEEPALIVE_WITHOUT_CALLS:-false}",
      description = "Ping the User server even with no call open (the server must permit it). Env: USER_KEEPALIVE_WITHOUT_CALLS.")
  private boolean keepAliveWithoutCalls;

  @Option(
      names = "--user-unavailable-grace",
      defaultValue = "${env:USER_UNAVAILABLE_GRACE:-10s}",
      converter = DurationConverter.class,
      paramLabel = "DURATION",
      description = "Report NOT_SERVING after this long without a READY connection to any User replica. Env: USER_UNAVAILABLE_GRACE. Default: ${DEFAULT-VALUE}.")
  private Duration unavailableGrace;

  /** The client these flags (and {@code env}) ask for; a bad combination is a flag error. */
  public UserClientConfig config(Map<String, String> env, Duration tlsReloadInterval) {
    if ((cert == null) != (key == null)) {
      throw new ParameterException(spec.commandLine(), "--user-cert and --user-key go together");
    }
    boolean useTls = tls || ca != null || cert != null;
    ChannelTlsConfig tlsConfig = useTls ? new ChannelTlsConfig(ca, cert, key, tlsReloadInterval) : null;
    String token = token(env);
    if (token != null && !useTls && !allowInsecureToken) {
      throw new ParameterException(
          spec.commandLine(),
          "refusing to send the user service token without TLS: add --user-tls or --user-ca, or --user-allow-insecure-token");
    }
    UserChannelPolicy channel =
        new UserChannelPolicy(
            serviceConfig, lbPolicy, waitForReady, keepAliveTime, keepAliveTimeout, keepAliveWithoutCalls, unavailableGrace);
    return new UserClientConfig(target, deadline, tlsConfig, authority, token, allowInsecureToken, channel);
  }

  private String token(Map<String, String> env) {
    String inline = env.get(USER_TOKEN_ENV);
    if (tokenFile != null && inline != null) {
      throw new ParameterException(
          spec.commandLine(), "give the user service token in --user-token-file or " + USER_TOKEN_ENV + ", not both");
    }
    String token = inline;
    if (tokenFile != null) {
      try {
        token = Files.readString(tokenFile, StandardCharsets.UTF_8);
      } catch (IOException e) {
        throw new ParameterException(spec.commandLine(), "cannot read token file " + tokenFile + ": " + e);
      }
    }
    if (token != null && token.isBlank()) {
      throw new ParameterException(spec.commandLine(), "the user service token is empty");
    }
    return token == null ? null : token.strip();
  }
}
