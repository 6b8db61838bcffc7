package dev.grpcpair.post;

import dev.grpcpair.data.PostRepository;
import dev.grpcpair.proto.data.v1.StoredPost;
import dev.grpcpair.proto.post.v1.ListPostsByUserIdRequest;
import dev.grpcpair.proto.post.v1.ListPostsByUserIdResponse;
import dev.grpcpair.proto.post.v1.ListPostsRequest;
import dev.grpcpair.proto.post.v1.ListPostsResponse;
import dev.grpcpair.proto.post.v1.PostGrpc;
import dev.grpcpair.proto.post.v1.PostMessage;
import dev.grpcpair.proto.user.v1.UserMessage;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.StreamObserver;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code v1.post.Post}: posts from the repository, each with its author's name from the User
 * service. Handlers block on the User service, so they must run on a pool of their own, never on
 * the event loop.
 *
 * <p>Each response is built afresh; the stored posts are never written to (the original writes
 * the author into its shared data on every call, a data race).
 */
public final class PostServiceImpl extends PostGrpc.PostImplBase {

  private static final Logger log = LoggerFactory.getLogger(PostServiceImpl.class);

  private final PostRepository posts;
  private final UserClient users;

  public PostServiceImpl(PostRepository posts, UserClient users) {
    this.posts = posts;
    this.users = users;
  }

  @Override
  public void listPostsByUserId(
      ListPostsByUserIdRequest request, StreamObserver<ListPostsByUserIdResponse> responseObserver) {
    String userId = request.getUserId();
    if (userId.isEmpty()) {
      responseObserver.onError(
          Status.INVALID_ARGUMENT.withDescription("user_id is required").asRuntimeException());
      return;
    }
    UserMessage owner;
    try {
      owner =
          users
              .findUser(userId)
              .orElseThrow(
                  () ->
                      Status.NOT_FOUND
                          .withDescription("user \"" + userId + "\" does not exist")
                          .asRuntimeException());
    } catch (StatusRuntimeException e) {
      responseObserver.onError(e);
      return;
    }
    ListPostsByUserIdResponse.Builder response = ListPostsByUserIdResponse.newBuilder();
    for (StoredPost post : posts.findByUserId(userId)) {
      response.addPostMessages(withAuthor(post, owner.getName()));
    }
    responseObserver.onNext(response.build());
    responseObserver.onCompleted();
  }

  /**
   * Every post. A post whose owner the User service does not know keeps an empty author and is
   * still returned (and logged): one orphaned post must not hide all the others.
   */
  @Override
  public void listPosts(ListPostsRequest request, StreamObserver<ListPostsResponse> responseObserver) {
    List<StoredPost> all = posts.findAll();
    Set<String> ownerIds = new LinkedHashSet<>();
    all.forEach(post -> ownerIds.add(post.getUserId()));
    Map<String, UserMessage> owners;
    try {
      owners = users.findUsers(ownerIds);
    } catch (StatusRuntimeException e) {
      responseObserver.onError(e);
      return;
    }
    ListPostsResponse.Builder response = ListPostsResponse.newBuilder();
    for (StoredPost post : all) {
      UserMessage owner = owners.get(post.getUserId());
      if (owner == null) {
        log.warn(
            "post {} is owned by user {}, whom the user service does not know; author left empty",
            post.getPostId(),
            post.getUserId());
      }
      response.addPostMessages(withAuthor(post, owner == null ? "" : owner.getName()));
    }
    responseObserver.onNext(response.build());
    responseObserver.onCompleted();
  }

  private static PostMessage withAuthor(StoredPost post, String author) {
    return PostMessage.newBuilder()
        .setPostId(post.getPostId())
        .setAuthor(author)
        .setTitle(post.getTitle())
        .setBody(post.getBody())
        .addAllTags(post.getTagsList())
        .build();
  }
}
