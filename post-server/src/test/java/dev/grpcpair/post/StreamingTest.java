package dev.grpcpair.post;

import static dev.grpcpair.common.testing.GrpcAssertions.assertStatus;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

import com.google.common.base.Strings;
import dev.grpcpair.common.GrpcServer;
import dev.grpcpair.common.Metrics;
import dev.grpcpair.common.testing.CallCounter;
import dev.grpcpair.common.testing.Closer;
import dev.grpcpair.common.testing.Eventually;
import dev.grpcpair.data.InMemoryPostRepository;
import dev.grpcpair.data.InMemoryUserRepository;
import dev.grpcpair.data.PostRepository;
import dev.grpcpair.proto.data.v1.Dataset;
import dev.grpcpair.proto.data.v1.StoredPost;
import dev.grpcpair.proto.post.v1.ListPostsByUserIdRequest;
import dev.grpcpair.proto.post.v1.ListPostsResponse;
import dev.grpcpair.proto.post.v1.PostGrpc;
import dev.grpcpair.proto.post.v1.PostMessage;
import dev.grpcpair.proto.post.v1.StreamPostsRequest;
import dev.grpcpair.proto.user.v1.GetUserRequest;
import dev.grpcpair.proto.user.v1.GetUserResponse;
import dev.grpcpair.proto.user.v1.UserGrpc;
import dev.grpcpair.proto.user.v1.UserMessage;
import dev.grpcpair.user.UserServer;
import dev.grpcpair.user.UserServerConfig;
import dev.grpcpair.user.UserServiceImpl;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import io.grpc.stub.StreamObserver;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The streaming methods over Netty: results, flow control, cancellation, deadlines and errors. */
class StreamingTest {

  /** Posts of ~1 KiB, so the transport's flow-control window holds about a thousand. */
  private static final int BIG_STREAM = 20_000;
  /** Far above what the flow-control window holds, far below the whole stream. */
  private static final int MAX_AHEAD = 5_000;

  private final Closer closer = new Closer();

  @AfterEach
  void tearDown() throws Exception {
    closer.close();
  }

