package dev.grpcpair.post;

import dev.grpcpair.common.ServerSettings;
import dev.grpcpair.data.DatasetSource;
import java.time.Duration;

/**
 * What the Post server runs with.
 *
 * @param port where to listen; 0 lets the system choose
 * @param user how to reach the User service
 * @param handlerThreads how many calls may run (and block on the User service) at once
 * @param dataset where the posts come from
 * @param server what every server is configured with: grace, security, connections, replica name
 * @param unaryOnEventLoop whether the unary methods (which never block) run on the event loop, or
 *     on the handler pool like the streaming ones (measured in BENCHMARKS.md)
 */
public record PostServerConfig(
    int port,
    UserClientConfig user,
    int handlerThreads,
    DatasetSource dataset,
    ServerSettings server,
    boolean unaryOnEventLoop) {

  /** The defaults, on port {@code port}, asking the User service at {@code userTarget}: what tests start. */
  public static PostServerConfig of(int port, String userTarget) {
    return new PostServerConfig(
        port, UserClientConfig.plaintext(userTarget, Duration.ofSeconds(2)), 16, DatasetSource.SEED, ServerSettings.DEFAULT, true);
  }

  public PostServerConfig withUser(UserClientConfig newUser) {
    return new PostServerConfig(port, newUser, handlerThreads, dataset, server, unaryOnEventLoop);
  }

  public PostServerConfig withUserDeadline(Duration deadline) {
    return withUser(user.withDeadline(deadline));
  }

  public PostServerConfig withServer(ServerSettings settings) {
    return new PostServerConfig(port, user, handlerThreads, dataset, settings, unaryOnEventLoop);
  }
}
