package dev.grpcpair.post;

import com.google.protobuf.CodedOutputStream;
import dev.grpcpair.common.server.OutboundBudget;
import dev.grpcpair.data.PostRepository;
import dev.grpcpair.proto.ApiErrors;
import dev.grpcpair.proto.ApiLimits;
import dev.grpcpair.proto.data.v1.StoredPost;
import dev.grpcpair.proto.post.v1.ListPostsByUserIdRequest;
import dev.grpcpair.proto.post.v1.ListPostsResponse;
import dev.grpcpair.proto.post.v1.PostMessage;
import dev.grpcpair.proto.user.v1.UserMessage;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.StreamObserver;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;

/**
 * One {@code CollectPosts} call: collects user ids (at most {@value ApiLimits#MAX_IDS_PER_CALL},
 * repeated ones once), then answers all their posts in the order of the ids, their owners looked up
 * in one round trip. An empty id fails the call at once; an unknown one when the posts are
 * gathered. An answer that would pass the server's largest message ({@code
 * --max-outbound-message-size}) fails the call with RESOURCE_EXHAUSTED before anything is looked up
 * (the stored posts tell its size, but for the authors' names, which are checked as it is built).
 * grpc calls an observer one callback at a time, so the state needs no lock.
 */
final class PostCollector implements StreamObserver<ListPostsByUserIdRequest> {

  private final PostRepository posts;
  private final UserClient users;
  private final StreamObserver<ListPostsResponse> responseObserver;
  private final int maxAnswerBytes;
  private final Set<String> userIds = new LinkedHashSet<>();
  private boolean failed;

  PostCollector(
      PostRepository posts,
      UserClient users,
      StreamObserver<ListPostsResponse> responseObserver,
      int maxAnswerBytes) {
    this.posts = posts;
    this.users = users;
    this.responseObserver = responseObserver;
    this.maxAnswerBytes = maxAnswerBytes;
  }

  @Override
  public void onNext(ListPostsByUserIdRequest request) {
    if (failed) {
      return;
    }
    String userId = request.getUserId();
    try {
      ApiErrors.requireUserId("user_id", userId);
    } catch (StatusRuntimeException e) {
      // Which of the stream's messages it was: the client may have sent many.
      fail(
          ApiErrors.invalid(
              e.getStatus().getDescription() + " (message " + (userIds.size() + 1) + ")"));
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
    if (failed) {
      return;
    }
    long stored = 0;
    for (String userId : userIds) {
      for (StoredPost post : posts.findByUserId(userId)) {
        stored += post.getSerializedSize();
      }
    }
    if (stored > maxAnswerBytes) {
      responseObserver.onError(tooLarge());
      return;
    }
    OutboundBudget.reserve(stored);
    Replies.answer(users.findUsers(userIds), responseObserver, this::postsOf);
  }

  private ListPostsResponse postsOf(Map<String, UserMessage> owners) {
    ListPostsResponse.Builder response = ListPostsResponse.newBuilder();
    long bytes = 0;
    for (String userId : userIds) {
      UserMessage owner = owners.get(userId);
      if (owner == null) {
        throw ApiErrors.userNotFound(userId);
      }
      for (StoredPost post : posts.findByUserId(userId)) {
        PostMessage message = PostServiceImpl.withAuthor(post, owner.getName());
        bytes += CodedOutputStream.computeMessageSize(1, message);
        if (bytes > maxAnswerBytes) {
          throw tooLarge();
        }
        response.addPostMessages(message);
      }
    }
    return response.build();
  }

  private RuntimeException tooLarge() {
    return Status.RESOURCE_EXHAUSTED
        .withDescription(
            "the posts of these "
                + userIds.size()
                + " users take more than "
                + maxAnswerBytes
                + " bytes, the largest answer this server sends (--max-outbound-message-size): ask"
                + " for fewer users per call, or use StreamPosts")
        .asRuntimeException();
  }

  private void fail(RuntimeException status) {
    failed = true;
    responseObserver.onError(status);
  }
}
