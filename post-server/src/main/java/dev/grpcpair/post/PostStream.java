package dev.grpcpair.post;

import dev.grpcpair.proto.data.v1.StoredPost;
import dev.grpcpair.proto.post.v1.PostMessage;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.ServerCallStreamObserver;
import java.util.List;
import java.util.Map;
import java.util.function.BiFunction;
import java.util.function.Function;

/**
 * One {@code StreamPosts} call: sends posts only while the transport is ready for more (so a slow
 * reader holds back the sender instead of filling the server's memory), resumes when grpc says it
 * is ready again, and stops as soon as the call is cancelled or its deadline passes. Authors are
 * looked up a chunk of posts at a time ({@value #CHUNK}), one round trip per chunk.
 *
 * <p>grpc runs the ready handler and the first {@link #sendWhileReady} one at a time, on the
 * Post server's handler pool, so the state needs no lock; author look-ups may block there.
 */
final class PostStream {

  /** Posts whose authors are looked up together. */
  static final int CHUNK = 500;

  private final ServerCallStreamObserver<PostMessage> out;
  private final List<StoredPost> posts;
  private final Function<List<StoredPost>, Map<String, String>> authorsOf;
  private final BiFunction<StoredPost, String, PostMessage> withAuthor;
  private int next;
  private int chunkEnd;
  private Map<String, String> chunkAuthors = Map.of();
  private boolean finished;

  private PostStream(
      ServerCallStreamObserver<PostMessage> out,
      List<StoredPost> posts,
      Function<List<StoredPost>, Map<String, String>> authorsOf,
      BiFunction<StoredPost, String, PostMessage> withAuthor) {
    this.out = out;
    this.posts = posts;
    this.authorsOf = authorsOf;
    this.withAuthor = withAuthor;
  }

  /**
   * Starts sending {@code posts}, each with its author from {@code authorsOf}, which gets a chunk
   * of posts and answers their owners' names by id (it may block, and may throw a status).
   */
  static void start(
      ServerCallStreamObserver<PostMessage> out,
      List<StoredPost> posts,
      Function<List<StoredPost>, Map<String, String>> authorsOf,
      BiFunction<StoredPost, String, PostMessage> withAuthor) {
    PostStream stream = new PostStream(out, posts, authorsOf, withAuthor);
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
      while (out.isReady() && !out.isCancelled() && next < posts.size()) {
        if (next == chunkEnd) {
          chunkEnd = Math.min(posts.size(), next + CHUNK);
          chunkAuthors = authorsOf.apply(posts.subList(next, chunkEnd));
        }
        StoredPost post = posts.get(next++);
        out.onNext(withAuthor.apply(post, chunkAuthors.getOrDefault(post.getUserId(), "")));
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
    } else if (next == posts.size()) {
      finished = true;
      out.onCompleted();
    }
  }
}
