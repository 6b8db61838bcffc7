package dev.grpcpair.bench;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Both servers, started from their jars, the Post server asking the User server; or the bare
 * grpc-java server alone, standing where the User server would.
 */
final class Pair implements AutoCloseable {

  final ServerProcess user;
  final ServerProcess post;

  private Pair(ServerProcess user, ServerProcess post) {
    this.user = user;
    this.post = post;
  }

  /** Starts the pair; {@code dataArgs} (a dataset flag, say) go to both servers. */
  static Pair start(Path root, Path work, List<String> dataArgs)
      throws IOException, InterruptedException {
    ServerProcess user = ServerProcess.start(root, work, "user-server", dataArgs);
    List<String> postArgs = new ArrayList<>(dataArgs);
    postArgs.add("--user-target=127.0.0.1:" + user.port());
    try {
      return new Pair(user, ServerProcess.start(root, work, "post-server", postArgs));
    } catch (IOException | InterruptedException | RuntimeException e) {
      user.close();
      throw e;
    }
  }

  /** {@link BareServer} alone: GetUser cases run against it as against a User server. */
  static Pair bare(Path root, Path work) throws IOException, InterruptedException {
    return new Pair(ServerProcess.startBare(root, work), null);
  }

  ServerProcess serverOf(LoadCase call) {
    return call.onPost() ? post : user;
  }

  double postCpuSeconds() {
    return post == null ? 0 : post.cpuSeconds();
  }

  double gcSeconds() throws IOException, InterruptedException {
    return user.gcSeconds() + (post == null ? 0 : post.gcSeconds());
  }

  /** The Post server first, so its calls in flight can still reach the User server. */
  @Override
  public void close() {
    if (post != null) {
      post.close();
    }
    user.close();
  }
}
