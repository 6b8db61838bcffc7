package dev.grpcpair.user;

import static dev.grpcpair.testing.GrpcAssertions.assertStatus;
import static org.assertj.core.api.Assertions.assertThat;

import com.google.api.AnnotationsProto;
import com.google.api.HttpRule;
import dev.grpcpair.common.server.GrpcServer;
import dev.grpcpair.proto.user.v2.GetUserRequest;
import dev.grpcpair.proto.user.v2.ListUsersRequest;
import dev.grpcpair.proto.user.v2.ListUsersResponse;
import dev.grpcpair.proto.user.v2.UserGrpc;
import dev.grpcpair.proto.user.v2.UserMessage;
import dev.grpcpair.proto.user.v2.UserProto;
import dev.grpcpair.testing.Channels;
import dev.grpcpair.testing.Closer;
import dev.grpcpair.testing.Reflection;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import java.io.IOException;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** {@code v2.user.User}, the original's part 3 service, as the User server's jar serves it. */
class UserServiceV2Test {

  @RegisterExtension final Closer closer = new Closer();
  private ManagedChannel channel;
  private UserGrpc.UserBlockingStub stub;

  @BeforeEach
  void setUp() throws IOException {
    GrpcServer server = closer.add(UserServer.start(UserServerConfig.parse("--port=0")));
    channel = closer.add(Channels.localhost(server.port()));
    stub = UserGrpc.newBlockingStub(channel);
  }

  @Test
  void getUser_answersAsV1Does() {
    assertThat(stub.getUser(GetUserRequest.newBuilder().setUserId("1").build()).getUserMessage())
        .isEqualTo(
            UserMessage.newBuilder()
                .setUserId("1")
                .setName("Henry")
                .setPhoneNumber("01012341234")
                .setAge(22)
                .build());
    assertStatus(
        () -> stub.getUser(GetUserRequest.newBuilder().setUserId("99").build()),
        Status.Code.NOT_FOUND,
        "user \"99\" does not exist");
    assertStatus(
        () -> stub.getUser(GetUserRequest.getDefaultInstance()),
        Status.Code.INVALID_ARGUMENT,
        "user_id is required");
  }

  @Test
  void listUsers_originalsEmptyRequest_answersAllFiveInOneResponse() {
    ListUsersResponse all = stub.listUsers(ListUsersRequest.getDefaultInstance());

    assertThat(all.getUserMessagesList())
        .extracting(UserMessage::getName)
        .containsExactly("Henry", "Michael", "Jessie", "Max", "Tony");
    assertThat(all.getNextPageToken()).isEmpty();
  }

  @Test
  void listUsers_pagesAsV1Does() {
    ListUsersResponse first = stub.listUsers(ListUsersRequest.newBuilder().setPageSize(2).build());
    ListUsersResponse second =
        stub.listUsers(
            ListUsersRequest.newBuilder()
                .setPageSize(2)
                .setPageToken(first.getNextPageToken())
                .build());

    assertThat(first.getUserMessagesList())
        .extracting(UserMessage::getUserId)
        .containsExactly("1", "2");
    assertThat(second.getUserMessagesList())
        .extracting(UserMessage::getUserId)
        .containsExactly("3", "4");
    assertStatus(
        () -> stub.listUsers(ListUsersRequest.newBuilder().setPageSize(-1).build()),
        Status.Code.INVALID_ARGUMENT,
        "page_size must not be negative");
  }

  @Test
  void reflectionListsV2_andItsMethodsCarryTheOriginalsHttpRules() throws Exception {
    assertThat(Reflection.listServices(channel)).contains("v1.user.User", "v2.user.User");

    var methods = UserProto.getDescriptor().findServiceByName("User").getMethods();
    assertThat(methods)
        .extracting(method -> method.getOptions().getExtension(AnnotationsProto.http))
        .containsExactly(
            HttpRule.newBuilder().setGet("/v2/users/{user_id}").build(),
            HttpRule.newBuilder().setGet("/v2/users").build());
  }
}
