package dev.grpcpair.post;

import dev.grpcpair.common.ServerSecurity;
import java.nio.file.Path;
import java.time.Duration;

/**
 * What the Post server runs with.
 *
 * @param port where to listen; 0 lets the system choose
 * @param user how to reach the User service
 * @param handlerThreads how many calls may run (and block on the User service) at once
 * @param dataset a dataset file, or null for the embedded sample data
 * @param shutdownGrace how long calls in flight may run on after a stop begins
 * @param security TLS and tokens of the Post server itself
 */
public record PostServerConfig(
    int port,
    UserClientConfig user,
    int handlerThreads,
    Path dataset,
    Duration shutdownGrace,
    ServerSecurity security) {

  public static final int DEFAULT_PORT = 9001;

  /** The defaults, on port {@code port}, asking the User service at {@code userTarget}: what tests start. */
  public static PostServerConfig of(int port, String userTarget) {
    return new PostServerConfig(
        port,
        UserClientConfig.plaintext(userTarget, Duration.ofSeconds(2)),
        16,
        null,
        Duration.ofSeconds(10),
        ServerSecurity.NONE);
  }

  public PostServerConfig withUser(UserClientConfig newUser) {
    return new PostServerConfig(port, newUser, handlerThreads, dataset, shutdownGrace, security);
  }

  public PostServerConfig withUserDeadline(Duration deadline) {
    return withUser(user.withDeadline(deadline));
  }

  public PostServerConfig withShutdownGrace(Duration grace) {
    return new PostServerConfig(port, user, handlerThreads, dataset, grace, security);
  }

  public PostServerConfig withSecurity(ServerSecurity newSecurity) {
    return new PostServerConfig(port, user, handlerThreads, dataset, shutdownGrace, newSecurity);
  }
}
