package dev.grpcpair.post;

import dev.grpcpair.data.PostRepository;
import dev.grpcpair.proto.data.v1.StoredPost;
import dev.grpcpair.proto.post.v1.ListPostsByUserIdRequest;
import dev.grpcpair.proto.post.v1.ListPostsByUserIdResponse;
import dev.grpcpair.proto.post.v1.ListPostsRequest;
import dev.grpcpair.proto.post.v1.ListPostsResponse;
import dev.grpcpair.proto.post.v1.PostGrpc;
import dev.grpcpair.proto.post.v1.PostMessage;
import dev.grpcpair.proto.post.v1.StreamPostsRequest;
import dev.grpcpair.proto.user.v1.UserMessage;
import com.google.common.util.concurrent.FutureCallback;
import com.google.common.util.concurrent.Futures;
import com.google.common.util.concurrent.ListenableFuture;
import com.google.common.util.concurrent.MoreExecutors;
import io.grpc.Context;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code v1.post.Post}: posts from the repository, each with its author's name from the User
 * service. The unary handlers never block (they answer from the User service's callback) and run
 * on the event loop; the streaming ones block on author look-ups and run on the handler pool.
 *
 * <p>Each response is built afresh; the stored posts are never written to (the original writes
 * the author into its shared data on every call, a data race).
 */
public final class PostServiceImpl extends PostGrpc.PostImplBase {

  private static final Logger log = LoggerFactory.getLogger(PostServiceImpl.class);

  /** The most user ids one CollectPosts call may send. */
  static final int MAX_COLLECTED_IDS = 1000;

  private final PostRepository posts;
  private final UserClient users;

  public PostServiceImpl(PostRepository posts, UserClient users) {
    this.posts = posts;
    this.users = users;
  }

  /**
   * One user's posts, a page at a time. Answers from the User service's callback: no thread waits
   * for it, so this runs on the event loop (see {@link PostServer}).
   */
  @Override
  public void listPostsByUserId(
      ListPostsByUserIdRequest request, StreamObserver<ListPostsByUserIdResponse> responseObserver) {
    String userId = request.getUserId();
    if (userId.isEmpty()) {
      responseObserver.onError(
          Status.INVALID_ARGUMENT.withDescription("user_id is required").asRuntimeException());
      return;
    }
    Page<StoredPost> page;
    try {
      page = Page.of(posts.findByUserId(userId), request.getPageSize(), request.getPageToken(), "user:" + userId);
    } catch (StatusRuntimeException e) {
      responseObserver.onError(e);
      return;
    }
    answerWhenDone(
        users.findUserAsync(userId),
        responseObserver,
        owner -> {
          String author = owner.orElseThrow(() -> notFound(userId)).getName();
          ListPostsByUserIdResponse.Builder response =
              ListPostsByUserIdResponse.newBuilder().setNextPageToken(page.nextPageToken());
          page.items().forEach(post -> response.addPostMessages(withAuthor(post, author)));
          return response.build();
        });
  }

  /**
   * Every post, a page at a time, with the authors of a page looked up in one round trip and
   * answered from its callback. A post whose owner the User service does not know keeps an empty
   * author and is still returned (and logged): one orphaned post must not hide all the others.
   */
  @Override
  public void listPosts(ListPostsRequest request, StreamObserver<ListPostsResponse> responseObserver) {
    Page<StoredPost> page;
    try {
      page = Page.of(posts.findAll(), request.getPageSize(), request.getPageToken(), "all");
    } catch (StatusRuntimeException e) {
      responseObserver.onError(e);
      return;
    }
    Set<String> ownerIds = new LinkedHashSet<>();
    page.items().forEach(post -> ownerIds.add(post.getUserId()));
    answerWhenDone(
        users.findUsersAsync(ownerIds),
        responseObserver,
        owners -> {
          ListPostsResponse.Builder response = ListPostsResponse.newBuilder().setNextPageToken(page.nextPageToken());
          for (StoredPost post : page.items()) {
            UserMessage owner = owners.get(post.getUserId());
            if (owner == null) {
              log.warn(
                  "post {} is owned by user {}, whom the user service does not know; author left empty",
                  post.getPostId(),
                  post.getUserId());
            }
            response.addPostMessages(withAuthor(post, owner == null ? "" : owner.getName()));
          }
          return response.build();
        });
  }

  /**
   * Answers {@code responseObserver} with {@code answer} of the future's value once it is done, in
   * the handler's {@link Context} (the access log reads the caller's identity from it). A status
   * from the future or from {@code answer} is answered as it is; anything else is a bug, answered
   * INTERNAL like the recovery interceptor does for handlers that throw.
   */
  private static <T, R> void answerWhenDone(
      ListenableFuture<T> future, StreamObserver<R> responseObserver, Function<T, R> answer) {
    Futures.addCallback(
        future,
        new FutureCallback<>() {
          @Override
          public void onSuccess(T value) {
            R response;
            try {
              response = answer.apply(value);
            } catch (RuntimeException e) {
              onFailure(e);
              return;
            }
            responseObserver.onNext(response);
            responseObserver.onCompleted();
          }

          @Override
          public void onFailure(Throwable t) {
            if (t instanceof StatusRuntimeException) {
              responseObserver.onError(t);
            } else {
              log.error("answering failed with an unexpected exception; answered INTERNAL", t);
              responseObserver.onError(
                  Status.INTERNAL.withDescription("internal error; the server logged the details").asRuntimeException());
            }
          }
        },
        Context.current().fixedContextExecutor(MoreExecutors.directExecutor()));
  }

  private static StatusRuntimeException notFound(String userId) {
    return Status.NOT_FOUND.withDescription("user \"" + userId + "\" does not exist").asRuntimeException();
  }

  /**
   * Server streaming: one user's posts, or all, at the pace the client reads (see {@link
   * PostStream}). Authors are looked up a chunk of posts at a time, each at most once per call.
   */
  @Override
  public void streamPosts(StreamPostsRequest request, StreamObserver<PostMessage> responseObserver) {
    String userId = request.getUserId();
    Map<String, String> authors = new HashMap<>();
    List<StoredPost> selected;
    try {
      if (userId.isEmpty()) {
        selected = posts.findAll();
      } else {
        authors.put(userId, requireUser(userId).getName());
        selected = posts.findByUserId(userId);
      }
    } catch (StatusRuntimeException e) {
      responseObserver.onError(e);
      return;
    }
    PostStream.start(
        (ServerCallStreamObserver<PostMessage>) responseObserver,
        selected,
        chunk -> authorsOf(chunk, authors),
        PostServiceImpl::withAuthor);
  }

  /**
   * The names of the owners of {@code chunk}, from {@code known} or else from the User service in
   * one round trip (blocking: streams run on the handler pool); adds what it learns to {@code
   * known}. An owner the User service does not know gets an empty name, and a log line, once.
   */
  private Map<String, String> authorsOf(List<StoredPost> chunk, Map<String, String> known) {
    Set<String> unknown = new LinkedHashSet<>();
    chunk.forEach(post -> {
      if (!known.containsKey(post.getUserId())) {
        unknown.add(post.getUserId());
      }
    });
    if (!unknown.isEmpty()) {
      Map<String, UserMessage> found = await(users.findUsersAsync(unknown));
      for (String ownerId : unknown) {
        UserMessage owner = found.get(ownerId);
        if (owner == null) {
          log.warn("user {} owns posts but the user service does not know them; author left empty", ownerId);
        }
        known.put(ownerId, owner == null ? "" : owner.getName());
      }
    }
    return known;
  }

  /** The future's value, waited for on this (pool) thread; its failure as the status it carries. */
  private static <T> T await(ListenableFuture<T> future) {
    try {
      return future.get();
    } catch (ExecutionException e) {
      if (e.getCause() instanceof StatusRuntimeException) {
        throw (StatusRuntimeException) e.getCause();
      }
      throw new IllegalStateException(e.getCause());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      future.cancel(true);
      throw Status.CANCELLED.withDescription("the server is stopping").asRuntimeException();
    }
  }

  /**
   * Client streaming: collects user ids (at most {@value #MAX_COLLECTED_IDS}, repeated ones once),
   * then answers all their posts in the order of the ids, their owners looked up in one round
   * trip. An empty id fails the call at once; an unknown one when the posts are gathered.
   */
  @Override
  public StreamObserver<ListPostsByUserIdRequest> collectPosts(StreamObserver<ListPostsResponse> responseObserver) {
    Set<String> userIds = new LinkedHashSet<>();
    return new StreamObserver<>() {
      private boolean failed;

      @Override
      public void onNext(ListPostsByUserIdRequest request) {
        if (failed) {
          return;
        }
        if (request.getUserId().isEmpty()) {
          fail(Status.INVALID_ARGUMENT.withDescription("user_id is required (message " + (userIds.size() + 1) + ")"));
        } else if (userIds.add(request.getUserId()) && userIds.size() > MAX_COLLECTED_IDS) {
          fail(Status.INVALID_ARGUMENT.withDescription("at most " + MAX_COLLECTED_IDS + " user ids per call"));
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
        // All the ids' owners in one round trip; the answer is built in the ids' order.
        answerWhenDone(
            users.findUsersAsync(userIds),
            responseObserver,
            owners -> {
              ListPostsResponse.Builder response = ListPostsResponse.newBuilder();
              for (String userId : userIds) {
                UserMessage owner = owners.get(userId);
                if (owner == null) {
                  throw notFound(userId);
                }
                posts.findByUserId(userId).forEach(post -> response.addPostMessages(withAuthor(post, owner.getName())));
              }
              return response.build();
            });
      }

      private void fail(Status status) {
        failed = true;
        responseObserver.onError(status.asRuntimeException());
      }
    };
  }

  private UserMessage requireUser(String userId) {
    return users.findUser(userId).orElseThrow(() -> notFound(userId));
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
