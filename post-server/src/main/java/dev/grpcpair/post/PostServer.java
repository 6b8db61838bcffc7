package dev.grpcpair.post;

import com.google.common.util.concurrent.ThreadFactoryBuilder;
import dev.grpcpair.common.GrpcServer;
import dev.grpcpair.data.Datasets;
import dev.grpcpair.data.InMemoryPostRepository;
import dev.grpcpair.data.PostRepository;
import java.io.IOException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/** Assembles and starts the Post server; the jar's {@code main} and the tests both start it here. */
public final class PostServer {

  private PostServer() {}

  public static GrpcServer start(PostServerConfig config) throws IOException {
    PostRepository posts = new InMemoryPostRepository(Datasets.load(config.dataset()));
    UserClient users = UserClient.connect(config.userTarget(), config.userDeadline());
    // Handlers block on the User service, so they get a bounded pool of their own: on the event
    // loop they would stall every connection; on grpc's default unbounded pool a slow User server
    // would cost a thread per waiting call.
    ExecutorService handlers =
        Executors.newFixedThreadPool(
            config.handlerThreads(),
            new ThreadFactoryBuilder().setNameFormat("post-handler-%d").setDaemon(true).build());
    try {
      return GrpcServer.builder("post-server", config.port())
          .addService(new PostServiceImpl(posts, users))
          .executor(handlers)
          .shutdownGrace(config.shutdownGrace())
          // After the server has drained: nothing calls the User service any more.
          .closeOnStop(users)
          .closeOnStop(handlers::shutdown)
          .start();
    } catch (IOException | RuntimeException e) {
      closeQuietly(users);
      handlers.shutdown();
      throw e;
    }
  }

  private static void closeQuietly(UserClient users) {
    try {
      users.close();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
