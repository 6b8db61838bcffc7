package dev.grpcpair.e2e;

import dev.grpcpair.common.client.UserReplicaTrail;
import dev.grpcpair.common.server.GrpcServer;
import dev.grpcpair.proto.post.v1.ListPostsByUserIdRequest;
import dev.grpcpair.proto.post.v1.PostGrpc;
import dev.grpcpair.user.UserServer;
import dev.grpcpair.user.UserServerConfig;
import io.grpc.Metadata;
import io.grpc.stub.MetadataUtils;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Collectors;

/**
 * User replicas started as the jar starts them, each with a name, and a Post call that says which
 * one answered.
 */
final class Replicas {

  private Replicas() {}

  /** A User replica called {@code name} on {@code port} (0: any), with more {@code flags}. */
  static GrpcServer startUser(String name, int port, String... flags) throws IOException {
    List<String> args = new ArrayList<>(List.of("--port=" + port, "--replica-name=" + name));
    args.addAll(List.of(flags));
    return UserServer.start(UserServerConfig.parse(args.toArray(String[]::new)));
  }

  /** {@code static:///127.0.0.1:p1,127.0.0.1:p2,...} */
  static String staticTarget(List<Integer> ports) {
    return "static:///"
        + ports.stream().map(port -> "127.0.0.1:" + port).collect(Collectors.joining(","));
  }

  static List<Integer> ports(List<GrpcServer> servers) {
    List<Integer> ports = new ArrayList<>();
    servers.forEach(server -> ports.add(server.port()));
    return ports;
  }

  /**
   * Calls ListPostsByUserId("1") (one User lookup) and returns the User replica that answered it.
   */
  static String servedBy(PostGrpc.PostBlockingStub posts, long deadlineMillis) {
    AtomicReference<Metadata> headers = new AtomicReference<>();
    AtomicReference<Metadata> trailers = new AtomicReference<>();
    posts
        .withDeadlineAfter(deadlineMillis, TimeUnit.MILLISECONDS)
        .withInterceptors(MetadataUtils.newCaptureMetadataInterceptor(headers, trailers))
        .listPostsByUserId(ListPostsByUserIdRequest.newBuilder().setUserId("1").build());
    return trailers.get().get(UserReplicaTrail.USER_SERVED_BY);
  }
}
