package dev.grpcpair.user;

import dev.grpcpair.data.UserRepository;
import dev.grpcpair.proto.user.v1.BatchGetUsersRequest;
import dev.grpcpair.proto.user.v1.BatchGetUsersResponse;
import dev.grpcpair.proto.user.v1.GetUserRequest;
import dev.grpcpair.proto.user.v1.GetUserResponse;
import dev.grpcpair.proto.user.v1.ListUsersRequest;
import dev.grpcpair.proto.user.v1.ListUsersResponse;
import dev.grpcpair.proto.user.v1.UserGrpc;
import dev.grpcpair.proto.user.v1.UserMessage;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.ServerCallStreamObserver;
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
    try {
      responseObserver.onNext(lookUp(request));
      responseObserver.onCompleted();
    } catch (StatusRuntimeException e) {
      responseObserver.onError(e);
    }
  }

  /** The most ids one BatchGetUsers call may ask for. */
  static final int MAX_BATCH = 1000;

  @Override
  public void batchGetUsers(BatchGetUsersRequest request, StreamObserver<BatchGetUsersResponse> responseObserver) {
    if (request.getUserIdsCount() > MAX_BATCH) {
      responseObserver.onError(
          Status.INVALID_ARGUMENT
              .withDescription("at most " + MAX_BATCH + " user_ids per call, not " + request.getUserIdsCount())
              .asRuntimeException());
      return;
    }
    BatchGetUsersResponse.Builder response = BatchGetUsersResponse.newBuilder();
    for (int i = 0; i < request.getUserIdsCount(); i++) {
      String userId = request.getUserIds(i);
      if (userId.isEmpty()) {
        responseObserver.onError(
            Status.INVALID_ARGUMENT.withDescription("user_ids[" + i + "] is empty").asRuntimeException());
        return;
      }
      users.findById(userId).ifPresentOrElse(response::addUsers, () -> response.addMissingUserIds(userId));
    }
    responseObserver.onNext(response.build());
    responseObserver.onCompleted();
  }

  /** Answers each id as it arrives, at the pace the client reads: see {@link UserLookupStream}. */
  @Override
  public StreamObserver<GetUserRequest> streamUsers(StreamObserver<GetUserResponse> responseObserver) {
    return UserLookupStream.start((ServerCallStreamObserver<GetUserResponse>) responseObserver, this::lookUp);
  }

  /** The user {@code request} asks for; INVALID_ARGUMENT or NOT_FOUND as a StatusRuntimeException. */
  GetUserResponse lookUp(GetUserRequest request) {
    String userId = request.getUserId();
    if (userId.isEmpty()) {
      throw Status.INVALID_ARGUMENT.withDescription("user_id is required").asRuntimeException();
    }
    Optional<UserMessage> user = users.findById(userId);
    if (user.isEmpty()) {
      // The original answers OK with an empty user_message; a caller cannot tell that from a user
      // whose fields are all empty.
      throw Status.NOT_FOUND.withDescription("user \"" + userId + "\" does not exist").asRuntimeException();
    }
    return GetUserResponse.newBuilder().setUserMessage(user.get()).build();
  }

  @Override
  public void listUsers(ListUsersRequest request, StreamObserver<ListUsersResponse> responseObserver) {
    responseObserver.onNext(ListUsersResponse.newBuilder().addAllUserMessages(users.findAll()).build());
    responseObserver.onCompleted();
  }
}
