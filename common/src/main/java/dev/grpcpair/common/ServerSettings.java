package dev.grpcpair.common;

import java.time.Duration;

/**
 * What every server here is configured with alike, from {@link ServerOptions}.
 *
 * @param shutdownGrace how long calls in flight may run on after a stop begins
 * @param security TLS and bearer tokens
 * @param connections keepalive and connection lifetimes
 * @param replicaName the name answered in {@code x-served-by}; null: the server's name and port
 */
public record ServerSettings(
    Duration shutdownGrace, ServerSecurity security, ConnectionPolicy connections, String replicaName) {

  public static final ServerSettings DEFAULT =
      new ServerSettings(Duration.ofSeconds(10), ServerSecurity.NONE, ConnectionPolicy.DEFAULT, null);

  public ServerSettings withShutdownGrace(Duration grace) {
    return new ServerSettings(grace, security, connections, replicaName);
  }

  public ServerSettings withSecurity(ServerSecurity newSecurity) {
    return new ServerSettings(shutdownGrace, newSecurity, connections, replicaName);
  }

  public ServerSettings withConnections(ConnectionPolicy policy) {
    return new ServerSettings(shutdownGrace, security, policy, replicaName);
  }

  public ServerSettings withReplicaName(String name) {
    return new ServerSettings(shutdownGrace, security, connections, name);
  }

  /** One line for the start-up log; names files, never secrets. */
  public String describe() {
    return "shutdown grace: "
        + Durations.format(shutdownGrace)
        + ", security: "
        + security.describe()
        + ", connections: "
        + connections.describe();
  }
}
