package dev.grpcpair.user;

import dev.grpcpair.common.ServerSettings;
import java.nio.file.Path;

/**
 * What the User server runs with.
 *
 * @param port where to listen; 0 lets the system choose
 * @param dataset a dataset file, or null for the embedded sample data
 * @param server what every server is configured with: grace, security, connections, replica name
 */
public record UserServerConfig(int port, Path dataset, ServerSettings server) {

  public static final int DEFAULT_PORT = 9000;

  /** The defaults on port {@code port}: what tests start. */
  public static UserServerConfig onPort(int port) {
    return new UserServerConfig(port, null, ServerSettings.DEFAULT);
  }

  public UserServerConfig withServer(ServerSettings settings) {
    return new UserServerConfig(port, dataset, settings);
  }
}
