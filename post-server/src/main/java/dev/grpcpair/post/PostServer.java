package dev.grpcpair.post;

import dev.grpcpair.common.client.CancelRelay;
import dev.grpcpair.common.client.UserChannel;
import dev.grpcpair.common.client.UserConnectivityHealth;
import dev.grpcpair.common.client.UserReplicaTrail;
import dev.grpcpair.common.observability.Telemetry;
import dev.grpcpair.common.server.GrpcServer;
import dev.grpcpair.common.server.ServerEventLoops;
import dev.grpcpair.common.server.ServerFlags;
import dev.grpcpair.common.server.ServerMain;
import dev.grpcpair.data.InMemoryPostRepository;
import dev.grpcpair.proto.post.v1.PostGrpc;
import io.grpc.protobuf.services.HealthStatusManager;
import java.io.IOException;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Post server: {@code main} of the jar, and {@link #start}, which the tests call too. It owns
 * the one channel to the User service, and the one {@link UserClient} every call shares.
 */
public final class PostServer {

  private static final Logger log = LoggerFactory.getLogger(PostServer.class);

  private PostServer() {}

  public static void main(String[] args) {
    System.exit(ServerMain.run(new PostServerConfig(), args, System.getenv(), PostServer::start));
  }

  public static GrpcServer start(PostServerConfig config) throws IOException {
    ServerFlags flags = config.server;
    InMemoryPostRepository posts = config.data.load(InMemoryPostRepository::new);
    Telemetry telemetry = flags.openTelemetry("post-server", config.port);
    // The User channel's connections run on the server's event loops, as they would on grpc's. Its
    // callers' cancellations reach the User server at a pace it takes (CancelRelay, innermost).
    ServerEventLoops loops = new ServerEventLoops();
    UserChannel channel;
    try {
      channel =
          UserChannel.open(
              config.user,
              flags.tlsReloadInterval(),
              telemetry,
              (target, credentials) ->
                  loops.channelBuilder(target, credentials).intercept(new CancelRelay()));
    } catch (RuntimeException e) {
      telemetry.close();
      loops.close();
      throw e;
    }
    String target = config.user.target;
    UserConnectivityHealth userHealth =
        new UserConnectivityHealth(channel.managed(), target, config.user.unavailableGrace);
    UserClient users = new UserClient(channel.managed(), target, config.user.deadline);
    GrpcServer started =
        GrpcServer.builder("post-server", config.port, flags)
            .addService(new PostServiceImpl(posts, users, flags.maxOutboundMessageSize()))
            .intercept(UserReplicaTrail.serverInterceptor())
            // Closed in this order after the server has drained, when nothing calls the User
            // service any more (and right away if the server cannot start).
            .closeOnStop(userHealth)
            .closeOnStop(channel)
            .telemetry(telemetry)
            .eventLoops(loops)
            .start();
    HealthStatusManager health = started.health();
    // The Post service, and the server as a whole (""), are of no use without users.
    userHealth.start(
        status ->
            List.of(HealthStatusManager.SERVICE_NAME_ALL_SERVICES, PostGrpc.SERVICE_NAME)
                .forEach(service -> health.setStatus(service, status)));
    log.info("post-server asks the user service at {}", target);
    return started;
  }
}
