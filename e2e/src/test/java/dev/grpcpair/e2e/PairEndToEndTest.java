package dev.grpcpair.e2e;

import static dev.grpcpair.testing.GrpcAssertions.assertStatus;
import static org.assertj.core.api.Assertions.assertThat;

import com.google.common.util.concurrent.Futures;
import com.google.common.util.concurrent.ListenableFuture;
import dev.grpcpair.common.server.GrpcServer;
import dev.grpcpair.post.PostServer;
import dev.grpcpair.post.PostServerConfig;
import dev.grpcpair.proto.post.v1.ListPostsByUserIdRequest;
import dev.grpcpair.proto.post.v1.ListPostsRequest;
import dev.grpcpair.proto.post.v1.ListPostsResponse;
import dev.grpcpair.proto.post.v1.PostGrpc;
import dev.grpcpair.proto.post.v1.PostMessage;
import dev.grpcpair.proto.user.v1.GetUserRequest;
import dev.grpcpair.proto.user.v1.ListUsersRequest;
import dev.grpcpair.proto.user.v1.UserGrpc;
import dev.grpcpair.proto.user.v1.UserMessage;
import dev.grpcpair.testing.Closer;
import dev.grpcpair.testing.Reflection;
import dev.grpcpair.testing.SeedPosts;
import dev.grpcpair.user.UserServer;
import dev.grpcpair.user.UserServerConfig;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.health.v1.HealthGrpc;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Both servers as their jars start them, over Netty on ephemeral ports: every seed case. */
class PairEndToEndTest {

  @RegisterExtension static final Closer closer = new Closer();
  private static GrpcServer userServer;
  private static GrpcServer postServer;
  private static ManagedChannel userChannel;
  private static ManagedChannel postChannel;

  @BeforeAll
  static void startPair() throws Exception {
    userServer = closer.add(UserServer.start(UserServerConfig.parse("--port=0")));
    postServer =
        closer.add(
            PostServer.start(
                PostServerConfig.parse(
                    "--port=0", "--user-target=localhost:" + userServer.port())));
    userChannel = closer.channelTo(userServer.port());
    postChannel = closer.channelTo(postServer.port());
  }

  private static UserGrpc.UserBlockingStub users() {
    return UserGrpc.newBlockingStub(userChannel).withDeadlineAfter(10, TimeUnit.SECONDS);
  }

  private static PostGrpc.PostBlockingStub posts() {
    return PostGrpc.newBlockingStub(postChannel).withDeadlineAfter(10, TimeUnit.SECONDS);
  }

  /**
   * grpcurl prints the JSON names of the descriptors reflection serves; protoc leaves them out of
   * the descriptors grpc-java serves unless the .proto files spell them out. So every multi-word
   * field's JSON name must be there, and be proto3's lowerCamelCase of its name.
   */
  @Test
  void reflection_servesTheJsonNamesOfMultiWordFields() throws Exception {
    List<String> checked = new ArrayList<>();
    for (var file :
        concat(
            Reflection.filesContaining(userChannel, "v1.user.User"),
            Reflection.filesContaining(postChannel, "v1.post.Post"))) {
      for (var message : file.getMessageTypeList()) {
        for (var field : message.getFieldList()) {
          if (field.getName().contains("_")) {
            assertThat(field.getJsonName())
                .as(message.getName() + "." + field.getName())
                .isEqualTo(lowerCamel(field.getName()));
            checked.add(message.getName() + "." + field.getName());
          }
        }
      }
    }
    assertThat(checked)
        .contains(
            "GetUserRequest.user_id",
            "ListPostsByUserIdResponse.post_messages",
            "PostMessage.post_id");
  }

  private static <T> List<T> concat(List<T> first, List<T> second) {
    List<T> all = new ArrayList<>(first);
    all.addAll(second);
    return all;
  }

  private static String lowerCamel(String name) {
    StringBuilder camel = new StringBuilder();
    boolean upper = false;
    for (char c : name.toCharArray()) {
      if (c == '_') {
        upper = true;
      } else {
        camel.append(upper ? Character.toUpperCase(c) : c);
        upper = false;
      }
    }
    return camel.toString();
  }

  @ParameterizedTest
  @CsvSource({"1, Henry", "2, Michael", "3, Jessie", "4, Max", "5, Tony"})
  void getUser_everySeedUser(String id, String name) {
    assertThat(
            users()
                .getUser(GetUserRequest.newBuilder().setUserId(id).build())
                .getUserMessage()
                .getName())
        .isEqualTo(name);
  }

