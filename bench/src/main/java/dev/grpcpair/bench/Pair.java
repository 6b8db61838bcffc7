package dev.grpcpair.bench;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Both servers, started from their jars, the Post server asking the User server; or the two bare
 * grpc-java servers ({@link BareServer}) standing where they would.
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

  /** The bare servers: GetUser and ListPostsByUserId cases run against them as against the pair. */
  static Pair bare(Path root, Path work) throws IOException, InterruptedException {
    ServerProcess user = ServerProcess.startBare(root, work, "bare-user", List.of());
    try {
      List<String> userPort = List.of(String.valueOf(user.port()));
      return new Pair(user, ServerProcess.startBare(root, work, "bare-post", userPort));
    } catch (IOException | InterruptedException | RuntimeException e) {
      user.close();
      throw e;
    }
  }

  ServerProcess serverOf(LoadCase call) {
    return call.onPost() ? post : user;
  }

  double gcSeconds() throws IOException, InterruptedException {
    return user.gcSeconds() + post.gcSeconds();
  }

  /** The Post server first, so its calls in flight can still reach the User server. */
  @Override
  public void close() {
    post.close();
    user.close();
  }
}
