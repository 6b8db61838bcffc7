package dev.grpcpair.gateway;

import dev.grpcpair.common.client.UserChannelFlags;
import dev.grpcpair.common.config.CommandConfig;
import dev.grpcpair.common.config.Flags;
import dev.grpcpair.common.config.InvalidConfigException;
import dev.grpcpair.common.config.PortConverter;
import dev.grpcpair.common.observability.TelemetryFlags;
import dev.grpcpair.common.server.UnreadBytes;
import java.nio.file.Path;
import java.time.Duration;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** What the gateway runs with: {@code java -jar gateway.jar --help} lists it. */
@Command(
    name = "gateway",
    description =
        "Serves v2.user.User (GET /v2/users/{user_id}, GET /v2/users) and v1.post.Post (GET"
            + " /v1/users/{user_id}/posts, GET /v1/posts) over HTTP/JSON, and both over gRPC-Web.",
    footer = {
      "Each flag falls back to the environment variable named like it: --port to PORT,",
      "--user-target to USER_TARGET, and so on. The token only comes from a file or USER_TOKEN."
    })
public final class GatewayConfig extends CommandConfig {

  @Option(
      names = "--port",
      defaultValue = "8080",
      converter = PortConverter.class,
      description = "HTTP port to listen on; 0 picks a free one.")
  int port;

  @Option(
      names = "--shutdown-grace",
      defaultValue = "10s",
      description = "How long requests in flight may finish after SIGTERM.")
  Duration shutdownGrace;

  @Option(
      names = "--request-timeout",
      defaultValue = "10s",
      description =
          "How long a client may take to send a whole request once it has begun; slower ones are"
              + " answered 408 and disconnected.")
  Duration requestTimeout;

  @Option(
      names = "--idle-timeout",
      defaultValue = "2m",
      description = "Close a connection with no request in flight after this long.")
  Duration idleTimeout;

  // Each connection holds a descriptor and a little heap (docs/limits.md); past the cap, the one
  // idle longest is closed to make room.
  @Option(
      names = "--max-connections",
      defaultValue = "10000",
      description =
          "Connections open at most (and fewer if the descriptor limit says so); past it, the one"
              + " idle longest is closed to make room for the new one.")
  int maxConnections;

  // Each request in flight holds its stream, its exchange and its call (waiting, past what the User
  // replica takes on one connection, for one to end): one client's 25,000 took the gateway's heap
  // for good.
  @Option(
      names = "--max-requests-in-flight",
      defaultValue = "4096",
      description =
          "Requests answered at once, all connections together (health and static files aside); past it, a"
              + " request is answered 429 at once, and past three quarters of it a connection"
              + " holding more than its share while others ask too.")
  int maxRequestsInFlight;

  // A quarter of -XX:MaxDirectMemorySize (deploy/jvm.options), which reads and calls share: eight
  // bodies of the largest size, hundreds of the largest valid request (a batch of 1,000 ids).
  @Option(
      names = "--max-held-body-bytes",
      defaultValue = "8388608",
      description =
          "Bytes of request bodies held at once, all connections together (each body at most 1"
              + " MiB); past it, the request that would go over is answered 429 and its"
              + " connection (or HTTP/2 stream) closed.")
  long maxHeldBodyBytes;

  // Answers wait in the heap for clients that have not read them (an HTTP/2 stream whose window is
  // 0 holds its answer whole): the gRPC servers' bounds, against a heap of 128 MiB.
  @Option(
      names = UnreadBytes.TOTAL_FLAG,
      defaultValue = "16777216",
      description =
          "Bytes of answers held for clients that have not read them, all connections together;"
              + " past half of it, connections that have finished no answer for ten seconds are"
              + " refused (429), and the one that has waited longest is closed when a reader needs"
              + " room.")
  long maxUnreadBytes;

  @Option(
      names = UnreadBytes.PER_CONNECTION_FLAG,
      defaultValue = "4194304",
      description =
          "Bytes of answers one connection may leave unread; past it, its requests are answered"
              + " 429.")
  long maxUnreadBytesPerConnection;

  @Option(
      names = "--tls-reload-interval",
      defaultValue = "1m",
      description = "How often the User channel's TLS files are re-read.")
  Duration tlsReloadInterval;

  @Option(
      names = "--post-target",
      defaultValue = "localhost:9001",
      description = "The Post service, for the /v1 routes: host:port or a gRPC target URI.")
  String postTarget;

  @Option(
      names = "--post-tls",
      description = "Speak TLS to the Post service, trusting the system's CAs.")
  boolean postTls;

  @Option(
      names = "--post-ca",
      description = "Trust this PEM CA for the Post server (implies --post-tls).")
  Path postCa;

  @Option(
      names = "--http-rules",
      description =
          "google.api.Http rules in JSON for services whose protos carry none (default: the Post"
              + " service's, built in).")
  Path httpRules;

  @Mixin UserChannelFlags user;

  @Mixin TelemetryFlags telemetry;

  /** Parses flags as {@code main} does; what tests start gateways with. */
  public static GatewayConfig parse(String... args) {
    return Flags.parse(new GatewayConfig(), args);
  }

  @Override
  public void check() {
    if (maxConnections < 1) {
      throw new InvalidConfigException("--max-connections takes at least 1");
    }
    if (maxRequestsInFlight < 1) {
      throw new InvalidConfigException("--max-requests-in-flight takes at least 1");
    }
    if (maxHeldBodyBytes < HttpChannels.MAX_BODY_BYTES) {
      throw new InvalidConfigException(
          "--max-held-body-bytes takes at least "
              + HttpChannels.MAX_BODY_BYTES
              + " (one body of the largest size)");
    }
    if (maxUnreadBytesPerConnection < 1 || maxUnreadBytesPerConnection > maxUnreadBytes) {
      throw new InvalidConfigException(
          "--max-unread-bytes-per-connection takes 1 to --max-unread-bytes ("
              + maxUnreadBytes
              + ")");
    }
    user.check();
    telemetry.check();
  }
}