  @Test
  void listUsers_allFiveInOrder() {
    assertThat(users().listUsers(ListUsersRequest.getDefaultInstance()).getUserMessagesList())
        .extracting(UserMessage::getName)
        .containsExactly("Henry", "Michael", "Jessie", "Max", "Tony");
  }

  @Test
  void listPosts_allEightInOrderWithAuthors() {
    SeedPosts.assertAllInOrderWithAuthors(
        posts().listPosts(ListPostsRequest.getDefaultInstance()).getPostMessagesList());
  }

  @ParameterizedTest
  @CsvSource({"1, Henry, 1 2 3 4", "2, Michael, ''", "3, Jessie, 5", "4, Max, 6 7", "5, Tony, 8"})
  void listPostsByUserId_everySeedUser(String userId, String author, String postIds) {
    List<PostMessage> posts =
        posts()
            .listPostsByUserId(ListPostsByUserIdRequest.newBuilder().setUserId(userId).build())
            .getPostMessagesList();

    assertThat(posts).extracting(PostMessage::getPostId).containsExactly(split(postIds));
    assertThat(posts).allSatisfy(post -> assertThat(post.getAuthor()).isEqualTo(author));
  }

  @Test
  void listPostsByUserId_unknownUser_isNotFound() {
    assertStatus(
        () ->
            posts()
                .listPostsByUserId(ListPostsByUserIdRequest.newBuilder().setUserId("99").build()),
        Status.Code.NOT_FOUND,
        "user \"99\" does not exist");
  }

  @Test
  void listPostsByUserId_emptyUserId_isInvalidArgument() {
    assertStatus(
        () -> posts().listPostsByUserId(ListPostsByUserIdRequest.getDefaultInstance()),
        Status.Code.INVALID_ARGUMENT,
        "user_id is required");
  }

  @Test
  void getUser_unknownAndEmpty() {
    assertStatus(
        () -> users().getUser(GetUserRequest.newBuilder().setUserId("99").build()),
        Status.Code.NOT_FOUND,
        "user \"99\" does not exist");
    assertStatus(
        () -> users().getUser(GetUserRequest.getDefaultInstance()),
        Status.Code.INVALID_ARGUMENT,
        "user_id is required");
  }

  @Test
  void reflection_listsEachServersServices() throws Exception {
    assertThat(Reflection.listServices(userChannel))
        .containsExactlyInAnyOrder(
            "v1.user.User",
            "v2.user.User",
            "grpc.health.v1.Health",
            "grpc.reflection.v1.ServerReflection",
            "grpc.reflection.v1alpha.ServerReflection");
    assertThat(Reflection.listServices(postChannel))
        .containsExactlyInAnyOrder(
            "v1.post.Post",
            "grpc.health.v1.Health",
            "grpc.reflection.v1.ServerReflection",
            "grpc.reflection.v1alpha.ServerReflection");
  }

  @ParameterizedTest
  @CsvSource({"user, ''", "user, v1.user.User", "post, ''", "post, v1.post.Post"})
  void health_isServing(String server, String service) {
    ManagedChannel channel = server.equals("user") ? userChannel : postChannel;

    assertThat(
            HealthGrpc.newBlockingStub(channel)
                .withDeadlineAfter(10, TimeUnit.SECONDS)
                .check(HealthCheckRequest.newBuilder().setService(service).build())
                .getStatus())
        .isEqualTo(ServingStatus.SERVING);
  }

  @Test
  void listPosts_200ConcurrentCalls_allIdenticalAndCorrect() throws Exception {
    ListPostsResponse expected = posts().listPosts(ListPostsRequest.getDefaultInstance());
    PostGrpc.PostFutureStub stub =
        PostGrpc.newFutureStub(postChannel).withDeadlineAfter(30, TimeUnit.SECONDS);

    List<ListenableFuture<ListPostsResponse>> calls = new ArrayList<>();
    for (int i = 0; i < 200; i++) {
      calls.add(stub.listPosts(ListPostsRequest.getDefaultInstance()));
    }
    List<ListPostsResponse> responses = Futures.allAsList(calls).get(60, TimeUnit.SECONDS);

    assertThat(expected.getPostMessagesCount()).isEqualTo(8);
    assertThat(responses).hasSize(200).containsOnly(expected);
  }

  private static String[] split(String ids) {
    return ids.isBlank() ? new String[0] : ids.trim().split(" ");
  }
}
