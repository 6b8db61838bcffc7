package dev.grpcpair.post;

import com.google.common.util.concurrent.FutureCallback;
import com.google.common.util.concurrent.Futures;
import dev.grpcpair.proto.ApiErrors;
import dev.grpcpair.proto.data.v1.StoredPost;
import dev.grpcpair.proto.post.v1.PostMessage;
import dev.grpcpair.proto.user.v1.UserMessage;
import io.grpc.Context;
import io.grpc.stub.ServerCallStreamObserver;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Executor;
import java.util.function.Consumer;

/**
 * One {@code StreamPosts} call: sends posts only while the transport is ready for more (so a slow
 * reader holds back the sender instead of filling the server's memory), resumes when grpc says it
 * is ready again, and stops as soon as the call is cancelled or its deadline passes. Authors are
 * looked up {@value #CHUNK} posts at a time, one round trip per chunk, each owner once per call.
 *
 * <p>Nothing blocks: a chunk's look-up is a future, and sending resumes from its callback. That
 * callback and grpc's ready handler run on different threads, so sending is under this object's
 * lock; grpc needs the stream's calls serialized, not made from one thread.
 */
final class PostStream {

  /** Posts whose authors are looked up together. */
  static final int CHUNK = 500;

  private final ServerCallStreamObserver<PostMessage> out;
  private final UserClient users;

  /** Runs look-up callbacks in the call's Context, so later look-ups keep its deadline. */
  private final Executor inCallContext = Context.current().fixedContextExecutor(Runnable::run);

  private final Map<String, String> authors = new HashMap<>();
  private List<StoredPost> posts;
  private int next;
  private boolean lookingUp;
  private boolean finished;

  private PostStream(ServerCallStreamObserver<PostMessage> out, UserClient users) {
    this.out = out;
    this.users = users;
  }

  /**
   * Takes over {@code out}'s flow control. Must be called while the handler runs (grpc freezes the
   * handlers after it returns); nothing is sent before {@link #send} or {@link #sendPostsOf}.
   */
  static PostStream open(ServerCallStreamObserver<PostMessage> out, UserClient users) {
    PostStream stream = new PostStream(out, users);
    // Without a cancel handler, sending on a cancelled call would throw.
    out.setOnCancelHandler(() -> {});
    out.setOnReadyHandler(stream::sendWhileReady);
    return stream;
  }

  /** Starts sending {@code selected}. */
  synchronized void send(List<StoredPost> selected) {
    posts = selected;
    sendWhileReady();
  }

  /**
   * Sends {@code owned} once the User service confirms {@code userId}; NOT_FOUND if it does not.
   */
  synchronized void sendPostsOf(String userId, List<StoredPost> owned) {
    lookUp(
        Set.of(userId),
        found -> {
          if (!found.containsKey(userId)) {
            fail(ApiErrors.userNotFound(userId));
          } else {
            authors.put(userId, found.get(userId).getName());
            posts = owned;
          }
        });
  }

  private synchronized void sendWhileReady() {
    if (posts == null || finished || lookingUp) {
      return;
    }
    while (out.isReady() && !out.isCancelled() && next < posts.size()) {
      if (next % CHUNK == 0
          && lookUpOwnersOf(posts.subList(next, Math.min(posts.size(), next + CHUNK)))) {
        return; // resumes when the look-up is done
      }
      StoredPost post = posts.get(next++);
      out.onNext(PostServiceImpl.withAuthor(post, authors.getOrDefault(post.getUserId(), "")));
    }
    if (out.isCancelled()) {
      finished = true;
    } else if (next == posts.size()) {
      finished = true;
      out.onCompleted();
    }
  }

  /** Starts looking up the chunk's unknown owners; false if there are none. */
  private boolean lookUpOwnersOf(List<StoredPost> chunk) {
    Set<String> unknown = new LinkedHashSet<>();
    for (StoredPost post : chunk) {
      if (!authors.containsKey(post.getUserId())) {
        unknown.add(post.getUserId());
      }
    }
    if (unknown.isEmpty()) {
      return false;
    }
    lookUp(unknown, found -> learn(unknown, found));
    return true;
  }

  /**
   * Looks {@code ids} up without blocking; sending pauses until {@code then} has taken the answer.
   */
  private void lookUp(Set<String> ids, Consumer<Map<String, UserMessage>> then) {
    lookingUp = true;
    Futures.addCallback(
        users.findUsers(ids),
        new FutureCallback<Map<String, UserMessage>>() {
          @Override
          public void onSuccess(Map<String, UserMessage> found) {
            resume(then, found);
          }

          @Override
          public void onFailure(Throwable failure) {
            fail(failure);
          }
        },
        inCallContext);
  }

  private synchronized void resume(
      Consumer<Map<String, UserMessage>> then, Map<String, UserMessage> found) {
    lookingUp = false;
    then.accept(found);
    sendWhileReady();
  }

  /** Records the names of the owners asked for. */
  private void learn(Set<String> asked, Map<String, UserMessage> found) {
    for (String ownerId : asked) {
      authors.put(ownerId, PostServiceImpl.authorName(ownerId, found));
    }
  }

  /** Ends the call with {@code failure}; RecoveryInterceptor maps it to a status. */
  synchronized void fail(Throwable failure) {
    lookingUp = false;
    if (!finished) {
      finished = true;
      if (!out.isCancelled()) {
        out.onError(failure);
      }
    }
  }
}
