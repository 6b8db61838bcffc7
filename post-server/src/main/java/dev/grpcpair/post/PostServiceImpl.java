package dev.grpcpair.post;

import dev.grpcpair.common.server.OutboundBudget;
import dev.grpcpair.data.Page;
import dev.grpcpair.data.PostRepository;
import dev.grpcpair.proto.ApiErrors;
import dev.grpcpair.proto.ApiLimits;
import dev.grpcpair.proto.data.v1.StoredPost;
import dev.grpcpair.proto.post.v1.ListPostsByUserIdRequest;
import dev.grpcpair.proto.post.v1.ListPostsByUserIdResponse;
import dev.grpcpair.proto.post.v1.ListPostsRequest;
import dev.grpcpair.proto.post.v1.ListPostsResponse;
import dev.grpcpair.proto.post.v1.PostGrpc;
import dev.grpcpair.proto.post.v1.PostMessage;
import dev.grpcpair.proto.post.v1.StreamPostsRequest;
import dev.grpcpair.proto.user.v1.UserMessage;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code v1.post.Post}: posts from the repository, each with its author's name from the User
 * service. No handler blocks: each answers from the {@link UserClient}'s futures, so all of them
 * run on the event loop (see {@code docs/architecture.md}). A bad request is thrown as the status
 * the contract promises; a failed look-up ends the call with the client's status.
 *
 * <p>Each response is built afresh; the stored posts are never written to (the original writes the
 * author into its shared data on every call, a data race).
 */
public final class PostServiceImpl extends PostGrpc.PostImplBase {

  private static final Logger log = LoggerFactory.getLogger(PostServiceImpl.class);

  private final PostRepository posts;
  private final UserClient users;
  private final int maxAnswerBytes;

  /**
   * @param maxAnswerBytes the largest answer to build ({@code --max-outbound-message-size}); only
   *     CollectPosts can get there, the List methods page
   */
  public PostServiceImpl(PostRepository posts, UserClient users, int maxAnswerBytes) {
    this.posts = posts;
    this.users = users;
    this.maxAnswerBytes = maxAnswerBytes;
  }

  /** One user's posts, a page at a time; NOT_FOUND if the User service does not know the user. */
  @Override
  public void listPostsByUserId(
      ListPostsByUserIdRequest request,
      StreamObserver<ListPostsByUserIdResponse> responseObserver) {
    String userId = ApiErrors.requireUserId("user_id", request.getUserId());
    Page<StoredPost> page =
        Page.of(
            posts.findByUserId(userId),
            request.getPageSize(),
            request.getPageToken(),
            "user:" + userId);
    OutboundBudget.reserve(page.bytes());
    Replies.answer(
        users.findUser(userId),
        responseObserver,
        owner -> {
          String author = owner.orElseThrow(() -> ApiErrors.userNotFound(userId)).getName();
          ListPostsByUserIdResponse.Builder response =
              ListPostsByUserIdResponse.newBuilder().setNextPageToken(page.nextPageToken());
          page.items().forEach(post -> response.addPostMessages(withAuthor(post, author)));
          return response.build();
        });
  }

  /**
   * Every post, a page at a time, the authors of a page looked up in one round trip. A post whose
   * owner the User service does not know keeps an empty author and is still returned (and logged):
   * one orphaned post must not hide all the others.
   */
  @Override
  public void listPosts(
      ListPostsRequest request, StreamObserver<ListPostsResponse> responseObserver) {
    Page<StoredPost> page =
        Page.of(posts.findAll(), request.getPageSize(), request.getPageToken(), "all");
    // Before the look-up: a client that does not read its answers gets no more work done for it.
    OutboundBudget.reserve(page.bytes());
    Set<String> ownerIds = new LinkedHashSet<>();
    page.items().forEach(post -> ownerIds.add(post.getUserId()));
    Replies.answer(
        users.findUsers(ownerIds),
        responseObserver,
        owners -> {
          ListPostsResponse.Builder response =
              ListPostsResponse.newBuilder().setNextPageToken(page.nextPageToken());
          for (StoredPost post : page.items()) {
            response.addPostMessages(withAuthor(post, authorName(post.getUserId(), owners)));
          }
          return response.build();
        });
  }

  /**
   * Server streaming: one user's posts (NOT_FOUND for an unknown user), or all, at the pace the
   * client reads (see {@link PostStream}).
   */
  @Override
  public void streamPosts(
      StreamPostsRequest request, StreamObserver<PostMessage> responseObserver) {
    PostStream stream =
        PostStream.open((ServerCallStreamObserver<PostMessage>) responseObserver, users);
    if (request.getUserId().isEmpty()) {
      stream.send(posts.findAll());
      return;
    }
    String userId = ApiErrors.requireUserId("user_id", request.getUserId());
    stream.sendPostsOf(userId, posts.findByUserId(userId));
  }

  /**
   * Client streaming: collects user ids (at most {@value ApiLimits#MAX_IDS_PER_CALL}, repeated ones
   * once), then answers all their posts in the order of the ids, their owners looked up in one
   * round trip. An empty id fails the call at once; an unknown one when the posts are gathered.
   */
  @Override
  public StreamObserver<ListPostsByUserIdRequest> collectPosts(
      StreamObserver<ListPostsResponse> responseObserver) {
    return new PostCollector(posts, users, responseObserver, maxAnswerBytes);
  }

  /**
   * The name of the posts' owner {@code ownerId} among the users {@code found}; for one the User
   * service does not know, an empty name (and a warning): the posts are still returned.
   */
  static String authorName(String ownerId, Map<String, UserMessage> found) {
    UserMessage owner = found.get(ownerId);
    if (owner == null) {
      log.warn(
          "user {} owns posts but the user service does not know them; author left empty", ownerId);
      return "";
    }
    return owner.getName();
  }

  static PostMessage withAuthor(StoredPost post, String author) {
    return PostMessage.newBuilder()
        .setPostId(post.getPostId())
        .setAuthor(author)
        .setTitle(post.getTitle())
        .setBody(post.getBody())
        .addAllTags(post.getTagsList())
        .build();
  }
}
