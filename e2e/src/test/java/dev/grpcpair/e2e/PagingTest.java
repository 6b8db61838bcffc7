package dev.grpcpair.e2e;

import static dev.grpcpair.testing.GrpcAssertions.assertStatus;
import static org.assertj.core.api.Assertions.assertThat;

import com.google.common.base.Strings;
import dev.grpcpair.common.server.GrpcServer;
import dev.grpcpair.common.server.ServerFlags;
import dev.grpcpair.data.InMemoryPostRepository;
import dev.grpcpair.post.PostServer;
import dev.grpcpair.post.PostServerConfig;
import dev.grpcpair.post.PostServiceImpl;
import dev.grpcpair.post.UserClient;
import dev.grpcpair.proto.data.v1.Dataset;
import dev.grpcpair.proto.data.v1.StoredPost;
import dev.grpcpair.proto.post.v1.ListPostsByUserIdRequest;
import dev.grpcpair.proto.post.v1.ListPostsByUserIdResponse;
import dev.grpcpair.proto.post.v1.ListPostsRequest;
import dev.grpcpair.proto.post.v1.ListPostsResponse;
import dev.grpcpair.proto.post.v1.PostGrpc;
import dev.grpcpair.proto.post.v1.PostMessage;
import dev.grpcpair.testing.Channels;
import dev.grpcpair.testing.Closer;
import dev.grpcpair.user.UserServer;
import dev.grpcpair.user.UserServerConfig;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import java.time.Duration;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Paging over a generated dataset of 10,000 users and 100,000 posts, through the pair over Netty.
 */
class PagingTest {

  private static final String LARGE = "--generate-dataset=10000:100000";
  private static final String SEED = "--generate-dataset=";

  @RegisterExtension final Closer closer = new Closer();

  private PostGrpc.PostBlockingStub pair(String dataset) throws Exception {
    GrpcServer users = closer.add(UserServer.start(UserServerConfig.parse("--port=0", dataset)));
    GrpcServer posts =
        closer.add(
            PostServer.start(
                PostServerConfig.parse(
                    "--port=0", "--user-target=localhost:" + users.port(), dataset)));
    ManagedChannel channel = Channels.localhost(posts.port());
    closer.add(channel);
    return PostGrpc.newBlockingStub(channel);
  }

  private static ListPostsRequest page(int size, String token) {
    return ListPostsRequest.newBuilder().setPageSize(size).setPageToken(token).build();
  }

  @Test
  void listPosts_withoutPageSize_returnsPagesOf1000_andTheTokensWalkEveryPostOnce()
      throws Exception {
    PostGrpc.PostBlockingStub posts = pair(LARGE);
    Set<String> seen = new HashSet<>();
    String token = "";
    int pages = 0;
    do {
      ListPostsResponse response =
          posts.withDeadlineAfter(30, TimeUnit.SECONDS).listPosts(page(0, token));
      assertThat(response.getPostMessagesCount()).isLessThanOrEqualTo(1000);
      for (PostMessage post : response.getPostMessagesList()) {
        assertThat(seen.add(post.getPostId())).as("post %s twice", post.getPostId()).isTrue();
        assertThat(post.getAuthor()).startsWith("User ");
      }
      token = response.getNextPageToken();
      pages++;
    } while (!token.isEmpty());

    assertThat(seen).hasSize(100_000);
    assertThat(pages).isEqualTo(100);
  }

  @Test
  void listPostsByUserId_pagesOfTheAskedSize() throws Exception {
    PostGrpc.PostBlockingStub posts = pair(LARGE);
    ListPostsByUserIdRequest.Builder request =
        ListPostsByUserIdRequest.newBuilder().setUserId("42").setPageSize(3);

    ListPostsByUserIdResponse first = posts.listPostsByUserId(request.build());
    ListPostsByUserIdResponse second =
        posts.listPostsByUserId(request.setPageToken(first.getNextPageToken()).build());

    assertThat(first.getPostMessagesList())
        .hasSize(3)
        .allSatisfy(post -> assertThat(post.getAuthor()).isEqualTo("User 42"));
    assertThat(second.getPostMessages(0).getPostId())
        .isNotEqualTo(first.getPostMessages(0).getPostId());
  }

  @Test
  void seedData_withoutPageSize_comesWholeInOnePage() throws Exception {
    ListPostsResponse response = pair(SEED).listPosts(ListPostsRequest.getDefaultInstance());

    assertThat(response.getPostMessagesCount()).isEqualTo(8);
    assertThat(response.getNextPageToken()).isEmpty();
  }

  @Test
  void badPagingArguments_areInvalidArgument() throws Exception {
    PostGrpc.PostBlockingStub posts = pair(SEED);
    String tokenOfUser1 =
        posts
            .listPostsByUserId(
                ListPostsByUserIdRequest.newBuilder().setUserId("1").setPageSize(1).build())
            .getNextPageToken();

    assertStatus(
        () -> posts.listPosts(page(-1, "")),
        Status.Code.INVALID_ARGUMENT,
        "page_size must not be negative");
    assertStatus(
        () -> posts.listPosts(page(0, "not-a-token")),
        Status.Code.INVALID_ARGUMENT,
        "page_token is not a next_page_token of this request; start again without it");
    assertStatus(
        () -> posts.listPosts(page(0, tokenOfUser1)),
        Status.Code.INVALID_ARGUMENT,
        "page_token is not a next_page_token of this request; start again without it");
  }

  @Test
  void bigPosts_pageStopsShortOfTheMessageLimit() throws Exception {
    GrpcServer users = closer.add(UserServer.start(UserServerConfig.parse("--port=0")));
    Dataset.Builder dataset = Dataset.newBuilder();
    String body = Strings.repeat("b", 10 * 1024);
    for (int i = 1; i <= 1000; i++) {
      dataset.addPosts(
          StoredPost.newBuilder().setPostId(String.valueOf(i)).setUserId("1").setBody(body));
    }
    ManagedChannel userChannel = Channels.localhost(users.port());
    closer.add(userChannel);
    UserClient client =
        new UserClient(userChannel, "localhost:" + users.port(), Duration.ofSeconds(2));
    GrpcServer postServer =
        closer.add(
            GrpcServer.builder("post-under-test", 0, ServerFlags.parse())
                .addService(
                    new PostServiceImpl(
                        new InMemoryPostRepository(dataset.build()),
                        client,
                        ServerFlags.parse().maxOutboundMessageSize()))
                .start());
    ManagedChannel channel = Channels.localhost(postServer.port());
    closer.add(channel);

    // 1000 posts of 10 KiB would be 10 MiB, over grpc's 4 MiB limit: the page stops at 3 MiB.
    ListPostsResponse first =
        PostGrpc.newBlockingStub(channel).listPosts(ListPostsRequest.getDefaultInstance());

    assertThat(first.getSerializedSize()).isLessThan(4 * 1024 * 1024);
    assertThat(first.getPostMessagesCount()).isBetween(250, 320);
    assertThat(first.getNextPageToken()).isNotEmpty();
  }
}
