package dev.grpcpair.common;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * The flags both servers take alike: graceful stop, TLS, bearer tokens, keepalive, connection
 * lifetimes and the replica's name. Each falls back to an
 * environment variable. Tokens themselves are never a flag (a flag shows in {@code ps}): they come
 * from a file, or from the {@code AUTH_TOKENS} environment variable.
 */
public final class ServerOptions {

  /** Environment variable with {@code identity=token} entries, comma-separated. */
  public static final String AUTH_TOKENS_ENV = "AUTH_TOKENS";

  @Spec(Spec.Target.MIXEE)
  private CommandSpec spec;

  @Option(
      names = "--shutdown-grace",
      defaultValue = "${env:SHUTDOWN_GRACE:-10s}",
      converter = DurationConverter.class,
      paramLabel = "DURATION",
      description = "How long calls in flight may finish after SIGTERM before they are cancelled. Env: SHUTDOWN_GRACE. Default: ${DEFAULT-VALUE}.")
  private Duration shutdownGrace;

  @Option(
      names = "--tls-cert",
      defaultValue = "${env:TLS_CERT}",
      paramLabel = "FILE",
      description = "PEM certificate chain to serve TLS with (with --tls-key); unset: plaintext. Env: TLS_CERT.")
  private Path tlsCert;

  @Option(
      names = "--tls-key",
      defaultValue = "${env:TLS_KEY}",
      paramLabel = "FILE",
      description = "PEM (PKCS#8) private key of --tls-cert. Env: TLS_KEY.")
  private Path tlsKey;

  @Option(
      names = "--tls-client-ca",
      defaultValue = "${env:TLS_CLIENT_CA}",
      paramLabel = "FILE",
      description = "Require client certificates signed by this PEM CA (mutual TLS). Env: TLS_CLIENT_CA.")
  private Path tlsClientCa;

  @Option(
      names = "--tls-reload-interval",
      defaultValue = "${env:TLS_RELOAD_INTERVAL:-1m}",
      converter = DurationConverter.class,
      paramLabel = "DURATION",
      description = "How often the TLS files are re-read, so they can be rotated without a restart. Env: TLS_RELOAD_INTERVAL. Default: ${DEFAULT-VALUE}.")
  private Duration tlsReloadInterval;

  @Option(
      names = "--auth-tokens-file",
      defaultValue = "${env:AUTH_TOKENS_FILE}",
      paramLabel = "FILE",
      description = "Require 'authorization: Bearer <token>' with a token from this file (identity=token per line). Env: AUTH_TOKENS_FILE; or the entries themselves, comma-separated, in AUTH_TOKENS.")
  private Path authTokensFile;

  @Option(
      names = "--auth-exempt",
      defaultValue = "${env:AUTH_EXEMPT:-" + ServerSecurity.PROBES_AND_REFLECTION_NAMES + "}",
      split = ",",
      paramLabel = "SERVICE",
      description = "Services reachable without a token when tokens are required; empty: none. Env: AUTH_EXEMPT. Default: ${DEFAULT-VALUE}.")
  private String[] authExempt;

  @Option(
      names = "--replica-name",
      defaultValue = "${env:REPLICA_NAME}",
      paramLabel = "NAME",
      description = "Name answered in the x-served-by response header and logged at start; unset: <server>:<port>. Env: REPLICA_NAME.")
  private String replicaName;

  @Option(
      names = "--keepalive-time",
      defaultValue = "${env:KEEPALIVE_TIME:-1m}",
      converter = DurationConverter.class,
      paramLabel = "DURATION",
      description = "Ping a client after this long without traffic, to find dead connections. Env: KEEPALIVE_TIME. Default: ${DEFAULT-VALUE}.")
  private Duration keepAliveTime;

  @Option(
      names = "--keepalive-timeout",
      defaultValue = "${env:KEEPALIVE_TIMEOUT:-20s}",
      converter = DurationConverter.class,
      paramLabel = "DURATION",
      description = "Close a connection whose ping is not answered within this. Env: KEEPALIVE_TIMEOUT. Default: ${DEFAULT-VALUE}.")
  private Duration keepAliveTimeout;

