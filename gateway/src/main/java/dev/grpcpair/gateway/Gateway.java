package dev.grpcpair.gateway;

import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.common.HttpStatus;
import com.linecorp.armeria.common.MediaType;
import com.linecorp.armeria.common.grpc.GrpcJsonMarshaller;
import com.linecorp.armeria.common.util.EventLoopGroups;
import com.linecorp.armeria.server.HttpService;
import com.linecorp.armeria.server.Server;
import com.linecorp.armeria.server.grpc.GrpcService;
import com.linecorp.armeria.server.grpc.HttpJsonTranscodingOptions;
import com.linecorp.armeria.server.healthcheck.HealthCheckService;
import com.linecorp.armeria.server.healthcheck.SettableHealthChecker;
import dev.grpcpair.common.client.UserChannel;
import dev.grpcpair.common.client.UserConnectivityHealth;
import dev.grpcpair.common.observability.AccessLogInterceptor;
import dev.grpcpair.common.observability.Metrics;
import dev.grpcpair.common.observability.RequestId;
import dev.grpcpair.common.server.RunningServer;
import dev.grpcpair.common.server.ServerMain;
import dev.grpcpair.proto.user.v2.UserProto;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.netty.channel.EventLoopGroup;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The gateway of the original's part 3: HTTP/JSON (and gRPC-Web) in front of the User service's
 * {@code v2.user.User}, routed by the {@code google.api.http} rules in its descriptors. It calls
 * the User server through the same {@link UserChannel} as the Post server: TLS, token, balancing,
 * health checking and retries as configured there.
 */
public final class Gateway implements RunningServer {

  private static final Logger log = LoggerFactory.getLogger(Gateway.class);
  private static final int EVENT_LOOPS = 2;
  private static final int MAX_URL_BYTES = 8192;
  static final String HEALTH_PATH = "/healthz";
  static final String OPENAPI_PATH = "/openapi.json";

  private final Server server;
  private final EventLoopGroup eventLoops;
  private final UserConnectivityHealth userHealth;
  private final UserChannel channel;
  private final Metrics metrics;

  private Gateway(
      Server server,
      EventLoopGroup eventLoops,
      UserConnectivityHealth userHealth,
      UserChannel channel,
      Metrics metrics) {
    this.server = server;
    this.eventLoops = eventLoops;
    this.userHealth = userHealth;
    this.channel = channel;
    this.metrics = metrics;
  }

  public static void main(String[] args) {
    System.exit(ServerMain.run(new GatewayConfig(), args, Gateway::start));
  }

  /** Starts the gateway; the User server need not be up (the channel connects when it is). */
  public static Gateway start(GatewayConfig config) {
    Metrics metrics = config.metricsPort == null ? Metrics.NONE : Metrics.serve(config.metricsPort);
    UserChannel channel;
    try {
      channel = UserChannel.open(config.user, config.tlsReloadInterval, metrics);
    } catch (RuntimeException e) {
      metrics.close();
      throw e;
    }
    UserConnectivityHealth userHealth =
        new UserConnectivityHealth(
            channel.managed(), config.user.target, config.user.unavailableGrace);
    // Its own event loops, stopped with it: Armeria's shared ones are shut down by a JVM shutdown
    // hook of their own, and a stop from ours then never completed.
    EventLoopGroup eventLoops = EventLoopGroups.newEventLoopGroup(EVENT_LOOPS);
    try {
      SettableHealthChecker reachable = new SettableHealthChecker(true);
      Server server =
          Server.builder()
              .http(config.port)
              .service(users(channel, config))
              // For load balancers and Kubernetes probes: 503 while no User replica is reachable.
              .service(HEALTH_PATH, HealthCheckService.of(reachable))
              .service(OPENAPI_PATH, openApi())
              .decorator(JsonResponseHeaders.decorator())
              .errorHandler(GatewayErrors.ofRequests())
              .workerGroup(eventLoops, false)
              // URLs up to 8 KiB, as Go's HTTP server takes them; longer ones answer 414.
              .http1MaxInitialLineLength(MAX_URL_BYTES)
              .gracefulShutdownTimeout(Duration.ZERO, config.shutdownGrace)
              .build();
      server.start().join();
      userHealth.start(status -> reachable.setHealthy(status == ServingStatus.SERVING));
      Gateway gateway = new Gateway(server, eventLoops, userHealth, channel, metrics);
      log.info(
          "gateway listening on port {} (HTTP/1.1 and h2c; User service at {}{})",
          gateway.port(),
          config.user.target,
          metrics.port() == 0 ? "" : "; metrics on port " + metrics.port());
      return gateway;
    } catch (RuntimeException e) {
      eventLoops.shutdownGracefully(0, 0, TimeUnit.SECONDS);
      userHealth.close();
      channel.close();
      metrics.close();
      throw e;
    }
  }

  /** The OpenAPI document of the routes, made once from the descriptors. */
  private static HttpService openApi() {
    String document = OpenApi.document(UserProto.getDescriptor().getServices());
    return (ctx, request) -> HttpResponse.of(HttpStatus.OK, MediaType.JSON, document);
  }

  /** {@code v2.user.User} over HTTP/JSON and gRPC-Web, each call made on the User server. */
  private static GrpcService users(UserChannel channel, GatewayConfig config) {
    return GrpcService.builder()
        .addService(new UserForwarder(channel.managed(), config.user.deadline))
        // The last runs first, as in grpc: X-Request-Id adopted (or made) and passed on by the
        // channel, as the Post server does (one id in every server's access log); one access-log
        // line per request, in the servers' format.
        .intercept(
            ForwardedMetadata.serverInterceptor(),
            new AccessLogInterceptor(),
            new HttpPeer(),
            RequestId.serverInterceptor())
        // grpc-gateway writes fields at their default value ("age": 0, "nextPageToken": "").
        .jsonMarshallerFactory(
            service ->
                GrpcJsonMarshaller.builder()
                    .jsonMarshallerCustomizer(json -> json.includingDefaultValueFields(true))
                    .build(service))
        .enableHttpJsonTranscoding(
            HttpJsonTranscodingOptions.builder().errorHandler(GatewayErrors.ofCalls()).build())
        .build();
  }

  /** The port metrics are served on; 0 when off. */
  public int metricsPort() {
    return metrics.port();
  }

  /** The port it listens on: the one asked for, or the one the system chose for 0. */
  public int port() {
    return server.activeLocalPort();
  }

  @Override
  public void stop() {
    log.info("gateway stopping: draining requests in flight");
    server.stop().join();
    // Nothing is left for them to do: no quiet period (Netty's default waits 2 s).
    eventLoops.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    userHealth.close();
    channel.close();
    metrics.close();
    log.info("gateway stopped");
  }

  @Override
  public void awaitStopped() {
    server.whenClosed().join();
  }
}
