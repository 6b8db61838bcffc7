package dev.grpcpair.user;

import dev.grpcpair.common.ServerSecurity;
import java.nio.file.Path;
import java.time.Duration;

/**
 * What the User server runs with.
 *
 * @param port where to listen; 0 lets the system choose
 * @param dataset a dataset file, or null for the embedded sample data
 * @param shutdownGrace how long calls in flight may run on after a stop begins
 * @param security TLS and tokens
 */
public record UserServerConfig(int port, Path dataset, Duration shutdownGrace, ServerSecurity security) {

  public static final int DEFAULT_PORT = 9000;

  /** The defaults on port {@code port}: what tests start. */
  public static UserServerConfig onPort(int port) {
    return new UserServerConfig(port, null, Duration.ofSeconds(10), ServerSecurity.NONE);
  }

  public UserServerConfig withSecurity(ServerSecurity newSecurity) {
    return new UserServerConfig(port, dataset, shutdownGrace, newSecurity);
  }
}
