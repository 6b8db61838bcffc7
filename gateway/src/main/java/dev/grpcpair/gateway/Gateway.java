package dev.grpcpair.gateway;

import com.google.api.Http;
import dev.grpcpair.common.client.UserChannel;
import dev.grpcpair.common.client.UserConnectivityHealth;
import dev.grpcpair.common.observability.Telemetry;
import dev.grpcpair.common.server.DescriptorLimit;
import dev.grpcpair.common.server.RunningServer;
import dev.grpcpair.common.server.ServerMain;
import dev.grpcpair.proto.post.v1.PostGrpc;
import dev.grpcpair.proto.user.v1.UserGrpc;
import io.grpc.ManagedChannel;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelOption;
import java.net.InetSocketAddress;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The gateway of the original's part 3: HTTP/JSON (and gRPC-Web) in front of the User service,
 * routed by the {@code google.api.http} rules in its descriptors, and of the Post service, by rules
 * of the gateway's own ({@link HttpRules}). It calls the User server through the same {@link
 * UserChannel} as the Post server: TLS, token, balancing, health checking and hedging as configured
 * there.
 */
public final class Gateway implements RunningServer {

  private static final Logger log = LoggerFactory.getLogger(Gateway.class);

  private final Channel listening;
  private final EventLoops loops;
  private final UserConnectivityHealth userHealth;
  private final UserChannel channel;
  private final ManagedChannel posts;
  private final Telemetry telemetry;
  private final GatewayConfig config;
  private final GatewayServices services;

  private Gateway(
      Channel listening,
      EventLoops loops,
      UserConnectivityHealth userHealth,
      UserChannel channel,
      ManagedChannel posts,
      Telemetry telemetry,
      GatewayConfig config,
      GatewayServices services) {
    this.listening = listening;
    this.loops = loops;
    this.userHealth = userHealth;
    this.channel = channel;
    this.posts = posts;
    this.telemetry = telemetry;
    this.config = config;
    this.services = services;
  }

  public static void main(String[] args) {
    System.exit(ServerMain.run(new GatewayConfig(), args, System.getenv(), Gateway::start));
  }

  /** Starts the gateway; the User server need not be up (the channel connects when it is). */
  public static Gateway start(GatewayConfig config) {
    // A rules file that does not parse fails the start before anything is opened.
    Http rules = HttpRules.load(config.httpRules);
    Telemetry telemetry = config.telemetry.open("gateway", null, config.port);
    EventLoops loops = new EventLoops();
    UserChannel channel;
    ManagedChannel posts;
    try {
      channel =
          UserChannel.open(config.user, config.tlsReloadInterval, telemetry, loops::channelBuilder);
    } catch (RuntimeException e) {
      loops.shutdown();
      telemetry.close();
      throw e;
    }
    try {
      posts = PostChannel.open(config, telemetry, loops);
    } catch (RuntimeException e) {
      channel.close();
      loops.shutdown();
      telemetry.close();
      throw e;
    }
    UserConnectivityHealth userHealth =
        new UserConnectivityHealth(
            channel.managed(), config.user.target, config.user.unavailableGrace);
    try {
      Routes routes =
          new Routes()
              .add(
                  dev.grpcpair.proto.user.v2.UserGrpc.getServiceDescriptor(),
                  channel.managed(),
                  rules)
              .add(UserGrpc.getServiceDescriptor(), channel.managed(), rules)
              .add(PostGrpc.getServiceDescriptor(), posts, rules)
              .checkSelectors(rules);
      GatewayServices services =
          new GatewayServices(
              routes,
              new HttpMetrics(telemetry),
              new HttpSpans(telemetry),
              config.user.deadline,
              config.maxRequestsInFlight,
              new UnreadAnswers(config.maxUnreadBytesPerConnection, config.maxUnreadBytes));
      ChannelFuture bound =
          new ServerBootstrap()
              .group(loops.boss, loops.workers)
              .channel(loops.serverChannel())
              .option(ChannelOption.SO_BACKLOG, 1024)
              .childOption(ChannelOption.TCP_NODELAY, true)
              .childHandler(
                  new HttpChannels(
                      services,
                      new BodyBudget(config.maxHeldBodyBytes),
                      config.requestTimeout,
                      config.idleTimeout,
                      new ConnectionCap(config.maxConnections, DescriptorLimit.soft())))
              .bind(new InetSocketAddress(config.port))
              .awaitUninterruptibly();
      if (!bound.isSuccess()) {
        // As the servers say it: which port, and why.
        throw new IllegalStateException(
            "cannot listen on port " + config.port + ": " + bound.cause().getMessage(),
            bound.cause());
      }
      Channel listening = bound.channel();
      userHealth.start(status -> services.healthy(status == ServingStatus.SERVING));
      Gateway gateway =
          new Gateway(listening, loops, userHealth, channel, posts, telemetry, config, services);
      log.info(
          "gateway listening on port {} (HTTP/1.1 and h2c; User service at {}, Post service at"
              + " {}{})",
          gateway.port(),
          config.user.target,
          config.postTarget,
          telemetry.describe());
      return gateway;
    } catch (RuntimeException e) {
      userHealth.close();
      channel.close();
      posts.shutdownNow();
      loops.shutdown();
      telemetry.close();
      throw e;
    }
  }

  /** The port metrics are served on; 0 when off. */
  public int metricsPort() {
    return telemetry.port();
  }

  /** The port it listens on: the one asked for, or the one the system chose for 0. */
  public int port() {
    return ((InetSocketAddress) listening.localAddress()).getPort();
  }

  /**
   * Stops taking connections, lets requests in flight finish for up to the shutdown grace (their
   * calls end by their deadlines), then closes every connection and the User channel.
   */
  @Override
  public void stop() throws InterruptedException {
    log.info("gateway stopping: draining requests in flight");
    listening.close().syncUninterruptibly();
    if (!services.drain(config.shutdownGrace)) {
      log.warn(
          "requests still in flight after {}: their connections are closed", config.shutdownGrace);
    }
    // The gRPC channels first: their connections run on the event loops.
    userHealth.close();
    channel.close();
    UserChannel.close(posts);
    loops.shutdown();
    telemetry.close();
    log.info("gateway stopped");
  }

  @Override
  public void awaitStopped() throws InterruptedException {
    listening.closeFuture().sync();
    loops.workers.terminationFuture().sync();
  }
}
