package dev.grpcpair.common.server;

import com.google.common.base.Throwables;
import com.google.common.util.concurrent.MoreExecutors;
import dev.grpcpair.common.observability.AccessLogInterceptor;
import dev.grpcpair.common.observability.PerCallHeaders;
import dev.grpcpair.common.observability.RequestId;
import dev.grpcpair.common.observability.ServedByInterceptor;
import dev.grpcpair.common.observability.Telemetry;
import dev.grpcpair.common.observability.TransportFailureLog;
import dev.grpcpair.common.security.AuthTokens;
import dev.grpcpair.common.security.BearerAuthInterceptor;
import dev.grpcpair.common.security.ReloadingTls;
import io.grpc.BindableService;
import io.grpc.InsecureServerCredentials;
import io.grpc.Server;
import io.grpc.ServerCredentials;
import io.grpc.ServerInterceptor;
import io.grpc.ServerInterceptors;
import io.grpc.ServerServiceDefinition;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.protobuf.services.HealthStatusManager;
import io.grpc.protobuf.services.ProtoReflectionService;
import io.grpc.protobuf.services.ProtoReflectionServiceV1;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What a {@link GrpcServer} is made of: its services, its own interceptors, the resources it owns;
 * {@link #start} builds and starts it. Every handler runs on the transport's event loop ({@code
 * directExecutor()}): handlers here never block, so a thread hop per call would only cost CPU.
 */
public final class GrpcServerBuilder {

  private static final Logger log = LoggerFactory.getLogger(GrpcServer.class);

  private final String name;
  private final int port;
  private final ServerFlags flags;
  private final HealthStatusManager health = new HealthStatusManager();
  private final List<ServerServiceDefinition> services = new ArrayList<>();
  private final List<ServerInterceptor> interceptors = new ArrayList<>();
  private final List<AutoCloseable> ownedResources = new ArrayList<>();
  private Telemetry telemetry = Telemetry.NONE;
  private ServerEventLoops eventLoops;

  GrpcServerBuilder(String name, int port, ServerFlags flags) {
    this.name = name;
    this.port = port;
    this.flags = flags;
  }

  public GrpcServerBuilder addService(BindableService service) {
    services.add(service.bindService());
    return this;
  }

  /** Adds an interceptor that runs after the common ones, just before the handler. */
  public GrpcServerBuilder intercept(ServerInterceptor interceptor) {
    interceptors.add(interceptor);
    return this;
  }

  /**
   * The process' metrics and traces, for this server's calls too; closed when the server stops,
   * after the resources handed to {@link #closeOnStop} before it (the server's clients).
   */
  public GrpcServerBuilder telemetry(Telemetry processTelemetry) {
    this.telemetry = processTelemetry;
    return closeOnStop(processTelemetry);
  }

  /**
   * Serves on {@code loops}, which the server's own clients use too; closed after everything handed
   * to {@link #closeOnStop}. Unset: the server makes its own.
   */
  public GrpcServerBuilder eventLoops(ServerEventLoops loops) {
    this.eventLoops = loops;
    return this;
  }

  /** Closes {@code resource} after the server has stopped, in the order they were added. */
  public GrpcServerBuilder closeOnStop(AutoCloseable resource) {
    ownedResources.add(resource);
    return this;
  }

  /**
   * Builds and starts the server, then reports it SERVING. If it cannot start, the resources handed
   * to {@link #closeOnStop} are closed before the exception is thrown.
   */
  public GrpcServer start() throws IOException {
    try {
      return startOrThrow();
    } catch (IOException | RuntimeException e) {
      GrpcServer.closeAll(ownedResources);
      if (eventLoops != null) {
        eventLoops.close();
      }
      throw e;
    }
  }

