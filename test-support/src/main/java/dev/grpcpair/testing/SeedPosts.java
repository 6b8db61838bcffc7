package dev.grpcpair.testing;

import static dev.grpcpair.testing.GrpcAssertions.assertStatus;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

import dev.grpcpair.proto.post.v1.ListPostsByUserIdRequest;
import dev.grpcpair.proto.post.v1.ListPostsRequest;
import dev.grpcpair.proto.post.v1.PostGrpc;
import dev.grpcpair.proto.post.v1.PostMessage;
import io.grpc.Status;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * What the original's sample data must come back as: all 8 posts, in order, with their owners'
 * names.
 */
public final class SeedPosts {

  private SeedPosts() {}

  public static void assertAllInOrderWithAuthors(List<PostMessage> posts) {
    assertThat(posts)
        .extracting(PostMessage::getPostId, PostMessage::getAuthor)
        .containsExactly(
            tuple("1", "Henry"),
            tuple("2", "Henry"),
            tuple("3", "Henry"),
            tuple("4", "Henry"),
            tuple("5", "Jessie"),
            tuple("6", "Max"),
            tuple("7", "Max"),
            tuple("8", "Tony"));
  }

  /**
   * The contract's answers through a Post server however it is deployed: every post with its
   * author, Henry's four posts, and NOT_FOUND for a user who does not exist.
   */
  public static void assertContractAnswers(PostGrpc.PostBlockingStub posts) {
    assertAllInOrderWithAuthors(
        posts
            .withDeadlineAfter(10, TimeUnit.SECONDS)
            .listPosts(ListPostsRequest.getDefaultInstance())
            .getPostMessagesList());
    assertThat(
            posts
                .withDeadlineAfter(10, TimeUnit.SECONDS)
                .listPostsByUserId(ListPostsByUserIdRequest.newBuilder().setUserId("1").build())
                .getPostMessagesList())
        .extracting(PostMessage::getPostId, PostMessage::getAuthor)
        .containsExactly(
            tuple("1", "Henry"), tuple("2", "Henry"), tuple("3", "Henry"), tuple("4", "Henry"));
    assertStatus(
        () ->
            posts
                .withDeadlineAfter(10, TimeUnit.SECONDS)
                .listPostsByUserId(ListPostsByUserIdRequest.newBuilder().setUserId("99").build()),
        Status.Code.NOT_FOUND,
        "user \"99\" does not exist");
  }
}
