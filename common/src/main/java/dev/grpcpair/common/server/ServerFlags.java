package dev.grpcpair.common.server;

import dev.grpcpair.common.config.Flags;
import dev.grpcpair.common.config.InvalidConfigException;
import dev.grpcpair.common.config.PortConverter;
import dev.grpcpair.common.observability.Telemetry;
import dev.grpcpair.common.observability.TelemetryFlags;
import dev.grpcpair.common.security.AuthTokens;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * The flags every server takes alike (a picocli mixin; see {@link Flags}): graceful stop, TLS,
 * bearer tokens, keepalive, connection lifetimes, replica name, telemetry ({@link TelemetryFlags})
 * and dataset. Only {@link GrpcServer} reads most of them, so they stay package-private. Tokens are
 * never a flag (a flag shows in {@code ps}): they come from a file, or from the {@code AUTH_TOKENS}
 * variable, and are read when the server is built ({@link #authTokens()}).
 */
public final class ServerFlags implements Flags.Checked {

  /** Environment variable with {@code identity=token} entries, comma-separated. */
  public static final String AUTH_TOKENS_ENV = "AUTH_TOKENS";

  /** What probes and {@code grpcurl list} need: reachable without a token by default. */
  public static final String PROBES_AND_REFLECTION =
      "grpc.health.v1.Health,grpc.reflection.v1.ServerReflection,"
          + "grpc.reflection.v1alpha.ServerReflection";

  @Option(
      names = "--shutdown-grace",
      defaultValue = "10s",
      description = "How long calls in flight may finish after SIGTERM before they are cancelled.")
  Duration shutdownGrace;

  @Option(names = "--tls-cert", description = "PEM certificate chain to serve TLS with.")
  Path tlsCert;

  @Option(names = "--tls-key", description = "PEM (PKCS#8) private key of --tls-cert.")
  Path tlsKey;

  @Option(
      names = "--tls-client-ca",
      description = "Require client certificates signed by this PEM CA (mutual TLS).")
  Path tlsClientCa;

  @Option(
      names = "--tls-reload-interval",
      defaultValue = "1m",
      description = "How often TLS files, the server's and its clients', are re-read.")
  Duration tlsReloadInterval;

  @Option(
      names = "--auth-tokens-file",
      description =
          "Require 'authorization: Bearer <token>' with a token from this file (identity=token"
              + " per line); or give the entries, comma-separated, in AUTH_TOKENS.")
  Path authTokensFile;

  // Set only by AUTH_TOKENS (see Flags): the entries themselves, a secret.
  @Option(names = "--auth-tokens", hidden = true)
  String authTokensVariable;

  @Option(
      names = "--auth-exempt",
      defaultValue = PROBES_AND_REFLECTION,
      split = ",",
      description = "Services reachable without a token when tokens are required.")
  List<String> authExempt;

  @Option(
      names = "--replica-name",
      description = "Name answered in x-served-by; unset: <server>:<port>.")
  String replicaName;

  @Option(
      names = "--keepalive-time",
      defaultValue = "1m",
      description = "Ping a client after this long without traffic.")
  Duration keepAliveTime;

  @Option(
      names = "--keepalive-timeout",
      defaultValue = "20s",
      description = "Close a connection whose ping is not answered within this.")
  Duration keepAliveTimeout;

  // Below the UserClient's 30s keepalive, so our own client never trips too_many_pings.
  @Option(
      names = "--permit-keepalive-time",
      defaultValue = "20s",
      description = "Shortest ping interval allowed to clients (faster: GOAWAY too_many_pings).")
  Duration permitKeepAliveTime;

  @Option(
      names = "--permit-keepalive-without-calls",
      description = "Allow client pings on connections without calls.")
  boolean permitKeepAliveWithoutCalls;

  // Idle connections hold a file descriptor each; clients reconnect when they need to.
  @Option(
      names = "--max-connection-idle",
      defaultValue = "5m",
      description = "Close connections without calls for this long.")
  Duration maxConnectionIdle;

  @Option(
      names = "--max-connection-age",
      description = "Send GOAWAY after a connection lived this long, so clients re-resolve.")
  Duration maxConnectionAge;

  @Option(
      names = "--max-connection-age-grace",
      description = "How long calls may run on after that GOAWAY.")
  Duration maxConnectionAgeGrace;

  // Each idle connection holds a descriptor, about 8 KiB of heap and 11 KiB of memory in all
  // (2,000 measured): 2,000 leave the shipped heap room for the data and the calls (limits.md).
  @Option(
      names = "--max-connections",
      defaultValue = "2000",
      description =
          "Connections held open at most (fewer if the descriptor limit is lower); past it, the"
              + " one idle longest is closed with GOAWAY.")
  int maxConnections;

  // A Post server or gateway holds one connection to each User replica, a load balancer a few
  // per worker thread; an address with more is more likely a client gone wrong.
  @Option(
      names = "--max-connections-per-peer",
      defaultValue = "100",
      description =
          "Connections from one client address at most; past it, that address's connection idle"
              + " longest is closed with GOAWAY.")
  int maxConnectionsPerPeer;

  // The largest valid request, a BatchGetUsers of 1,000 ids of 128 bytes, is about 132 KB.
  @Option(
      names = "--max-inbound-message-size",
      defaultValue = "1048576",
      description = "Largest request message accepted, in bytes (after decompression).")
  int maxInboundMessageSize;

  @Option(
      names = "--max-inbound-metadata-size",
      defaultValue = "8192",
      description = "Largest request header block accepted, in bytes.")
  int maxInboundMetadataSize;

  // The default inbound limit of grpc clients: a larger answer would be refused by most callers.
  @Option(
      names = "--max-outbound-message-size",
      defaultValue = "4194304",
      description = "Largest answer sent in one message, in bytes; a larger one is refused.")
  int maxOutboundMessageSize;

  // Half of -XX:MaxDirectMemorySize (deploy/jvm.options), where unread answers wait; the other half
  // is for requests being read and the allocator's slack.
  @Option(
      names = UnreadBytes.TOTAL_FLAG,
      defaultValue = "16777216",
      description =
          "Bytes of answers the server holds for clients that have not read them; past half of"
              + " it, connections that have finished no answer for ten seconds are refused, and the"
              + " one that has waited longest has its answers dropped when a reader needs room.")
  long maxUnreadBytes;

  // A client that reads holds next to nothing: what it has not read yet is in flight. A quarter of
  // --max-unread-bytes, so that one connection cannot take it all; at least one whole answer.
  @Option(
      names = UnreadBytes.PER_CONNECTION_FLAG,
      defaultValue = "4194304",
      description =
          "Bytes of answers one connection may leave unread; past it, its calls are refused.")
  long maxUnreadBytesPerConnection;

  // What the Post server holds of a call waiting for the User service, about 10 KB, 4,096 times
  // over leaves the shipped heap room for the data; twice the benchmark's most calls in flight.
  @Option(
      names = "--max-calls-in-flight",
      defaultValue = "4096",
      description =
          "Calls in flight at most, all connections together (health and reflection aside);"
              + " past it, a call is answered RESOURCE_EXHAUSTED at once, and past three"
              + " quarters of it a connection holding more than its share while others call too.")
  int maxCallsInFlight;

  // A grpc client that checks health holds one watch per connection: as many as --max-connections'
  // default, about 2.5 KB each.
  @Option(
      names = "--max-probe-streams",
      defaultValue = "2000",
      description =
          "Health watches and reflection streams open at most, all connections and ports"
              + " together; past it, one is answered RESOURCE_EXHAUSTED at once (health checks"
              + " always answer).")
  int maxProbeStreams;

  // As many as --max-calls-in-flight: the Post server and the gateway send all their calls to a
  // User replica on one connection, and fewer would have them queue there, holding each call's
  // frames. What a connection's calls can make the server hold is bounded by --max-calls-in-flight
  // and --max-probe-streams, all connections together.
  @Option(
      names = "--max-concurrent-calls-per-connection",
      defaultValue = "4096",
      description = "Calls one connection may have open at once; more wait in the client.")
  int maxConcurrentCallsPerConnection;

  @Option(
      names = "--health-port",
      converter = PortConverter.class,
      description =
          "Also serve grpc.health.v1 in plaintext on this port, for probes that cannot speak TLS"
              + " (Kubernetes' gRPC probes).")
  Integer healthPort;

  @Mixin TelemetryFlags telemetry;

  /** These flags alone, for a server that takes no others (the common parts' tests). */
  public static ServerFlags parse(String... args) {
    return Flags.parse(new ServerFlags(), args);
  }

  @Override
  public void check() {
    telemetry.check();
    if (maxInboundMessageSize < 1024
        || maxInboundMetadataSize < 1024
        || maxConcurrentCallsPerConnection < 1
        || maxCallsInFlight < 1
        || maxProbeStreams < 1
        || maxConnections < 1
        || maxConnectionsPerPeer < 1) {
      throw new InvalidConfigException(
          "--max-inbound-message-size and --max-inbound-metadata-size take at least 1024 bytes,"
              + " --max-concurrent-calls-per-connection, --max-calls-in-flight,"
              + " --max-probe-streams, --max-connections and --max-connections-per-peer at least"
              + " 1");
    }
    if (maxOutboundMessageSize < 1024
        || maxUnreadBytesPerConnection < maxOutboundMessageSize
        || maxUnreadBytes < maxUnreadBytesPerConnection) {
      throw new InvalidConfigException(
          "--max-outbound-message-size takes at least 1024 bytes, and"
              + " --max-outbound-message-size <= --max-unread-bytes-per-connection <="
              + " --max-unread-bytes");
    }
    if ((tlsCert == null) != (tlsKey == null)) {
      throw new InvalidConfigException("--tls-cert and --tls-key go together");
    }
    if (tlsClientCa != null && tlsCert == null) {
      throw new InvalidConfigException("--tls-client-ca needs --tls-cert");
    }
    authTokensSecret().check();
  }

  /**
   * The tokens a call must bear, read from {@code --auth-tokens-file} or {@code AUTH_TOKENS} now;
   * null when neither is set (no token required).
   *
   * @throws InvalidConfigException when the file cannot be read, or an entry is malformed
   */
  AuthTokens authTokens() {
    Flags.Secret secret = authTokensSecret();
    return secret.isSet() ? AuthTokens.parse(secret.read(), secret.source()) : null;
  }

  private Flags.Secret authTokensSecret() {
    return new Flags.Secret(
        "--auth-tokens-file", authTokensFile, AUTH_TOKENS_ENV, authTokensVariable);
  }

  /** The services {@code --auth-exempt} names, without blanks (a list ending in a comma). */
  List<String> authExempt() {
    return authExempt.stream().map(String::strip).filter(name -> !name.isEmpty()).toList();
  }

  /**
   * The name {@code --replica-name} gives; null when unset or blank ({@code --replica-name=" "}).
   */
  String replicaName() {
    return replicaName == null || replicaName.isBlank() ? null : replicaName.strip();
  }

  /** The largest answer sent in one message; handlers that build large answers check it. */
  public int maxOutboundMessageSize() {
    return maxOutboundMessageSize;
  }

  /** How often TLS files are re-read: the server's own, and those of the clients it makes. */
  public Duration tlsReloadInterval() {
    return tlsReloadInterval;
  }

  /**
   * Starts serving metrics and exporting traces as the flags say ({@link Telemetry#NONE} when they
   * ask for neither), for the server {@code name} on {@code port}, the replica {@code
   * --replica-name} names.
   */
  public Telemetry openTelemetry(String name, int port) {
    return telemetry.open(name, replicaName(), port);
  }
}