  private GrpcServer startOrThrow() throws IOException {
    AuthTokens authTokens = flags.authTokens();
    TransportFailureLog.install();
    NettyServerBuilder builder = NettyServerBuilder.forPort(port, credentials());
    builder.executor(MoreExecutors.directExecutor());
    if (eventLoops == null) {
      eventLoops = new ServerEventLoops();
    }
    ConnectionLimit connections =
        ConnectionLimit.of(
            flags.maxConnections, flags.maxConnectionsPerPeer, DescriptorLimit.soft());
    eventLoops.serve(builder, connections, telemetry.serverSpans());
    applyConnectionSettings(builder);
    AtomicReference<String> servedBy = new AtomicReference<>(flags.replicaName());
    OpenStreams openStreams = new OpenStreams();
    OutboundBudget outbound =
        new OutboundBudget(
            flags.maxOutboundMessageSize, flags.maxUnreadBytesPerConnection, flags.maxUnreadBytes);
    outbound.install(builder);
    AccessLogInterceptor accessLog = new AccessLogInterceptor(CallTracer::transportStatus);
    accessLog.install(builder);
    ServerInterceptor requestId = RequestId.serverInterceptor();
    List<ServerInterceptor> chain =
        interceptorChain(authTokens, servedBy, openStreams, outbound, accessLog, requestId);
    builder.fallbackHandlerRegistry(new UnknownMethods(List.of(accessLog, requestId)));
    List<ServerServiceDefinition> probesAndTools = new ArrayList<>();
    probesAndTools.add(health.getHealthService().bindService());
    probesAndTools.add(ProtoReflectionServiceV1.newInstance().bindService());
    // The v1alpha reflection service too: BloomRPC-era GUI clients speak nothing else.
    probesAndTools.add(newV1AlphaReflectionService().bindService());
    // Each kind of call counts against a bound of its own, so that neither crowds out the other:
    // the server's own calls against --max-calls-in-flight, health watches and reflection streams
    // (on the health port too) against --max-probe-streams. After the access log, which so has a
    // line for each call refused.
    CallsInFlight probeStreams = CallsInFlight.probeStreams(flags.maxProbeStreams);
    // The chain is bound to each method once, here: the server builder's own intercept() builds
    // it again for every call (an object per interceptor and a method definition each time).
    List<ServerInterceptor> probes = counted(chain, accessLog, probeStreams);
    probesAndTools.forEach(
        service ->
            builder.addService(ServerInterceptors.intercept(StrictParsing.of(service), probes)));
    List<ServerInterceptor> calls =
        counted(chain, accessLog, CallsInFlight.calls(flags.maxCallsInFlight));
    services.forEach(
        service ->
            builder.addService(ServerInterceptors.intercept(StrictParsing.of(service), calls)));
    telemetry.configure(builder);
    Server server = listen(builder, "port " + port);
    HealthPort healthPort;
    try {
      healthPort =
          HealthPort.open(
              flags.healthPort,
              health,
              probeStreams,
              eventLoops,
              connections,
              this::applyConnectionSettings);
    } catch (IOException e) {
      server.shutdownNow();
      throw e;
    }
    ownedResources.add(healthPort);
    // Last: the server's own clients run on them until they have closed.
    ownedResources.add(eventLoops);
    // The default name needs the port the system chose; no call is answered before this.
    servedBy.compareAndSet(null, name + ":" + server.getPort());
    GrpcServer started =
        new GrpcServer(
            name,
            server,
            health,
            openStreams,
            servedBy.get(),
            flags.shutdownGrace,
            telemetry,
            healthPort,
            ownedResources);
    reportServing();
    log.info("{} takes {}", name, connections.describe());
    log.info(
        "{} listening on port {} ({})",
        name,
        server.getPort(),
        summary(servedBy.get(), authTokens != null, healthPort.port()));
    return started;
  }

  /** Builds and starts {@code builder}; {@code what} names the port in the error if it cannot. */
  static Server listen(NettyServerBuilder builder, String what) throws IOException {
    try {
      return builder.build().start();
    } catch (IOException e) {
      // Netty's message names the address; its cause says what is wrong with it.
      throw new IOException(
          "cannot listen on " + what + ": " + Throwables.getRootCause(e).getMessage(), e);
    }
  }

  private void reportServing() {
    services.forEach(
        service ->
            health.setStatus(service.getServiceDescriptor().getName(), ServingStatus.SERVING));
    health.setStatus(HealthStatusManager.SERVICE_NAME_ALL_SERVICES, ServingStatus.SERVING);
    // What liveness probes ask for: SERVING until the server starts draining, even while the Post
    // server reports itself and "" NOT_SERVING for want of a User replica (a restart would not
    // help).
    health.setStatus(HealthGrpc.SERVICE_NAME, ServingStatus.SERVING);
  }

