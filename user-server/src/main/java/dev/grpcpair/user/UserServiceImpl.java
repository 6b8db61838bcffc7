package dev.grpcpair.user;

import dev.grpcpair.data.Page;
import dev.grpcpair.data.UserRepository;
import dev.grpcpair.proto.ApiErrors;
import dev.grpcpair.proto.ApiLimits;
import dev.grpcpair.proto.user.v1.BatchGetUsersRequest;
import dev.grpcpair.proto.user.v1.BatchGetUsersResponse;
import dev.grpcpair.proto.user.v1.GetUserRequest;
import dev.grpcpair.proto.user.v1.GetUserResponse;
import dev.grpcpair.proto.user.v1.ListUsersRequest;
import dev.grpcpair.proto.user.v1.ListUsersResponse;
import dev.grpcpair.proto.user.v1.UserGrpc;
import dev.grpcpair.proto.user.v1.UserMessage;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;

/**
 * {@code v1.user.User}: answers from memory, without blocking, on the event loop. A bad request is
 * thrown as the status the contract promises ({@link ApiErrors}).
 */
public final class UserServiceImpl extends UserGrpc.UserImplBase {

  private final Users users;

  public UserServiceImpl(UserRepository users) {
    this.users = new Users(users);
  }

  @Override
  public void getUser(GetUserRequest request, StreamObserver<GetUserResponse> responseObserver) {
    responseObserver.onNext(lookUp(request));
    responseObserver.onCompleted();
  }

  @Override
  public void batchGetUsers(
      BatchGetUsersRequest request, StreamObserver<BatchGetUsersResponse> responseObserver) {
    if (request.getUserIdsCount() > ApiLimits.MAX_IDS_PER_CALL) {
      throw ApiErrors.invalid(
          "at most "
              + ApiLimits.MAX_IDS_PER_CALL
              + " user_ids per call, not "
              + request.getUserIdsCount());
    }
    BatchGetUsersResponse.Builder response = BatchGetUsersResponse.newBuilder();
    for (int i = 0; i < request.getUserIdsCount(); i++) {
      String userId = ApiErrors.requireUserId("user_ids", i, request.getUserIds(i));
      users
          .find(userId)
          .ifPresentOrElse(response::addUsers, () -> response.addMissingUserIds(userId));
    }
    responseObserver.onNext(response.build());
    responseObserver.onCompleted();
  }

  /** Answers each id as it arrives, at the pace the client reads: see {@link UserLookupStream}. */
  @Override
  public StreamObserver<GetUserRequest> streamUsers(
      StreamObserver<GetUserResponse> responseObserver) {
    return UserLookupStream.start(
        (ServerCallStreamObserver<GetUserResponse>) responseObserver, this::lookUp);
  }

  @Override
  public void listUsers(
      ListUsersRequest request, StreamObserver<ListUsersResponse> responseObserver) {
    Page<UserMessage> page = users.page(request.getPageSize(), request.getPageToken());
    responseObserver.onNext(
        ListUsersResponse.newBuilder()
            .addAllUserMessages(page.items())
            .setNextPageToken(page.nextPageToken())
            .build());
    responseObserver.onCompleted();
  }

  /** The user {@code request} asks for; throws INVALID_ARGUMENT or NOT_FOUND. */
  private GetUserResponse lookUp(GetUserRequest request) {
    return GetUserResponse.newBuilder().setUserMessage(users.get(request.getUserId())).build();
  }
}
