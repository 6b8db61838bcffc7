package dev.grpcpair.common.server;

import com.google.common.base.Throwables;
import com.google.common.util.concurrent.MoreExecutors;
import dev.grpcpair.common.config.DurationConverter;
import dev.grpcpair.common.observability.AccessLogInterceptor;
import dev.grpcpair.common.observability.Metrics;
import dev.grpcpair.common.observability.RequestId;
import dev.grpcpair.common.observability.ServedByInterceptor;
import dev.grpcpair.common.security.BearerAuthInterceptor;
import dev.grpcpair.common.security.ReloadingTls;
import io.grpc.BindableService;
import io.grpc.Grpc;
import io.grpc.InsecureServerCredentials;
import io.grpc.Server;
import io.grpc.ServerBuilder;
import io.grpc.ServerCredentials;
import io.grpc.ServerInterceptor;
import io.grpc.ServerServiceDefinition;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.protobuf.services.HealthStatusManager;
import io.grpc.protobuf.services.ProtoReflectionService;
import io.grpc.protobuf.services.ProtoReflectionServiceV1;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A started gRPC server with what every server here carries (health, reflection, the interceptor
 * chain) and the lifecycle both servers share: {@link Builder#start} → SERVING; {@link #stop} →
 * NOT_SERVING, drain in-flight calls for the grace period, then force; then close what it owned.
 *
 * <p>Every handler runs on the transport's event loop ({@code directExecutor()}): handlers here
 * never block (they answer from memory, or from a future), so a thread hop per call would only cost
 * CPU. A handler that blocks must not be added to this server.
 */
public final class GrpcServer implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(GrpcServer.class);

  /** How long to wait for cancelled calls to unwind after the grace period, before giving up. */
  private static final Duration FORCED_STOP_WAIT = Duration.ofSeconds(5);

  private final String name;
  private final Server server;
  private final HealthStatusManager health;
  private final HealthWatches healthWatches;
  private final String replicaName;
  private final Duration shutdownGrace;
  private final Metrics metrics;
  private final List<AutoCloseable> ownedResources;
  private final AtomicBoolean stopping = new AtomicBoolean();
  private final CountDownLatch stopped = new CountDownLatch(1);

  private GrpcServer(Builder builder, Server server, HealthWatches watches, String replicaName) {
    this.name = builder.name;
    this.server = server;
    this.health = builder.health;
    this.healthWatches = watches;
    this.replicaName = replicaName;
    this.shutdownGrace = builder.flags.shutdownGrace;
    this.metrics = builder.metrics;
    this.ownedResources = List.copyOf(builder.ownedResources);
  }

  /** A server called {@code name} (in logs and the default replica name), configured by flags. */
  public static Builder builder(String name, int port, ServerFlags flags) {
    return new Builder(name, port, flags);
  }

  /** The port the server listens on: the configured one, or the one the system chose for 0. */
  public int port() {
    return server.getPort();
  }

  /** The port metrics are served on; 0 when metrics are off. */
  public int metricsPort() {
    return metrics.port();
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
      healthWatches.closeAll();
      if (!server.awaitTermination(shutdownGrace.toNanos(), TimeUnit.NANOSECONDS)) {
        log.warn("{} still had calls in flight after {}; cancelling them", name, grace);
        server.shutdownNow();
        server.awaitTermination(FORCED_STOP_WAIT.toNanos(), TimeUnit.NANOSECONDS);
      }
      closeAll(ownedResources);
      log.info("{} stopped", name);
    } finally {
      stopped.countDown();
    }
  }

  /** Blocks until {@link #stop} has finished. */
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

  private static void closeAll(List<AutoCloseable> resources) {
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

  /** What a server is made of; {@link #start} builds and starts it. */
  public static final class Builder {
    private final String name;
    private final int port;
    private final ServerFlags flags;
    private final HealthStatusManager health = new HealthStatusManager();
    private final List<ServerServiceDefinition> services = new ArrayList<>();
    private final List<ServerInterceptor> interceptors = new ArrayList<>();
    private final List<AutoCloseable> ownedResources = new ArrayList<>();
    private Metrics metrics = Metrics.NONE;

    private Builder(String name, int port, ServerFlags flags) {
      this.name = name;
      this.port = port;
      this.flags = flags;
    }

    public Builder addService(BindableService service) {
      services.add(service.bindService());
      return this;
    }

    /** Adds an interceptor that runs after the common ones, just before the handler. */
    public Builder intercept(ServerInterceptor interceptor) {
      interceptors.add(interceptor);
      return this;
    }

    /** grpc's OpenTelemetry metrics for this server's calls; closed when the server stops. */
    public Builder metrics(Metrics processMetrics) {
      this.metrics = processMetrics;
      return closeOnStop(processMetrics);
    }

    /** Closes {@code resource} after the server has stopped, in the order they were added. */
    public Builder closeOnStop(AutoCloseable resource) {
      ownedResources.add(resource);
      return this;
    }

    /**
     * Builds and starts the server, then reports it SERVING. If it cannot start, the resources
     * handed to {@link #closeOnStop} are closed before the exception is thrown.
     */
    public GrpcServer start() throws IOException {
      try {
        return startOrThrow();
      } catch (IOException | RuntimeException e) {
        closeAll(ownedResources);
        throw e;
      }
    }

    private GrpcServer startOrThrow() throws IOException {
      ServerBuilder<?> builder =
          Grpc.newServerBuilderForPort(port, credentials())
              .executor(MoreExecutors.directExecutor())
              .addService(health.getHealthService())
              .addService(ProtoReflectionServiceV1.newInstance())
              // The v1alpha reflection service too: BloomRPC-era GUI clients speak nothing else.
              .addService(newV1AlphaReflectionService());
      services.forEach(builder::addService);
      ConnectionSettings.apply(flags, builder);
      metrics.configure(builder);
      AtomicReference<String> servedBy = new AtomicReference<>(flags.replicaName);
      HealthWatches watches = new HealthWatches();
      interceptorChain(servedBy, watches).forEach(builder::intercept);
      Server server = builder.build();
      try {
        server.start();
      } catch (IOException e) {
        // Netty's message names the address; its cause says what is wrong with it.
        throw new IOException(
            "cannot listen on port " + port + ": " + Throwables.getRootCause(e).getMessage(), e);
      }
      // The default name needs the port the system chose; no call is answered before this.
      servedBy.compareAndSet(null, name + ":" + server.getPort());
      GrpcServer started = new GrpcServer(this, server, watches, servedBy.get());
      services.forEach(
          service ->
              health.setStatus(service.getServiceDescriptor().getName(), ServingStatus.SERVING));
      health.setStatus(HealthStatusManager.SERVICE_NAME_ALL_SERVICES, ServingStatus.SERVING);
      log.info("{} listening on port {} ({})", name, server.getPort(), summary(servedBy.get()));
      return started;
    }

    /**
     * grpc runs the interceptor added last first, so this list is in reverse order of the call's
     * path: request id (adopt or make x-request-id) → access log (sees every outcome, rejections
     * too) → health watches (closable at stop) → x-served-by → bearer tokens (nothing past here
     * sees an unauthenticated call) → recovery (the one place failures become statuses) → the
     * server's own interceptors → the handler.
     */
    private List<ServerInterceptor> interceptorChain(
        AtomicReference<String> servedBy, HealthWatches watches) {
      List<ServerInterceptor> chain = new ArrayList<>(interceptors);
      chain.add(new RecoveryInterceptor());
      if (flags.authTokens != null) {
        chain.add(new BearerAuthInterceptor(flags.authTokens, flags.authExempt));
      }
      chain.add(new ServedByInterceptor(servedBy::get));
      chain.add(watches);
      chain.add(new AccessLogInterceptor());
      chain.add(RequestId.serverInterceptor());
      return chain;
    }

    private ServerCredentials credentials() {
      if (flags.tlsCert == null) {
        return InsecureServerCredentials.create();
      }
      ReloadingTls<ServerCredentials> tls =
          ReloadingTls.forServer(
              flags.tlsCert, flags.tlsKey, flags.tlsClientCa, flags.tlsReloadInterval);
      ownedResources.add(tls);
      return tls.credentials();
    }

    /** For the start-up line: what a caller needs to know to reach this server. */
    private String summary(String replica) {
      String transport =
          flags.tlsCert == null ? "plaintext" : flags.tlsClientCa == null ? "TLS" : "mutual TLS";
      String auth = flags.authTokens == null ? "no token required" : "bearer token required";
      String metricsAt = metrics.port() == 0 ? "" : ", metrics on port " + metrics.port();
      return "replica " + replica + ", " + transport + ", " + auth + metricsAt;
    }

    @SuppressWarnings("deprecation")
    private static BindableService newV1AlphaReflectionService() {
      return ProtoReflectionService.newInstance();
    }
  }
}
