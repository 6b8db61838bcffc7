package dev.grpcpair.common.server;

/** A server {@link ServerMain} serves until a signal: a {@link GrpcServer}, or the HTTP gateway. */
public interface RunningServer {

  /** Stops gracefully: calls in flight finish within the server's grace period. */
  void stop() throws InterruptedException;

  /** Blocks until the server has stopped. */
  void awaitStopped() throws InterruptedException;
}
