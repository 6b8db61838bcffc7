package dev.grpcpair.post;

import com.google.common.util.concurrent.ThreadFactoryBuilder;
import dev.grpcpair.common.GrpcServer;
import dev.grpcpair.common.Metrics;
import dev.grpcpair.data.InMemoryPostRepository;
import dev.grpcpair.data.PostRepository;
import dev.grpcpair.proto.post.v1.PostGrpc;
import io.grpc.protobuf.services.HealthStatusManager;
import com.google.common.util.concurrent.MoreExecutors;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.ServerCall;
import java.io.IOException;
import java.util.concurrent.Executor;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/** Assembles and starts the Post server; the jar's {@code main} and the tests both start it here. */
public final class PostServer {

  private PostServer() {}

  /** Unary calls on the event loop; null: the server's executor (the handler pool) for the rest. */
  private static Executor unaryOnEventLoop(ServerCall<?, ?> call, Metadata headers) {
    return call.getMethodDescriptor().getType() == MethodDescriptor.MethodType.UNARY
        ? MoreExecutors.directExecutor()
        : null;
  }

  /** Every call on the handler pool: the alternative the benchmark measures. */
  private static Executor allOnPool(ServerCall<?, ?> call, Metadata headers) {
    return null;
  }

  public static GrpcServer start(PostServerConfig config) throws IOException {
    PostRepository posts = new InMemoryPostRepository(config.dataset().load());
    Metrics metrics = Metrics.onPort(config.server().metricsPort());
    UserClient users;
    try {
      users = UserClient.connect(config.user(), metrics);
    } catch (RuntimeException e) {
      metrics.close();
      throw e;
    }
    // The unary methods never block: they run on the event loop (no thread hop, measured in
    // BENCHMARKS.md). The streaming methods block on author look-ups, so they get a bounded pool of
    // their own: on the event loop they would stall every connection; on grpc's default unbounded
    // pool a slow User server would cost a thread per waiting call.
    ExecutorService handlers =
        Executors.newFixedThreadPool(
            config.handlerThreads(),
            new ThreadFactoryBuilder().setNameFormat("post-handler-%d").setDaemon(true).build());
    UserConnectivityHealth userHealth =
        new UserConnectivityHealth(
            users,
            List.of(HealthStatusManager.SERVICE_NAME_ALL_SERVICES, PostGrpc.SERVICE_NAME),
            config.user().channel().unavailableGrace());
    GrpcServer server =
        GrpcServer.builder("post-server", config.port())
            .addService(new PostServiceImpl(posts, users))
            .metrics(metrics)
            .executor(handlers)
            .callExecutor(config.unaryOnEventLoop() ? PostServer::unaryOnEventLoop : PostServer::allOnPool)
            .settings(config.server())
            .intercept(UserReplicaTrail.serverInterceptor())
            // Closed in this order after the server has drained, when nothing calls the User
            // service any more (and right away if the server cannot start).
            .closeOnStop(userHealth)
            .closeOnStop(users)
            .closeOnStop(handlers::shutdown)
            .closeOnStop(metrics)
            .start();
    userHealth.start(server.health());
    return server;
  }
}
