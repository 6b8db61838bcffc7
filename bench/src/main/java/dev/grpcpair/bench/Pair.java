package dev.grpcpair.bench;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Both servers, started from their jars, the Post server asking the User server, and the gateway in
 * front of both when asked for; or the two bare grpc-java servers ({@link BareServer}) standing
 * where they would.
 */
final class Pair implements AutoCloseable {

  final ServerProcess user;
  final ServerProcess post;

  /** The gateway in front of both, or null. */
  final ServerProcess gateway;

  private Pair(ServerProcess user, ServerProcess post, ServerProcess gateway) {
    this.user = user;
    this.post = post;
    this.gateway = gateway;
  }

  /** Starts the pair; {@code dataArgs} (a dataset flag, say) go to both servers. */
  static Pair start(Path root, Path work, List<String> dataArgs)
      throws IOException, InterruptedException {
    return start(root, work, dataArgs, ServerProcess.jvmFlags(root));
  }

  /** The pair with the seed data on {@code jvmFlags} instead of the launch configuration. */
  static Pair withJvmFlags(Path root, Path work, List<String> jvmFlags)
      throws IOException, InterruptedException {
    return start(root, work, List.of(), jvmFlags);
  }

  private static Pair start(Path root, Path work, List<String> dataArgs, List<String> jvmFlags)
      throws IOException, InterruptedException {
    ServerProcess user = ServerProcess.start(root, work, "user-server", dataArgs, jvmFlags);
    List<String> postArgs = new ArrayList<>(dataArgs);
    postArgs.add("--user-target=127.0.0.1:" + user.port());
    try {
      return new Pair(
          user, ServerProcess.start(root, work, "post-server", postArgs, jvmFlags), null);
    } catch (IOException | InterruptedException | RuntimeException e) {
      user.close();
      throw e;
    }
  }

  /** The pair with the seed data and the gateway in front of it. */
  static Pair withGateway(Path root, Path work) throws IOException, InterruptedException {
    Pair pair = start(root, work, List.of());
    try {
      List<String> targets =
          List.of(
              "--user-target=127.0.0.1:" + pair.user.port(),
              "--post-target=127.0.0.1:" + pair.post.port());
      return new Pair(pair.user, pair.post, ServerProcess.start(root, work, "gateway", targets));
    } catch (IOException | InterruptedException | RuntimeException e) {
      pair.close();
      throw e;
    }
  }

  /**
   * The bare servers and the bare gateway in front of the bare User server: the GetUser,
   * ListPostsByUserId and gateway cases run against them as against the pair.
   */
  static Pair bare(Path root, Path work) throws IOException, InterruptedException {
    ServerProcess user =
        ServerProcess.startBare(root, work, "bare-user", BareServer.class, List.of());
    ServerProcess post = null;
    try {
      List<String> userPort = List.of(String.valueOf(user.port()));
      post = ServerProcess.startBare(root, work, "bare-post", BareServer.class, userPort);
      return new Pair(
          user,
          post,
          ServerProcess.startBare(root, work, "bare-gateway", BareGateway.class, userPort));
    } catch (IOException | InterruptedException | RuntimeException e) {
      if (post != null) {
        post.close();
      }
      user.close();
      throw e;
    }
  }

  /** The server {@code call} is made to. */
  ServerProcess serverOf(LoadCase call) {
    return switch (call.server()) {
      case USER -> user;
      case POST -> post;
      case GATEWAY -> gateway;
    };
  }

  /** The server in front of the User server that {@code call} goes through, or null. */
  ServerProcess frontOf(LoadCase call) {
    return call.server() == LoadCase.Server.USER ? null : serverOf(call);
  }

  /** Each server's collector counters, the User server's first. */
  List<ServerProcess.Gc> gc() throws IOException, InterruptedException {
    List<ServerProcess.Gc> gc = new ArrayList<>(List.of(user.gc(), post.gc()));
    if (gateway != null) {
      gc.add(gateway.gc());
    }
    return gc;
  }

  /** The callers first, so their calls in flight can still reach the User server. */
  @Override
  public void close() {
    if (gateway != null) {
      gateway.close();
    }
    post.close();
    user.close();
  }
}
