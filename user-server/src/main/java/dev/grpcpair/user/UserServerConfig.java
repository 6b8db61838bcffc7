package dev.grpcpair.user;

import dev.grpcpair.common.ServerSettings;
import dev.grpcpair.data.DatasetSource;

/**
 * What the User server runs with.
 *
 * @param port where to listen; 0 lets the system choose
 * @param dataset where the users come from
 * @param server what every server is configured with: grace, security, connections, replica name
 */
public record UserServerConfig(int port, DatasetSource dataset, ServerSettings server) {

  /** The defaults on port {@code port}: what tests start. */
  public static UserServerConfig onPort(int port) {
    return new UserServerConfig(port, DatasetSource.SEED, ServerSettings.DEFAULT);
  }

  public UserServerConfig withServer(ServerSettings settings) {
    return new UserServerConfig(port, dataset, settings);
  }
}
