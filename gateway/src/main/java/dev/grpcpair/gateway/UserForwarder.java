package dev.grpcpair.gateway;

import dev.grpcpair.proto.user.v2.GetUserRequest;
import dev.grpcpair.proto.user.v2.GetUserResponse;
import dev.grpcpair.proto.user.v2.ListUsersRequest;
import dev.grpcpair.proto.user.v2.ListUsersResponse;
import dev.grpcpair.proto.user.v2.UserGrpc;
import io.grpc.Channel;
import io.grpc.ClientInterceptors;
import io.grpc.Context;
import io.grpc.stub.StreamObserver;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * {@code v2.user.User} as the gateway serves it to HTTP: each call is made on the User server (what
 * grpc-gateway's generated handlers do), its answer or status handed back as it comes. A call
 * without a deadline (no {@code Grpc-Timeout}) gets the channel's default one.
 */
final class UserForwarder extends UserGrpc.UserImplBase {

  private final Channel users;
  private final Duration deadline;

  UserForwarder(Channel users, Duration deadline) {
    this.users = ClientInterceptors.intercept(users, ForwardedMetadata.clientInterceptor());
    this.deadline = deadline;
  }

  @Override
  public void getUser(GetUserRequest request, StreamObserver<GetUserResponse> responseObserver) {
    stub().getUser(request, responseObserver);
  }

  @Override
  public void listUsers(
      ListUsersRequest request, StreamObserver<ListUsersResponse> responseObserver) {
    stub().listUsers(request, responseObserver);
  }

  /** A stub whose calls end by the incoming call's deadline, or else the default. */
  private UserGrpc.UserStub stub() {
    UserGrpc.UserStub stub = UserGrpc.newStub(users);
    return Context.current().getDeadline() != null
        ? stub
        : stub.withDeadlineAfter(deadline.toNanos(), TimeUnit.NANOSECONDS);
  }
}
