package dev.grpcpair.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.grpcpair.proto.data.v1.Dataset;
import dev.grpcpair.proto.data.v1.StoredPost;
import dev.grpcpair.proto.user.v1.UserMessage;
import org.junit.jupiter.api.Test;

class InMemoryRepositoriesTest {

  private final UserRepository users = new InMemoryUserRepository(Datasets.seed());
  private final PostRepository posts = new InMemoryPostRepository(Datasets.seed());

  @Test
  void findById_knownAndUnknown() {
    assertThat(users.findById("4")).map(UserMessage::getName).contains("Max");
    assertThat(users.findById("99")).isEmpty();
    assertThat(users.findById("")).isEmpty();
  }

  @Test
  void findAllUsers_keepsTheDatasetsOrder() {
    assertThat(users.findAll())
        .extracting(UserMessage::getUserId)
        .containsExactly("1", "2", "3", "4", "5");
  }

  @Test
  void findByUserId_returnsTheOwnersPostsInOrder() {
    assertThat(posts.findByUserId("1"))
        .extracting(StoredPost::getPostId)
        .containsExactly("1", "2", "3", "4");
    assertThat(posts.findByUserId("4")).extracting(StoredPost::getPostId).containsExactly("6", "7");
    assertThat(posts.findByUserId("2")).isEmpty();
    assertThat(posts.findByUserId("99")).isEmpty();
  }

  @Test
  void findAllPosts_keepsTheDatasetsOrder() {
    assertThat(posts.findAll())
        .extracting(StoredPost::getPostId)
        .containsExactly("1", "2", "3", "4", "5", "6", "7", "8");
  }

  @Test
  void returnedListsCannotBeChanged() {
    assertThatThrownBy(() -> users.findAll().clear())
        .isInstanceOf(UnsupportedOperationException.class);
    assertThatThrownBy(() -> posts.findByUserId("1").clear())
        .isInstanceOf(UnsupportedOperationException.class);
  }

  @Test
  void repeatedUserId_isRejected() {
    Dataset dataset =
        Dataset.newBuilder()
            .addUsers(UserMessage.newBuilder().setUserId("1").setName("A"))
            .addUsers(UserMessage.newBuilder().setUserId("1").setName("B"))
            .build();

    assertThatThrownBy(() -> new InMemoryUserRepository(dataset))
        .isInstanceOf(InvalidDatasetException.class)
        .hasMessage("user_id \"1\" appears twice");
  }

  @Test
  void postWithoutOwner_isRejected() {
    Dataset dataset = Dataset.newBuilder().addPosts(StoredPost.newBuilder().setPostId("9")).build();

    assertThatThrownBy(() -> new InMemoryPostRepository(dataset))
        .isInstanceOf(InvalidDatasetException.class)
        .hasMessage("post \"9\" has an empty user_id");
  }

  @Test
  void repeatedPostId_isRejected() {
    StoredPost post = StoredPost.newBuilder().setPostId("9").setUserId("1").build();
    Dataset dataset = Dataset.newBuilder().addPosts(post).addPosts(post).build();

    assertThatThrownBy(() -> new InMemoryPostRepository(dataset))
        .isInstanceOf(InvalidDatasetException.class)
        .hasMessage("post_id \"9\" appears twice");
  }
}
