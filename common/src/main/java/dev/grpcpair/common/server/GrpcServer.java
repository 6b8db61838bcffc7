package dev.grpcpair.common.server;

import dev.grpcpair.common.config.DurationConverter;
import dev.grpcpair.common.observability.Telemetry;
import io.grpc.Server;
import io.grpc.protobuf.services.HealthStatusManager;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A started gRPC server with what every server here carries (health, reflection, the interceptor
 * chain) and the lifecycle both servers share: {@link GrpcServerBuilder#start} → SERVING; {@link
 * #stop} → NOT_SERVING, drain in-flight calls for the grace period, then force; then close what it
 * owned.
 *
 * <p>Every handler runs on the transport's event loop ({@code directExecutor()}): handlers here
 * never block (they answer from memory, or from a future), so a thread hop per call would only cost
 * CPU. A handler that blocks must not be added to this server.
 */
public final class GrpcServer implements RunningServer, AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(GrpcServer.class);

  /**
   * After the grace period: how long the streams ended with UNAVAILABLE get to carry it to clients
   * that read, before everything still open is reset; and how long the reset gets. With closing
   * what the server owns, a stop takes at most the grace period and a second, whatever clients do
   * (one that never reads holds its calls open until they are reset).
   */
  private static final Duration ENDED_STREAMS_WAIT = Duration.ofMillis(400);

  private static final Duration RESET_WAIT = Duration.ofMillis(200);

  private final String name;
  private final Server server;
  private final HealthStatusManager health;
  private final OpenStreams openStreams;
  private final String replicaName;
  private final Duration shutdownGrace;
  private final Telemetry telemetry;
  private final List<AutoCloseable> ownedResources;
  private final HealthPort healthPort;
  private final AtomicBoolean stopping = new AtomicBoolean();
  private final CountDownLatch stopped = new CountDownLatch(1);

  GrpcServer(
      String name,
      Server server,
      HealthStatusManager health,
      OpenStreams openStreams,
      String replicaName,
      Duration shutdownGrace,
      Telemetry telemetry,
      HealthPort healthPort,
      List<AutoCloseable> ownedResources) {
    this.name = name;
    this.server = server;
    this.health = health;
    this.openStreams = openStreams;
    this.replicaName = replicaName;
    this.shutdownGrace = shutdownGrace;
    this.telemetry = telemetry;
    this.healthPort = healthPort;
    this.ownedResources = List.copyOf(ownedResources);
  }

  /** A server called {@code name} (in logs and the default replica name), configured by flags. */
  public static GrpcServerBuilder builder(String name, int port, ServerFlags flags) {
    return new GrpcServerBuilder(name, port, flags);
  }

  /** The port the server listens on: the configured one, or the one the system chose for 0. */
  public int port() {
    return server.getPort();
  }

  /** The port metrics are served on; 0 when metrics are off. */
  public int metricsPort() {
    return telemetry.port();
  }

  /** The plaintext health port ({@code --health-port}); 0 when there is none. */
  public int healthPort() {
    return healthPort.port();
  }

  /** The name this replica answers {@code x-served-by} with. */
  public String replicaName() {
    return replicaName;
  }

  /** The health service's view of this server, for whoever reports to it. */
  public HealthStatusManager health() {
    return health;
  }

  public boolean isStopping() {
    return stopping.get();
  }

  /**
   * Stops gracefully, once: reports NOT_SERVING, refuses new calls, lets calls in flight finish
   * within the grace period, cancels those still running, then closes the resources the server
   * owned. Later calls wait for the first one to finish.
   */
  @Override
  public void stop() throws InterruptedException {
    if (!stopping.compareAndSet(false, true)) {
      stopped.await();
      return;
    }
    try {
      String grace = DurationConverter.format(shutdownGrace);
      log.info("{} stopping: draining in-flight calls for up to {}", name, grace);
      health.enterTerminalState();
      server.shutdown();
      openStreams.closeHealthWatches();
      if (!server.awaitTermination(shutdownGrace.toNanos(), TimeUnit.NANOSECONDS)) {
        log.warn("{} still had calls in flight after {}; ending them", name, grace);
        // Ended with UNAVAILABLE (retry elsewhere), which reaches a client reading its stream;
        // what is still open after that is reset, and reads CANCELLED.
        openStreams.closeAll();
        if (!server.awaitTermination(ENDED_STREAMS_WAIT.toNanos(), TimeUnit.NANOSECONDS)) {
          server.shutdownNow();
          server.awaitTermination(RESET_WAIT.toNanos(), TimeUnit.NANOSECONDS);
        }
      }
      closeAll(ownedResources);
      log.info("{} stopped", name);
    } finally {
      stopped.countDown();
    }
  }

  /** Blocks until {@link #stop} has finished. */
  @Override
  public void awaitStopped() throws InterruptedException {
    stopped.await();
  }

  /** {@link #stop}, for try-with-resources; an interrupt is kept for the caller to see. */
  @Override
  public void close() {
    try {
      stop();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** Closes each of {@code resources}, in order; a failure is logged and the rest still closed. */
  static void closeAll(List<AutoCloseable> resources) {
    for (AutoCloseable resource : resources) {
      try {
        resource.close();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      } catch (Exception e) {
        log.warn("closing {} failed: {}", resource, e.toString());
      }
    }
  }
}