  private ManagedChannel channelTo(GrpcServer server) {
    ManagedChannel channel = PairEndToEndTest.channelTo(server);
    closer.add(() -> channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS));
    return channel;
  }

  private GrpcServer seedUserServer() throws Exception {
    return closer.add(UserServer.start(UserServerConfig.onPort(0)));
  }

  /** The seed pair, as the jars start it. */
  private ManagedChannel seedPair() throws Exception {
    GrpcServer users = seedUserServer();
    return channelTo(closer.add(PostServer.start(PostServerConfig.of(0, "localhost:" + users.port()))));
  }

  /** A Post service over {@code posts}, asking the User service at {@code userPort}, counting what it sends. */
  private ManagedChannel postServer(PostRepository posts, int userPort, CallCounter counter) throws Exception {
    UserClient users =
        closer.add(UserClient.connect(PostServerConfig.of(0, "localhost:" + userPort).user(), Metrics.NONE));
    return channelTo(
        closer.add(
            GrpcServer.builder("post-under-test", 0)
                .addService(new PostServiceImpl(posts, users))
                .intercept(counter)
                .executor(closer.add(new ExecutorCloser()).executor)
                .start()));
  }

  private static PostRepository bigPosts(int count, String ownerId) {
    Dataset.Builder dataset = Dataset.newBuilder();
    String body = Strings.repeat("x", 1024);
    for (int i = 1; i <= count; i++) {
      dataset.addPosts(StoredPost.newBuilder().setPostId(String.valueOf(i)).setUserId(ownerId).setTitle("t" + i).setBody(body));
    }
    return new InMemoryPostRepository(dataset.build());
  }

  // --- results --------------------------------------------------------------------------------

  @Test
  void streamPosts_allPostsInOrderWithAuthors() throws Exception {
    List<PostMessage> posts = readAll(PostGrpc.newBlockingStub(seedPair()).withDeadlineAfter(10, TimeUnit.SECONDS)
        .streamPosts(StreamPostsRequest.getDefaultInstance()));

    SeedPosts.assertAllInOrderWithAuthors(posts);
  }

  @Test
  void streamPosts_oneUsersPosts_andUnknownUserIsNotFound() throws Exception {
    ManagedChannel channel = seedPair();
    PostGrpc.PostBlockingStub posts = PostGrpc.newBlockingStub(channel).withDeadlineAfter(10, TimeUnit.SECONDS);

    assertThat(readAll(posts.streamPosts(StreamPostsRequest.newBuilder().setUserId("4").build())))
        .extracting(PostMessage::getPostId, PostMessage::getAuthor)
        .containsExactly(tuple("6", "Max"), tuple("7", "Max"));
    assertStatus(
        () -> readAll(posts.streamPosts(StreamPostsRequest.newBuilder().setUserId("99").build())),
        Status.Code.NOT_FOUND,
        "user \"99\" does not exist");
  }

  @Test
  void collectPosts_postsOfEveryIdInTheOrderSent() throws Exception {
    ListPostsResponse response = collect(seedPair(), "5", "3", "5", "2");

    assertThat(response.getPostMessagesList())
        .extracting(PostMessage::getPostId, PostMessage::getAuthor)
        .containsExactly(tuple("8", "Tony"), tuple("5", "Jessie"));
  }

  @Test
  void collectPosts_badIds_failWithAClearStatus() throws Exception {
    ManagedChannel channel = seedPair();

    assertThat(collectStatus(channel, "1", "99")).isEqualTo(Status.NOT_FOUND.withDescription("user \"99\" does not exist").toString());
    assertThat(collectStatus(channel, "1", "")).isEqualTo(
        Status.INVALID_ARGUMENT.withDescription("user_id is required (message 2)").toString());
    String[] tooMany = new String[PostServiceImpl.MAX_COLLECTED_IDS + 1];
    for (int i = 0; i < tooMany.length; i++) {
      tooMany[i] = "id-" + i;
    }
    assertThat(collectStatus(channel, tooMany)).isEqualTo(
        Status.INVALID_ARGUMENT.withDescription("at most 1000 user ids per call").toString());
  }

  @Test
  void streamUsers_answersEachIdInOrder_thenEndsAtTheFirstUnknownOne() throws Exception {
    ManagedChannel channel = channelTo(seedUserServer());
    List<GetUserResponse> answers = new CopyOnWriteArrayList<>();
    CompletableFuture<Status> done = new CompletableFuture<>();
    StreamObserver<GetUserRequest> ids =
        UserGrpc.newStub(channel).withDeadlineAfter(10, TimeUnit.SECONDS).streamUsers(collecting(answers, done));
    for (String id : List.of("1", "2", "3", "99", "4")) {
      ids.onNext(GetUserRequest.newBuilder().setUserId(id).build());
    }
    ids.onCompleted();

    Status status = done.get(10, TimeUnit.SECONDS);
    assertThat(answers).extracting(answer -> answer.getUserMessage().getName()).containsExactly("Henry", "Michael", "Jessie");
    assertThat(status.getCode()).isEqualTo(Status.Code.NOT_FOUND);
    assertThat(status.getDescription()).isEqualTo("user \"99\" does not exist");
  }

  // --- flow control, cancellation, deadlines, errors --------------------------------------------

  @Test
  void streamPosts_slowReader_serverProducesOnlyAWindowAhead() throws Exception {
    CallCounter counter = new CallCounter();
    ManagedChannel channel = postServer(bigPosts(BIG_STREAM, "1"), seedUserServer().port(), counter);
    SlowReader<PostMessage> reader = new SlowReader<>(10);
    PostGrpc.newStub(channel).withDeadlineAfter(60, TimeUnit.SECONDS).streamPosts(StreamPostsRequest.getDefaultInstance(), reader);

    Eventually.holds(Duration.ofSeconds(10), () -> assertThat(reader.received()).isEqualTo(10));
    Eventually.staysTrue(Duration.ofSeconds(1), () -> assertThat(counter.messagesSent()).isLessThan(MAX_AHEAD));

    reader.readMore(BIG_STREAM);
    assertThat(reader.done().get(60, TimeUnit.SECONDS).isOk()).isTrue();
    assertThat(reader.received()).isEqualTo(BIG_STREAM);
  }

  @Test
  void streamPosts_cancelledMidStream_serverStops() throws Exception {
    CallCounter counter = new CallCounter();
    ManagedChannel channel = postServer(bigPosts(BIG_STREAM, "1"), seedUserServer().port(), counter);
    SlowReader<PostMessage> reader = new SlowReader<>(10);
    PostGrpc.newStub(channel).withDeadlineAfter(60, TimeUnit.SECONDS).streamPosts(StreamPostsRequest.getDefaultInstance(), reader);
    Eventually.holds(Duration.ofSeconds(10), () -> assertThat(reader.received()).isEqualTo(10));

    reader.cancel();

    Eventually.holds(Duration.ofSeconds(10), () -> assertThat(counter.cancellations()).isEqualTo(1));
    int sentAtCancel = counter.messagesSent();
    Eventually.staysTrue(Duration.ofMillis(500), () -> assertThat(counter.messagesSent()).isEqualTo(sentAtCancel));
    assertThat(sentAtCancel).isLessThan(MAX_AHEAD);
  }

  @Test
  void streamPosts_deadlinePassesMidStream_clientGetsDeadlineExceeded_serverStops() throws Exception {
    CallCounter counter = new CallCounter();
    ManagedChannel channel = postServer(bigPosts(BIG_STREAM, "1"), seedUserServer().port(), counter);
    SlowReader<PostMessage> reader = new SlowReader<>(10);

    PostGrpc.newStub(channel).withDeadlineAfter(500, TimeUnit.MILLISECONDS).streamPosts(StreamPostsRequest.getDefaultInstance(), reader);

    assertThat(reader.done().get(10, TimeUnit.SECONDS).getCode()).isEqualTo(Status.Code.DEADLINE_EXCEEDED);
    Eventually.holds(Duration.ofSeconds(10), () -> assertThat(counter.cancellations()).isEqualTo(1));
    assertThat(counter.messagesSent()).isLessThan(MAX_AHEAD);
  }

  @Test
  void streamPosts_userServiceFailsMidStream_endsWithItsStatusAfterThePostsBefore() throws Exception {
    ScriptedUserService scripted = new ScriptedUserService();
    scripted.failFor("3", Status.UNAVAILABLE.withDescription("replica down"));
    GrpcServer userServer = closer.add(GrpcServer.builder("scripted-users", 0).addService(scripted).start());
    // A first chunk of posts whose author is found, then one whose author look-up fails.
    Dataset.Builder dataset = Dataset.newBuilder();
    for (int i = 1; i <= PostStream.CHUNK; i++) {
      dataset.addPosts(StoredPost.newBuilder().setPostId("a" + i).setUserId("1"));
    }
    dataset.addPosts(StoredPost.newBuilder().setPostId("b1").setUserId("3"));
    ManagedChannel channel = postServer(new InMemoryPostRepository(dataset.build()), userServer.port(), new CallCounter());
    SlowReader<PostMessage> reader = new SlowReader<>(PostStream.CHUNK + 10);

    PostGrpc.newStub(channel).withDeadlineAfter(10, TimeUnit.SECONDS).streamPosts(StreamPostsRequest.getDefaultInstance(), reader);

    Status status = reader.done().get(10, TimeUnit.SECONDS);
    assertThat(status.getCode()).isEqualTo(Status.Code.UNAVAILABLE);
    assertThat(status.getDescription()).contains("user service at localhost:" + userServer.port());
    assertThat(reader.received()).isEqualTo(PostStream.CHUNK);
  }

  @Test
  void streamPosts_looksAuthorsUpAChunkAtATime() throws Exception {
    ScriptedUserService scripted = new ScriptedUserService();
    GrpcServer userServer = closer.add(GrpcServer.builder("scripted-users", 0).addService(scripted).start());
    Dataset.Builder dataset = Dataset.newBuilder();
    for (int i = 1; i <= 4 * PostStream.CHUNK; i++) {
      // Every post a different owner; "1" (Henry) now and then, the others unknown to the User service.
      dataset.addPosts(StoredPost.newBuilder().setPostId(String.valueOf(i)).setUserId(i % 100 == 0 ? "1" : "owner-" + i));
    }
    ManagedChannel channel = postServer(new InMemoryPostRepository(dataset.build()), userServer.port(), new CallCounter());

    List<PostMessage> posts =
        readAll(PostGrpc.newBlockingStub(channel).withDeadlineAfter(30, TimeUnit.SECONDS).streamPosts(StreamPostsRequest.getDefaultInstance()));

    assertThat(posts).hasSize(4 * PostStream.CHUNK);
    assertThat(posts.get(99).getAuthor()).isEqualTo("Henry");
    assertThat(posts.get(0).getAuthor()).isEmpty();
    assertThat(scripted.getUserCalls()).as("one BatchGetUsers per chunk").isEqualTo(4);
  }

  @Test
  void streamUsers_clientThatSendsButDoesNotRead_serverStopsAnsweringAhead() throws Exception {
    // Users with 2 KiB names: the flow-control window holds a few hundred answers.
    Dataset users = Dataset.newBuilder()
        .addUsers(UserMessage.newBuilder().setUserId("big").setName(Strings.repeat("n", 2048)))
        .build();
    CallCounter counter = new CallCounter();
    GrpcServer userServer =
        closer.add(
            GrpcServer.builder("users-under-test", 0)
                .addService(new UserServiceImpl(new InMemoryUserRepository(users)))
                .intercept(counter)
                .start());
    SlowReader<GetUserResponse> reader = new SlowReader<>(0);
    StreamObserver<GetUserRequest> ids =
        UserGrpc.newStub(channelTo(userServer)).withDeadlineAfter(60, TimeUnit.SECONDS).streamUsers(reader);
    for (int i = 0; i < BIG_STREAM; i++) {
      ids.onNext(GetUserRequest.newBuilder().setUserId("big").build());
    }
    ids.onCompleted();

    Eventually.holds(Duration.ofSeconds(10), () -> assertThat(counter.messagesSent()).isPositive());
    Eventually.staysTrue(Duration.ofSeconds(1), () -> assertThat(counter.messagesSent()).isLessThan(MAX_AHEAD));

    reader.readMore(BIG_STREAM);
    assertThat(reader.done().get(60, TimeUnit.SECONDS).isOk()).isTrue();
    assertThat(reader.received()).isEqualTo(BIG_STREAM);
  }

  // --- helpers -----------------------------------------------------------------------------------

  private static <T> List<T> readAll(Iterator<T> stream) {
    List<T> all = new ArrayList<>();
    stream.forEachRemaining(all::add);
    return all;
  }

  private static ListPostsResponse collect(ManagedChannel channel, String... ids) throws Exception {
    List<ListPostsResponse> responses = new CopyOnWriteArrayList<>();
    Status status = sendToCollectPosts(channel, responses, ids);
    assertThat(status.isOk()).as(status.toString()).isTrue();
    return responses.get(0);
  }

  private static String collectStatus(ManagedChannel channel, String... ids) throws Exception {
    return sendToCollectPosts(channel, new CopyOnWriteArrayList<>(), ids).toString();
  }

  /** Streams {@code ids} to CollectPosts; its answer goes into {@code responses}; returns how the call ended. */
  private static Status sendToCollectPosts(ManagedChannel channel, List<ListPostsResponse> responses, String... ids)
      throws Exception {
    CompletableFuture<Status> done = new CompletableFuture<>();
    StreamObserver<ListPostsByUserIdRequest> requests =
        PostGrpc.newStub(channel).withDeadlineAfter(10, TimeUnit.SECONDS).collectPosts(collecting(responses, done));
    for (String id : ids) {
      requests.onNext(ListPostsByUserIdRequest.newBuilder().setUserId(id).build());
    }
    requests.onCompleted();
    return done.get(10, TimeUnit.SECONDS);
  }

  private static <T> StreamObserver<T> collecting(List<T> into, CompletableFuture<Status> done) {
    return new StreamObserver<>() {
      @Override
      public void onNext(T value) {
        into.add(value);
      }

      @Override
      public void onError(Throwable t) {
        done.complete(Status.fromThrowable(t));
      }

      @Override
      public void onCompleted() {
        done.complete(Status.OK);
      }
    };
  }

  /** A client that reads only as many messages as it asks for (manual flow control). */
  private static final class SlowReader<T> implements ClientResponseObserver<Object, T> {
    private final int initial;
    private final AtomicInteger received = new AtomicInteger();
    private final CompletableFuture<Status> done = new CompletableFuture<>();
    private volatile ClientCallStreamObserver<Object> call;

    SlowReader(int initial) {
      this.initial = initial;
    }

    @Override
    public void beforeStart(ClientCallStreamObserver<Object> requestStream) {
      call = requestStream;
      requestStream.disableAutoRequestWithInitial(initial);
    }

    @Override
    public void onNext(T value) {
      received.incrementAndGet();
    }

    @Override
    public void onError(Throwable t) {
      done.complete(Status.fromThrowable(t));
    }

    @Override
    public void onCompleted() {
      done.complete(Status.OK);
    }

    int received() {
      return received.get();
    }

    void readMore(int count) {
      call.request(count);
    }

    void cancel() {
      call.cancel("the test has read enough", null);
    }

    CompletableFuture<Status> done() {
      return done;
    }
  }

  /** A handler pool for a Post service assembled here, shut down with the test. */
  private static final class ExecutorCloser implements AutoCloseable {
    final ExecutorService executor = Executors.newFixedThreadPool(4);

    @Override
    public void close() {
      executor.shutdownNow();
    }
  }
}
