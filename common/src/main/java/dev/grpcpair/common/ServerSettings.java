package dev.grpcpair.common;

import java.time.Duration;

/**
 * What every server here is configured with alike, from {@link ServerOptions}.
 *
 * @param shutdownGrace how long calls in flight may run on after a stop begins
 * @param security TLS and bearer tokens
 * @param connections keepalive and connection lifetimes
 * @param replicaName the name answered in {@code x-served-by}; null: the server's name and port
 * @param metricsPort the HTTP port Prometheus scrapes metrics from; null: metrics off
 */
public record ServerSettings(
    Duration shutdownGrace,
    ServerSecurity security,
    ConnectionPolicy connections,
    String replicaName,
    Integer metricsPort) {

  public static final ServerSettings DEFAULT =
      new ServerSettings(Duration.ofSeconds(10), ServerSecurity.NONE, ConnectionPolicy.DEFAULT, null, null);

  public ServerSettings withShutdownGrace(Duration grace) {
    return new ServerSettings(grace, security, connections, replicaName, metricsPort);
  }

  public ServerSettings withSecurity(ServerSecurity newSecurity) {
    return new ServerSettings(shutdownGrace, newSecurity, connections, replicaName, metricsPort);
  }

  public ServerSettings withConnections(ConnectionPolicy policy) {
    return new ServerSettings(shutdownGrace, security, policy, replicaName, metricsPort);
  }

  public ServerSettings withReplicaName(String name) {
    return new ServerSettings(shutdownGrace, security, connections, name, metricsPort);
  }

  public ServerSettings withMetricsPort(Integer port) {
    return new ServerSettings(shutdownGrace, security, connections, replicaName, port);
  }

  /** One line for the start-up log; names files, never secrets. */
  public String describe() {
    return "shutdown grace: "
        + Durations.format(shutdownGrace)
        + ", security: "
        + security.describe()
        + ", connections: "
        + connections.describe()
        + ", metrics: "
        + (metricsPort == null ? "off" : "http://0.0.0.0:" + metricsPort + "/metrics");
  }
}
