package dev.grpcpair.user;

import dev.grpcpair.data.UserRepository;
import dev.grpcpair.proto.user.v1.GetUserRequest;
import dev.grpcpair.proto.user.v1.GetUserResponse;
import dev.grpcpair.proto.user.v1.ListUsersRequest;
import dev.grpcpair.proto.user.v1.ListUsersResponse;
import dev.grpcpair.proto.user.v1.UserGrpc;
import dev.grpcpair.proto.user.v1.UserMessage;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import java.util.Optional;

/** {@code v1.user.User}: answers from memory, without blocking, so it can run on the event loop. */
public final class UserServiceImpl extends UserGrpc.UserImplBase {

  private final UserRepository users;

  public UserServiceImpl(UserRepository users) {
    this.users = users;
  }

  @Override
  public void getUser(GetUserRequest request, StreamObserver<GetUserResponse> responseObserver) {
    String userId = request.getUserId();
    if (userId.isEmpty()) {
      responseObserver.onError(
          Status.INVALID_ARGUMENT.withDescription("user_id is required").asRuntimeException());
      return;
    }
    Optional<UserMessage> user = users.findById(userId);
    if (user.isEmpty()) {
      // The original answers OK with an empty user_message; a caller cannot tell that from a user
      // whose fields are all empty.
      responseObserver.onError(
          Status.NOT_FOUND
              .withDescription("user \"" + userId + "\" does not exist")
              .asRuntimeException());
      return;
    }
    responseObserver.onNext(GetUserResponse.newBuilder().setUserMessage(user.get()).build());
    responseObserver.onCompleted();
  }

  @Override
  public void listUsers(ListUsersRequest request, StreamObserver<ListUsersResponse> responseObserver) {
    responseObserver.onNext(ListUsersResponse.newBuilder().addAllUserMessages(users.findAll()).build());
    responseObserver.onCompleted();
  }
}
