package dev.grpcpair.user;

import java.nio.file.Path;
import java.time.Duration;

/**
 * What the User server runs with.
 *
 * @param port where to listen; 0 lets the system choose
 * @param dataset a dataset file, or null for the embedded sample data
 * @param shutdownGrace how long calls in flight may run on after a stop begins
 */
public record UserServerConfig(int port, Path dataset, Duration shutdownGrace) {

  public static final int DEFAULT_PORT = 9000;

  /** The defaults on port {@code port}: what tests start. */
  public static UserServerConfig onPort(int port) {
    return new UserServerConfig(port, null, Duration.ofSeconds(10));
  }
}
