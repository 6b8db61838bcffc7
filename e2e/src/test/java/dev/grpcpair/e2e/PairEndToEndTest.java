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