  /**
   * grpc runs the interceptor added last first, so this list is in reverse order of the call's
   * path, after the call's trail ({@link CallTracer}: its request id and, when tracing, its span,
   * before any interceptor) → request id (returned in the response headers) → access log (sees
   * every outcome, rejections too) → calls in flight (the server's own services only: refuses calls
   * past its bound) → outbound budget (refuses work for connections that do not read) → open
   * streams (ended with a status at stop) → x-served-by → bearer tokens (nothing past here sees an
   * unauthenticated call) → recovery (the one place failures become statuses) → the server's own
   * interceptors → the handler.
   */
  private List<ServerInterceptor> interceptorChain(
      AuthTokens authTokens,
      AtomicReference<String> servedBy,
      OpenStreams openStreams,
      OutboundBudget outbound,
      AccessLogInterceptor accessLog,
      ServerInterceptor requestId) {
    List<ServerInterceptor> chain = new ArrayList<>(interceptors);
    chain.add(new RecoveryInterceptor());
    if (authTokens != null) {
      chain.add(new BearerAuthInterceptor(authTokens, flags.authExempt()));
    }
    chain.add(new ServedByInterceptor(servedBy::get));
    chain.add(openStreams);
    chain.add(outbound);
    chain.add(accessLog);
    chain.add(requestId);
    return chain;
  }

  /** {@code chain} with {@code bound} put in just after {@code accessLog} on the call's path. */
  private static List<ServerInterceptor> counted(
      List<ServerInterceptor> chain, ServerInterceptor accessLog, CallsInFlight bound) {
    List<ServerInterceptor> counted = new ArrayList<>(chain);
    counted.add(counted.indexOf(accessLog), bound);
    return counted;
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

  /**
   * Keepalive, connection lifetimes, rapid-reset and size limits, as the flags say, and the headers
   * kept out of HPACK's table: the serving port's and the health port's alike.
   */
  private void applyConnectionSettings(NettyServerBuilder builder) {
    builder
        .maxInboundMessageSize(flags.maxInboundMessageSize)
        .maxInboundMetadataSize(flags.maxInboundMetadataSize)
        .maxConcurrentCallsPerConnection(flags.maxConcurrentCallsPerConnection)
        // Resets of any kind, the client's and those its malformed frames make the server send
        // (CVE-2025-8671), past which grpc closes a connection whatever else it does: a backstop
        // far above RapidResets', which tells attacks from busy clients that cancel.
        .maxRstFramesPerWindow(RapidResets.MAX_RESETS_OF_ANY_KIND, RapidResets.WINDOW_SECONDS)
        .keepAliveTime(flags.keepAliveTime.toNanos(), TimeUnit.NANOSECONDS)
        .keepAliveTimeout(flags.keepAliveTimeout.toNanos(), TimeUnit.NANOSECONDS)
        .permitKeepAliveTime(flags.permitKeepAliveTime.toNanos(), TimeUnit.NANOSECONDS)
        .permitKeepAliveWithoutCalls(flags.permitKeepAliveWithoutCalls)
        .neverIndexMetadataKeys(PerCallHeaders.NEVER_INDEXED);
    if (flags.maxConnectionIdle != null) {
      builder.maxConnectionIdle(flags.maxConnectionIdle.toNanos(), TimeUnit.NANOSECONDS);
    }
    if (flags.maxConnectionAge != null) {
      builder.maxConnectionAge(flags.maxConnectionAge.toNanos(), TimeUnit.NANOSECONDS);
    }
    if (flags.maxConnectionAgeGrace != null) {
      builder.maxConnectionAgeGrace(flags.maxConnectionAgeGrace.toNanos(), TimeUnit.NANOSECONDS);
    }
  }

  /** For the start-up line: what a caller needs to know to reach this server. */
  private String summary(String replica, boolean tokenRequired, int healthPort) {
    String transport =
        flags.tlsCert == null ? "plaintext" : flags.tlsClientCa == null ? "TLS" : "mutual TLS";
    String auth = tokenRequired ? "bearer token required" : "no token required";
    String healthAt = healthPort == 0 ? "" : ", health on port " + healthPort;
    return "replica " + replica + ", " + transport + ", " + auth + telemetry.describe() + healthAt;
  }

  @SuppressWarnings("deprecation")
  private static BindableService newV1AlphaReflectionService() {
    return ProtoReflectionService.newInstance();
  }
}