  @Option(
      names = "--permit-keepalive-time",
      defaultValue = "${env:PERMIT_KEEPALIVE_TIME:-20s}",
      converter = DurationConverter.class,
      paramLabel = "DURATION",
      description = "Shortest ping interval allowed to clients; faster ones get GOAWAY too_many_pings. Env: PERMIT_KEEPALIVE_TIME. Default: ${DEFAULT-VALUE}.")
  private Duration permitKeepAliveTime;

  @Option(
      names = "--permit-keepalive-without-calls",
      defaultValue = "${env:PERMIT_KEEPALIVE_WITHOUT_CALLS:-false}",
      description = "Allow client pings on connections without calls. Env: PERMIT_KEEPALIVE_WITHOUT_CALLS.")
  private boolean permitKeepAliveWithoutCalls;

  @Option(
      names = "--max-connection-idle",
      defaultValue = "${env:MAX_CONNECTION_IDLE}",
      converter = DurationConverter.class,
      paramLabel = "DURATION",
      description = "Close connections idle this long; unset: never. Env: MAX_CONNECTION_IDLE.")
  private Duration maxConnectionIdle;

  @Option(
      names = "--max-connection-age",
      defaultValue = "${env:MAX_CONNECTION_AGE}",
      converter = DurationConverter.class,
      paramLabel = "DURATION",
      description = "Send GOAWAY after a connection lived this long, so clients reconnect and re-resolve (DNS, new replicas); unset: never. Env: MAX_CONNECTION_AGE.")
  private Duration maxConnectionAge;

  @Option(
      names = "--max-connection-age-grace",
      defaultValue = "${env:MAX_CONNECTION_AGE_GRACE}",
      converter = DurationConverter.class,
      paramLabel = "DURATION",
      description = "How long calls may run on after that GOAWAY; unset: as long as they need. Env: MAX_CONNECTION_AGE_GRACE.")
  private Duration maxConnectionAgeGrace;

  @Option(
      names = "--metrics-port",
      defaultValue = "${env:METRICS_PORT}",
      converter = PortConverter.class,
      paramLabel = "PORT",
      description = "Serve Prometheus metrics (grpc's OpenTelemetry metrics) at http://0.0.0.0:PORT/metrics; unset: off. Env: METRICS_PORT.")
  private Integer metricsPort;

  /** Everything these flags (and {@code env}) ask for; a bad combination is a flag error. */
  public ServerSettings settings(Map<String, String> env) {
    return new ServerSettings(
        shutdownGrace,
        security(env),
        new ConnectionPolicy(
            keepAliveTime,
            keepAliveTimeout,
            permitKeepAliveTime,
            permitKeepAliveWithoutCalls,
            maxConnectionIdle,
            maxConnectionAge,
            maxConnectionAgeGrace),
        replicaName == null || replicaName.isBlank() ? null : replicaName.strip(),
        metricsPort);
  }

  /** How often TLS files are re-read: the server's own, and those of any client it makes. */
  public Duration tlsReloadInterval() {
    return tlsReloadInterval;
  }

  private ServerSecurity security(Map<String, String> env) {
    ServerTlsConfig tls = null;
    if (tlsCert != null || tlsKey != null) {
      if (tlsCert == null || tlsKey == null) {
        throw new ParameterException(spec.commandLine(), "--tls-cert and --tls-key go together");
      }
      tls = new ServerTlsConfig(tlsCert, tlsKey, tlsClientCa, tlsReloadInterval);
    } else if (tlsClientCa != null) {
      throw new ParameterException(spec.commandLine(), "--tls-client-ca needs --tls-cert and --tls-key");
    }
    String inlineTokens = env.get(AUTH_TOKENS_ENV);
    if (authTokensFile != null && inlineTokens != null) {
      throw new ParameterException(
          spec.commandLine(), "give tokens either in --auth-tokens-file or in " + AUTH_TOKENS_ENV + ", not both");
    }
    AuthTokens tokens;
    try {
      tokens =
          authTokensFile != null
              ? AuthTokens.fromFile(authTokensFile)
              : inlineTokens != null ? AuthTokens.parse(inlineTokens, AUTH_TOKENS_ENV) : null;
    } catch (IllegalArgumentException e) {
      throw new ParameterException(spec.commandLine(), e.getMessage(), e);
    }
    Set<String> exempt =
        Arrays.stream(authExempt == null ? new String[0] : authExempt)
            .map(String::strip)
            .filter(name -> !name.isEmpty())
            .collect(Collectors.toSet());
    return new ServerSecurity(tls, tokens, exempt);
  }
}
