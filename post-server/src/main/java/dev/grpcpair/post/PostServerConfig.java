package dev.grpcpair.post;

import java.nio.file.Path;
import java.time.Duration;

/**
 * What the Post server runs with.
 *
 * @param port where to listen; 0 lets the system choose
 * @param userTarget the User service: any grpc target string ({@code localhost:9000}, {@code dns:///users:9000})
 * @param userDeadline the deadline of a call to the User service when the incoming call has none
 * @param handlerThreads how many calls may run (and block on the User service) at once
 * @param dataset a dataset file, or null for the embedded sample data
 * @param shutdownGrace how long calls in flight may run on after a stop begins
 */
public record PostServerConfig(
    int port,
    String userTarget,
    Duration userDeadline,
    int handlerThreads,
    Path dataset,
    Duration shutdownGrace) {

  public static final int DEFAULT_PORT = 9001;

  /** The defaults, on port {@code port}, asking the User service at {@code userTarget}: what tests start. */
  public static PostServerConfig of(int port, String userTarget) {
    return new PostServerConfig(port, userTarget, Duration.ofSeconds(2), 16, null, Duration.ofSeconds(10));
  }

  public PostServerConfig withUserDeadline(Duration deadline) {
    return new PostServerConfig(port, userTarget, deadline, handlerThreads, dataset, shutdownGrace);
  }

  public PostServerConfig withDataset(Path file) {
    return new PostServerConfig(port, userTarget, userDeadline, handlerThreads, file, shutdownGrace);
  }

  public PostServerConfig withShutdownGrace(Duration grace) {
    return new PostServerConfig(port, userTarget, userDeadline, handlerThreads, dataset, grace);
  }
}
