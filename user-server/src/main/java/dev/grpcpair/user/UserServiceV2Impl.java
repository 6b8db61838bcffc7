package dev.grpcpair.user;

import dev.grpcpair.data.Page;
import dev.grpcpair.data.UserRepository;
import dev.grpcpair.proto.user.v2.GetUserRequest;
import dev.grpcpair.proto.user.v2.GetUserResponse;
import dev.grpcpair.proto.user.v2.ListUsersRequest;
import dev.grpcpair.proto.user.v2.ListUsersResponse;
import dev.grpcpair.proto.user.v2.UserGrpc;
import dev.grpcpair.proto.user.v2.UserMessage;
import io.grpc.stub.StreamObserver;

/**
 * {@code v2.user.User}, the service the original's part 3 puts behind grpc-gateway: v1's GetUser
 * and ListUsers with the same answers and errors, in v2's messages (the same fields and numbers).
 */
public final class UserServiceV2Impl extends UserGrpc.UserImplBase {

  private final Users users;

  public UserServiceV2Impl(UserRepository users) {
    this.users = new Users(users);
  }

  @Override
  public void getUser(GetUserRequest request, StreamObserver<GetUserResponse> responseObserver) {
    responseObserver.onNext(
        GetUserResponse.newBuilder().setUserMessage(v2(users.get(request.getUserId()))).build());
    responseObserver.onCompleted();
  }

  @Override
  public void listUsers(
      ListUsersRequest request, StreamObserver<ListUsersResponse> responseObserver) {
    Page<dev.grpcpair.proto.user.v1.UserMessage> page =
        users.page(request.getPageSize(), request.getPageToken());
    ListUsersResponse.Builder response =
        ListUsersResponse.newBuilder().setNextPageToken(page.nextPageToken());
    page.items().forEach(user -> response.addUserMessages(v2(user)));
    responseObserver.onNext(response.build());
    responseObserver.onCompleted();
  }

  /** The same user in v2's message: field by field, the two are the same on the wire. */
  private static UserMessage v2(dev.grpcpair.proto.user.v1.UserMessage user) {
    return UserMessage.newBuilder()
        .setUserId(user.getUserId())
        .setName(user.getName())
        .setPhoneNumber(user.getPhoneNumber())
        .setAge(user.getAge())
        .build();
  }
}
