package dev.grpcpair.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

import dev.grpcpair.proto.post.v1.PostMessage;
import java.util.List;

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
}
