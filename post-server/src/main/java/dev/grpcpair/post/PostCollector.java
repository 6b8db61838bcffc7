package dev.grpcpair.post;

import dev.grpcpair.common.server.Replies;
import dev.grpcpair.data.PostRepository;
import dev.grpcpair.proto.ApiErrors;
import dev.grpcpair.proto.ApiLimits;
import dev.grpcpair.proto.post.v1.ListPostsByUserIdRequest;
import dev.grpcpair.proto.post.v1.ListPostsResponse;
import dev.grpcpair.proto.user.v1.UserMessage;
import io.grpc.stub.StreamObserver;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;

/**
 * One {@code CollectPosts} call: collects user ids (at most {@value ApiLimits#MAX_IDS_PER_CALL},
 * repeated ones once), then answers all their posts in the order of the ids, their owners looked up
 * in one round trip. An empty id fails the call at once; an unknown one when the posts are
 * gathered. grpc calls an observer one callback at a time, so the state needs no lock.
 */
final class PostCollector implements StreamObserver<ListPostsByUserIdRequest> {

  private final PostRepository posts;
  private final UserClient users;
  private final StreamObserver<ListPostsResponse> responseObserver;
  private final Set<String> userIds = new LinkedHashSet<>();
  private boolean failed;

  PostCollector(
      PostRepository posts, UserClient users, StreamObserver<ListPostsResponse> responseObserver) {
    this.posts = posts;
    this.users = users;
    this.responseObserver = responseObserver;
  }

  @Override
  public void onNext(ListPostsByUserIdRequest request) {
    if (failed) {
      return;
    }
    String userId = request.getUserId();
    if (userId.isEmpty()) {
      fail(ApiErrors.invalid("user_id is required (message " + (userIds.size() + 1) + ")"));
      return;
    }
    try {
      ApiErrors.requireUserId("user_id", userId);
    } catch (RuntimeException tooLong) {
      fail(tooLong);
      return;
    }
    // Bounded: at most MAX_IDS_PER_CALL ids of at most MAX_ID_BYTES each are ever held.
    if (userIds.add(userId) && userIds.size() > ApiLimits.MAX_IDS_PER_CALL) {
      fail(ApiErrors.invalid("at most " + ApiLimits.MAX_IDS_PER_CALL + " user ids per call"));
    }
  }

  @Override
  public void onError(Throwable t) {
    failed = true; // the client cancelled: nothing to answer
  }

  @Override
  public void onCompleted() {
    if (!failed) {
      Replies.answer(users.findUsers(userIds), responseObserver, this::postsOf);
    }
  }

  private ListPostsResponse postsOf(Map<String, UserMessage> owners) {
    ListPostsResponse.Builder response = ListPostsResponse.newBuilder();
    for (String userId : userIds) {
      UserMessage owner = owners.get(userId);
      if (owner == null) {
        throw ApiErrors.userNotFound(userId);
      }
      posts
          .findByUserId(userId)
          .forEach(
              post -> response.addPostMessages(PostServiceImpl.withAuthor(post, owner.getName())));
    }
    return response.build();
  }

  private void fail(RuntimeException status) {
    failed = true;
    responseObserver.onError(status);
  }
}
