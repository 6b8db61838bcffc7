package dev.grpcpair.post;

import static dev.grpcpair.testing.GrpcAssertions.assertStatus;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.tuple;

import dev.grpcpair.common.server.RecoveryInterceptor;
import dev.grpcpair.common.server.ServerFlags;
import dev.grpcpair.data.Datasets;
import dev.grpcpair.data.InMemoryPostRepository;
import dev.grpcpair.data.PostRepository;
import dev.grpcpair.proto.data.v1.Dataset;
import dev.grpcpair.proto.data.v1.StoredPost;
import dev.grpcpair.proto.post.v1.ListPostsByUserIdRequest;
import dev.grpcpair.proto.post.v1.ListPostsRequest;
import dev.grpcpair.proto.post.v1.PostGrpc;
import dev.grpcpair.proto.post.v1.PostMessage;
import dev.grpcpair.testing.Closer;
import dev.grpcpair.testing.SeedPosts;
import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.ServerInterceptors;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

class PostServiceImplTest {

  private final ScriptedUserService userService = new ScriptedUserService();
  @RegisterExtension final Closer toClose = new Closer();

  /**
   * A Post service over {@code posts}, asking {@link #userService} over the in-process transport.
   */
  private PostGrpc.PostBlockingStub postService(PostRepository posts) throws IOException {
    String userName = InProcessServerBuilder.generateName();
    Server userServer =
        InProcessServerBuilder.forName(userName).addService(userService).build().start();
    ManagedChannel userChannel = InProcessChannelBuilder.forName(userName).build();
    UserClient users = new UserClient(userChannel, "in-process:users", Duration.ofSeconds(5));

    String postName = InProcessServerBuilder.generateName();
    Server postServer =
        InProcessServerBuilder.forName(postName)
            // As GrpcServer serves it: handlers throw statuses, RecoveryInterceptor answers them.
            .addService(
                ServerInterceptors.intercept(
                    new PostServiceImpl(posts, users, ServerFlags.parse().maxOutboundMessageSize()),
                    new RecoveryInterceptor()))
            .build()
            .start();
    ManagedChannel postChannel = InProcessChannelBuilder.forName(postName).build();
    toClose.add(postChannel);
    toClose.add(postServer);
    toClose.add(userChannel);
    toClose.add(userServer);
    return PostGrpc.newBlockingStub(postChannel).withDeadlineAfter(10, TimeUnit.SECONDS);
  }

  private PostGrpc.PostBlockingStub seedPostService() throws IOException {
    return postService(new InMemoryPostRepository(Datasets.seed()));
  }

  private static ListPostsByUserIdRequest byUser(String userId) {
    return ListPostsByUserIdRequest.newBuilder().setUserId(userId).build();
  }

  @Test
  void listPostsByUserId_returnsTheOwnersPostsWithTheirName() throws IOException {
    List<PostMessage> posts =
        seedPostService().listPostsByUserId(byUser("1")).getPostMessagesList();

    assertThat(posts)
        .extracting(PostMessage::getPostId, PostMessage::getAuthor)
        .containsExactly(
            tuple("1", "Henry"), tuple("2", "Henry"), tuple("3", "Henry"), tuple("4", "Henry"));
    assertThat(posts.get(0))
        .isEqualTo(
            PostMessage.newBuilder()
                .setPostId("1")
                .setAuthor("Henry")
                .setTitle("gRPC 구축하기 (1)")
                .setBody("gRPC 구축하려면 이렇게 하면 된다")
                .addAllTags(List.of("gRPC", "Golang", "server", "coding", "protobuf"))
                .build());
  }

  @Test
  void listPostsByUserId_userWithoutPosts_isEmpty() throws IOException {
    assertThat(seedPostService().listPostsByUserId(byUser("2")).getPostMessagesList()).isEmpty();
  }

  @Test
  void listPostsByUserId_unknownUser_isNotFound() throws IOException {
    PostGrpc.PostBlockingStub stub = seedPostService();

    assertStatus(
        () -> stub.listPostsByUserId(byUser("99")),
        Status.Code.NOT_FOUND,
        "user \"99\" does not exist");
  }

  @Test
  void listPostsByUserId_emptyId_isInvalidArgumentWithoutAskingTheUserService() throws IOException {
    PostGrpc.PostBlockingStub stub = seedPostService();

    assertThatThrownBy(() -> stub.listPostsByUserId(byUser("")))
        .isInstanceOfSatisfying(
            StatusRuntimeException.class,
            e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT));
    assertThat(userService.getUserCalls()).isZero();
  }

  @Test
  void listPosts_returnsEveryPostInOrderWithItsAuthor() throws IOException {
    SeedPosts.assertAllInOrderWithAuthors(
        seedPostService().listPosts(ListPostsRequest.getDefaultInstance()).getPostMessagesList());
    assertThat(userService.getUserCalls())
        .as("one BatchGetUsers for the page's 4 authors")
        .isEqualTo(1);
  }

  @Test
  void listPosts_postOfAnUnknownOwner_keepsAnEmptyAuthorAndTheOthersTheirs() throws IOException {
    Dataset dataset =
        Dataset.newBuilder()
            .addPosts(StoredPost.newBuilder().setPostId("1").setUserId("1").setTitle("known"))
            .addPosts(StoredPost.newBuilder().setPostId("2").setUserId("77").setTitle("orphan"))
            .build();

    List<PostMessage> posts =
        postService(new InMemoryPostRepository(dataset))
            .listPosts(ListPostsRequest.getDefaultInstance())
            .getPostMessagesList();

    assertThat(posts)
        .extracting(PostMessage::getPostId, PostMessage::getAuthor)
        .containsExactly(tuple("1", "Henry"), tuple("2", ""));
  }

  @Test
  void listPosts_userServiceUnavailable_isUnavailable() throws IOException {
    PostGrpc.PostBlockingStub stub = seedPostService();
    userService.failWith(Status.UNAVAILABLE.withDescription("down"));

    assertThatThrownBy(() -> stub.listPosts(ListPostsRequest.getDefaultInstance()))
        .isInstanceOfSatisfying(
            StatusRuntimeException.class,
            e -> {
              assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE);
              assertThat(e.getStatus().getDescription()).contains("in-process:users");
            });
  }
}
