package dev.grpcpair.post;

import dev.grpcpair.proto.data.v1.StoredPost;
import dev.grpcpair.proto.post.v1.PostMessage;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.ServerCallStreamObserver;
import java.util.Iterator;
import java.util.function.BiFunction;
import java.util.function.Function;

/**
 * One {@code StreamPosts} call: sends posts only while the transport is ready for more (so a slow
 * reader holds back the sender instead of filling the server's memory), resumes when grpc says it
 * is ready again, and stops as soon as the call is cancelled or its deadline passes.
 *
 * <p>grpc runs the ready handler and the first {@link #sendWhileReady} one at a time, on the
 * Post server's handler pool, so the state needs no lock; author look-ups may block there.
 */
final class PostStream {

  private final ServerCallStreamObserver<PostMessage> out;
  private final Iterator<StoredPost> posts;
  private final Function<String, String> authorOf;
  private final BiFunction<StoredPost, String, PostMessage> withAuthor;
  private boolean finished;

  private PostStream(
      ServerCallStreamObserver<PostMessage> out,
      Iterator<StoredPost> posts,
      Function<String, String> authorOf,
      BiFunction<StoredPost, String, PostMessage> withAuthor) {
    this.out = out;
    this.posts = posts;
    this.authorOf = authorOf;
    this.withAuthor = withAuthor;
  }

  /** Starts sending {@code posts}, each with its author from {@code authorOf} (which may throw a status). */
  static void start(
      ServerCallStreamObserver<PostMessage> out,
      Iterator<StoredPost> posts,
      Function<String, String> authorOf,
      BiFunction<StoredPost, String, PostMessage> withAuthor) {
    PostStream stream = new PostStream(out, posts, authorOf, withAuthor);
    // Without a cancel handler, sending on a cancelled call would throw.
    out.setOnCancelHandler(() -> {});
    out.setOnReadyHandler(stream::sendWhileReady);
    // The transport may have been ready before the handler was set: start now.
    stream.sendWhileReady();
  }

  private void sendWhileReady() {
    if (finished) {
      return;
    }
    try {
      while (out.isReady() && !out.isCancelled() && posts.hasNext()) {
        StoredPost post = posts.next();
        out.onNext(withAuthor.apply(post, authorOf.apply(post.getUserId())));
      }
    } catch (StatusRuntimeException e) {
      finished = true;
      if (!out.isCancelled()) {
        out.onError(e);
      }
      return;
    }
    if (out.isCancelled()) {
      finished = true;
    } else if (!posts.hasNext()) {
      finished = true;
      out.onCompleted();
    }
  }
}
