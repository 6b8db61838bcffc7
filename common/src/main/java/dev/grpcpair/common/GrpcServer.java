package dev.grpcpair.common;

import com.google.common.base.Throwables;
import io.grpc.BindableService;
import io.grpc.Grpc;
import io.grpc.InsecureServerCredentials;
import io.grpc.Server;
import io.grpc.ServerBuilder;
import io.grpc.ServerCallExecutorSupplier;
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
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A started gRPC server with the services every server here carries (health, reflection) and the
 * lifecycle both servers share: {@link #start} → SERVING; {@link #stop} → NOT_SERVING, drain
 * in-flight calls for the grace period, then force; then close what the server owned.
 */
public final class GrpcServer implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(GrpcServer.class);
  /** How long to wait for cancelled calls to unwind after the grace period, before giving up. */
  private static final Duration FORCED_STOP_WAIT = Duration.ofSeconds(5);

  private final String name;
  private final Server server;
  private final HealthWatches healthWatches;
  private final String replicaName;
  private final HealthStatusManager health;
  private final Duration shutdownGrace;
  private final List<AutoCloseable> ownedResources;
  private final AtomicBoolean stopping = new AtomicBoolean();
  private final CountDownLatch stopped = new CountDownLatch(1);

  private GrpcServer(
      Builder builder, Server server, HealthStatusManager health, HealthWatches healthWatches, String replicaName) {
    this.name = builder.name;
    this.replicaName = replicaName;
    this.server = server;
    this.healthWatches = healthWatches;
    this.health = health;
    this.shutdownGrace = builder.shutdownGrace;
    this.ownedResources = List.copyOf(builder.ownedResources);
  }

  public static Builder builder(String name, int port) {
    return new Builder(name, port);
  }

  /** The port the server listens on: the configured one, or the one the system chose for port 0. */
  public int port() {
    return server.getPort();
  }

  /** The name this replica answers {@code x-served-by} with. */
  public String replicaName() {
    return replicaName;
  }

  /** The health service's view of this server, for whoever serves it (and for tests). */
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
      log.info("{} stopping: draining in-flight calls for up to {}", name, Durations.format(shutdownGrace));
      health.enterTerminalState();
      server.shutdown();
      healthWatches.closeAll();
      if (!server.awaitTermination(shutdownGrace.toNanos(), TimeUnit.NANOSECONDS)) {
        log.warn("{} still had calls in flight after {}; cancelling them", name, Durations.format(shutdownGrace));
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

  @Override
  public void close() throws InterruptedException {
    stop();
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
    private final List<ServerServiceDefinition> services = new ArrayList<>();
    private final List<AutoCloseable> ownedResources = new ArrayList<>();
    private final List<ServerInterceptor> interceptors = new ArrayList<>();
    private Duration shutdownGrace = Duration.ofSeconds(10);
    private Executor executor;
    private ServerCallExecutorSupplier callExecutor;
    private ServerSecurity security = ServerSecurity.NONE;
    private ConnectionPolicy connectionPolicy = ConnectionPolicy.DEFAULT;
    private String replicaName;
    private Metrics metrics = Metrics.NONE;

    private Builder(String name, int port) {
      this.name = name;
      this.port = port;
    }

    public Builder addService(BindableService service) {
      services.add(service.bindService());
      return this;
    }

    public Builder shutdownGrace(Duration grace) {
      this.shutdownGrace = grace;
      return this;
    }

    /**
     * Where handlers run. Non-blocking handlers belong on {@code MoreExecutors.directExecutor()}
     * (the event loop itself); handlers that block need a pool of their own. Unset, grpc's default
     * cached pool is used.
     */
    public Builder executor(Executor executor) {
      this.executor = executor;
      return this;
    }

    /** Grace, security, connection policy and replica name at once, as the flags give them (metrics are separate: a process shares them). */
    public Builder settings(ServerSettings settings) {
      return shutdownGrace(settings.shutdownGrace())
          .security(settings.security())
          .connectionPolicy(settings.connections())
          .replicaName(settings.replicaName());
    }

    /** TLS and bearer tokens; plaintext and open to all when unset. */
    public Builder security(ServerSecurity security) {
      this.security = security;
      return this;
    }

    /** Keepalive and connection lifetimes; {@link ConnectionPolicy#DEFAULT} when unset. */
    public Builder connectionPolicy(ConnectionPolicy policy) {
      this.connectionPolicy = policy;
      return this;
    }

    /** The name this server answers {@code x-served-by} with; the server's name and port when unset. */
    public Builder replicaName(String replicaName) {
      this.replicaName = replicaName;
      return this;
    }

    /** grpc's OpenTelemetry metrics for this server's calls; the caller owns (and closes) them. */
    public Builder metrics(Metrics metrics) {
      this.metrics = metrics;
      return this;
    }

    /** Adds an interceptor to every call; the one added last runs first. */
    public Builder intercept(ServerInterceptor interceptor) {
      interceptors.add(interceptor);
      return this;
    }

    /**
     * Chooses the executor per call (by method, say): a supplier returning null leaves the call on
     * {@link #executor}. For servers whose methods do not all block alike.
     */
    public Builder callExecutor(ServerCallExecutorSupplier supplier) {
      this.callExecutor = supplier;
      return this;
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
      HealthStatusManager health = new HealthStatusManager();
      ServerCredentials credentials = InsecureServerCredentials.create();
      if (security.tls() != null) {
        ReloadingTls<ServerCredentials> tls = ReloadingTls.forServer(security.tls());
        ownedResources.add(tls);
        credentials = tls.credentials();
      }
      ServerBuilder<?> builder =
          Grpc.newServerBuilderForPort(port, credentials)
              .addService(health.getHealthService())
              .addService(ProtoReflectionServiceV1.newInstance())
              // The v1alpha reflection service too: BloomRPC-era GUI clients speak nothing else.
              .addService(newV1AlphaReflectionService());
      services.forEach(builder::addService);
      applyConnectionPolicy(builder);
      metrics.configure(builder);
      // grpc runs the interceptor added last first. So, for every call, in this order:
      //   RequestId (adopt or make x-request-id) -> access log (sees every outcome, rejections
      //   too) -> health watches (closable at stop) -> x-served-by -> bearer tokens (nothing past
      //   here sees an unauthenticated call) -> recovery (turns a handler's exception into
      //   INTERNAL) -> the interceptors given to this builder -> the handler.
      interceptors.forEach(builder::intercept);
      builder.intercept(new RecoveryInterceptor());
      if (security.tokens() != null) {
        builder.intercept(new BearerAuthInterceptor(security.tokens(), security.exemptServices()));
      }
      AtomicReference<String> servedBy = new AtomicReference<>(replicaName);
      builder.intercept(new ServedByInterceptor(servedBy::get));
      HealthWatches healthWatches = new HealthWatches();
      builder.intercept(healthWatches);
      builder.intercept(new AccessLogInterceptor());
      builder.intercept(RequestId.serverInterceptor());
      if (executor != null) {
        builder.executor(executor);
      }
      if (callExecutor != null) {
        builder.callExecutor(callExecutor);
      }
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
      GrpcServer started = new GrpcServer(this, server, health, healthWatches, servedBy.get());
      for (ServerServiceDefinition service : services) {
        health.setStatus(service.getServiceDescriptor().getName(), ServingStatus.SERVING);
      }
      health.setStatus(HealthStatusManager.SERVICE_NAME_ALL_SERVICES, ServingStatus.SERVING);
      return started;
    }

    private void applyConnectionPolicy(ServerBuilder<?> builder) {
      ConnectionPolicy policy = connectionPolicy;
      builder
          .keepAliveTime(policy.keepAliveTime().toNanos(), TimeUnit.NANOSECONDS)
          .keepAliveTimeout(policy.keepAliveTimeout().toNanos(), TimeUnit.NANOSECONDS)
          .permitKeepAliveTime(policy.permitKeepAliveTime().toNanos(), TimeUnit.NANOSECONDS)
          .permitKeepAliveWithoutCalls(policy.permitKeepAliveWithoutCalls());
      if (policy.maxConnectionIdle() != null) {
        builder.maxConnectionIdle(policy.maxConnectionIdle().toNanos(), TimeUnit.NANOSECONDS);
      }
      if (policy.maxConnectionAge() != null) {
        builder.maxConnectionAge(policy.maxConnectionAge().toNanos(), TimeUnit.NANOSECONDS);
      }
      if (policy.maxConnectionAgeGrace() != null) {
        builder.maxConnectionAgeGrace(policy.maxConnectionAgeGrace().toNanos(), TimeUnit.NANOSECONDS);
      }
    }

    @SuppressWarnings("deprecation")
    private static BindableService newV1AlphaReflectionService() {
      return ProtoReflectionService.newInstance();
    }
  }
}
