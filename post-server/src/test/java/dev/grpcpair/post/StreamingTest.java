package dev.grpcpair.post;

import static dev.grpcpair.testing.GrpcAssertions.assertStatus;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;
import static org.awaitility.Awaitility.await;

import com.google.common.base.Strings;
import dev.grpcpair.common.server.GrpcServer;
import dev.grpcpair.common.server.ServerFlags;
import dev.grpcpair.data.InMemoryPostRepository;
import dev.grpcpair.data.PostRepository;
import dev.grpcpair.proto.ApiLimits;
import dev.grpcpair.proto.data.v1.Dataset;
import dev.grpcpair.proto.data.v1.StoredPost;
import dev.grpcpair.proto.post.v1.ListPostsByUserIdRequest;
import dev.grpcpair.proto.post.v1.ListPostsResponse;
import dev.grpcpair.proto.post.v1.PostGrpc;
import dev.grpcpair.proto.post.v1.PostMessage;
import dev.grpcpair.proto.post.v1.StreamPostsRequest;
import dev.grpcpair.testing.CallCounter;
import dev.grpcpair.testing.Channels;
import dev.grpcpair.testing.Closer;
import dev.grpcpair.testing.SeedPosts;
import dev.grpcpair.testing.Streams;
import dev.grpcpair.user.UserServer;
import dev.grpcpair.user.UserServerConfig;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The streaming methods over Netty: results, flow control, cancellation, deadlines and errors. */
class StreamingTest {

  /** Posts of ~1 KiB, so the transport's flow-control window holds about a thousand. */
  private static final int BIG_STREAM = 20_000;

  /** Far above what the flow-control window holds, far below the whole stream. */
  private static final int MAX_AHEAD = 5_000;

  @RegisterExtension final Closer closer = new Closer();

  private ManagedChannel channelTo(GrpcServer server) {
    return closer.channelTo(server.port());
  }

  private GrpcServer seedUserServer() throws Exception {
    return closer.add(UserServer.start(UserServerConfig.parse("--port=0")));
  }

  /** The seed pair, as the jars start it. */
  private ManagedChannel seedPair() throws Exception {
    GrpcServer users = seedUserServer();
    return channelTo(
        closer.add(
            PostServer.start(
                PostServerConfig.parse(
                    "--port=0", "--user-target=" + "localhost:" + users.port()))));
  }

  /**
   * A Post service over {@code posts}, asking the User service at {@code userPort}, counting what
   * it sends.
   */
  private ManagedChannel postServer(PostRepository posts, int userPort, CallCounter counter)
      throws Exception {
    ManagedChannel userChannel = Channels.localhost(userPort);
    closer.add(userChannel);
    UserClient users = new UserClient(userChannel, "localhost:" + userPort, Duration.ofSeconds(2));
    return channelTo(
        closer.add(
            GrpcServer.builder("post-under-test", 0, ServerFlags.parse())
                .addService(
                    new PostServiceImpl(posts, users, ServerFlags.parse().maxOutboundMessageSize()))
                .intercept(counter)
                .start()));
  }

  /**
   * StreamPosts over {@value #BIG_STREAM} posts of one seed user, with {@code deadlineMillis}, read
   * by a client that takes only the first 10 until told to read more.
   */
  private Streams.SlowReader<PostMessage> streamBigPostsSlowly(
      CallCounter counter, long deadlineMillis) throws Exception {
    ManagedChannel channel =
        postServer(bigPosts(BIG_STREAM, "1"), seedUserServer().port(), counter);
    Streams.SlowReader<PostMessage> reader = new Streams.SlowReader<>(10);
    PostGrpc.newStub(channel)
        .withDeadlineAfter(deadlineMillis, TimeUnit.MILLISECONDS)
        .streamPosts(StreamPostsRequest.getDefaultInstance(), reader);
    return reader;
  }

  private static PostRepository bigPosts(int count, String ownerId) {
    Dataset.Builder dataset = Dataset.newBuilder();
    String body = Strings.repeat("x", 1024);
    for (int i = 1; i <= count; i++) {
      dataset.addPosts(
          StoredPost.newBuilder()
              .setPostId(String.valueOf(i))
              .setUserId(ownerId)
              .setTitle("t" + i)
              .setBody(body));
    }
    return new InMemoryPostRepository(dataset.build());
  }

  // --- results --------------------------------------------------------------------------------

  @Test
  void streamPosts_allPostsInOrderWithAuthors() throws Exception {
    List<PostMessage> posts =
        readAll(
            PostGrpc.newBlockingStub(seedPair())
                .withDeadlineAfter(10, TimeUnit.SECONDS)
                .streamPosts(StreamPostsRequest.getDefaultInstance()));

    SeedPosts.assertAllInOrderWithAuthors(posts);
  }

  @Test
  void streamPosts_oneUsersPosts_andUnknownUserIsNotFound() throws Exception {
    ManagedChannel channel = seedPair();
    PostGrpc.PostBlockingStub posts =
        PostGrpc.newBlockingStub(channel).withDeadlineAfter(10, TimeUnit.SECONDS);

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

    assertThat(collectStatus(channel, "1", "99"))
        .isEqualTo(Status.NOT_FOUND.withDescription("user \"99\" does not exist").toString());
    assertThat(collectStatus(channel, "1", ""))
        .isEqualTo(
            Status.INVALID_ARGUMENT.withDescription("user_id is required (message 2)").toString());
    String[] tooMany = new String[ApiLimits.MAX_IDS_PER_CALL + 1];
    for (int i = 0; i < tooMany.length; i++) {
      tooMany[i] = "id-" + i;
    }
    assertThat(collectStatus(channel, tooMany))
        .isEqualTo(
            Status.INVALID_ARGUMENT.withDescription("at most 1000 user ids per call").toString());
  }

  // --- flow control, cancellation, deadlines, errors --------------------------------------------

  @Test
  void streamPosts_slowReader_serverProducesOnlyAWindowAhead() throws Exception {
    CallCounter counter = new CallCounter();
    Streams.SlowReader<PostMessage> reader = streamBigPostsSlowly(counter, 60_000);

    await()
        .atMost(Duration.ofSeconds(10))
        .untilAsserted(() -> assertThat(reader.received()).isEqualTo(10));
    reader.assertHeldBackThenDrained(counter, MAX_AHEAD, BIG_STREAM);
  }

  @Test
  void streamPosts_cancelledMidStream_serverStops() throws Exception {
    CallCounter counter = new CallCounter();
    Streams.SlowReader<PostMessage> reader = streamBigPostsSlowly(counter, 60_000);
    await()
        .atMost(Duration.ofSeconds(10))
        .untilAsserted(() -> assertThat(reader.received()).isEqualTo(10));

    reader.cancel();

    await()
        .atMost(Duration.ofSeconds(10))
        .untilAsserted(() -> assertThat(counter.cancellations()).isEqualTo(1));
    int sentAtCancel = counter.messagesSent();
    await()
        .during(Duration.ofMillis(500))
        .atMost(Duration.ofMillis(500).plusSeconds(5))
        .untilAsserted(() -> assertThat(counter.messagesSent()).isEqualTo(sentAtCancel));
    assertThat(sentAtCancel).isLessThan(MAX_AHEAD);
  }

  @Test
  void streamPosts_deadlinePassesMidStream_clientGetsDeadlineExceeded_serverStops()
      throws Exception {
    CallCounter counter = new CallCounter();

    Streams.SlowReader<PostMessage> reader = streamBigPostsSlowly(counter, 500);

    assertThat(reader.done().get(10, TimeUnit.SECONDS).getCode())
        .isEqualTo(Status.Code.DEADLINE_EXCEEDED);
    await()
        .atMost(Duration.ofSeconds(10))
        .untilAsserted(() -> assertThat(counter.cancellations()).isEqualTo(1));
    assertThat(counter.messagesSent()).isLessThan(MAX_AHEAD);
  }

  @Test
  void streamPosts_userServiceFailsMidStream_endsWithItsStatusAfterThePostsBefore()
      throws Exception {
    ScriptedUserService scripted = new ScriptedUserService();
    scripted.failFor("3", Status.UNAVAILABLE.withDescription("replica down"));
    GrpcServer userServer = closer.add(scripted.serve());
    // A first chunk of posts whose author is found, then one whose author look-up fails.
    Dataset.Builder dataset = Dataset.newBuilder();
    for (int i = 1; i <= PostStream.CHUNK; i++) {
      dataset.addPosts(StoredPost.newBuilder().setPostId("a" + i).setUserId("1"));
    }
    dataset.addPosts(StoredPost.newBuilder().setPostId("b1").setUserId("3"));
    ManagedChannel channel =
        postServer(
            new InMemoryPostRepository(dataset.build()), userServer.port(), new CallCounter());
    Streams.SlowReader<PostMessage> reader = new Streams.SlowReader<>(PostStream.CHUNK + 10);

    PostGrpc.newStub(channel)
        .withDeadlineAfter(10, TimeUnit.SECONDS)
        .streamPosts(StreamPostsRequest.getDefaultInstance(), reader);

    Status status = reader.done().get(10, TimeUnit.SECONDS);
    assertThat(status.getCode()).isEqualTo(Status.Code.UNAVAILABLE);
    assertThat(status.getDescription()).contains("user service at localhost:" + userServer.port());
    assertThat(reader.received()).isEqualTo(PostStream.CHUNK);
  }

  @Test
  void streamPosts_looksAuthorsUpAChunkAtATime() throws Exception {
    ScriptedUserService scripted = new ScriptedUserService();
    GrpcServer userServer = closer.add(scripted.serve());
    Dataset.Builder dataset = Dataset.newBuilder();
    for (int i = 1; i <= 4 * PostStream.CHUNK; i++) {
      // Every post a different owner; "1" (Henry) now and then, the others unknown to the User
      // service.
      dataset.addPosts(
          StoredPost.newBuilder()
              .setPostId(String.valueOf(i))
              .setUserId(i % 100 == 0 ? "1" : "owner-" + i));
    }
    ManagedChannel channel =
        postServer(
            new InMemoryPostRepository(dataset.build()), userServer.port(), new CallCounter());

    List<PostMessage> posts =
        readAll(
            PostGrpc.newBlockingStub(channel)
                .withDeadlineAfter(30, TimeUnit.SECONDS)
                .streamPosts(StreamPostsRequest.getDefaultInstance()));

    assertThat(posts).hasSize(4 * PostStream.CHUNK);
    assertThat(posts.get(99).getAuthor()).isEqualTo("Henry");
    assertThat(posts.get(0).getAuthor()).isEmpty();
    assertThat(scripted.getUserCalls()).as("one BatchGetUsers per chunk").isEqualTo(4);
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

  /**
   * Streams {@code ids} to CollectPosts; its answer goes into {@code responses}; returns how the
   * call ended.
   */
  private static Status sendToCollectPosts(
      ManagedChannel channel, List<ListPostsResponse> responses, String... ids) throws Exception {
    CompletableFuture<Status> done = new CompletableFuture<>();
    StreamObserver<ListPostsByUserIdRequest> requests =
        PostGrpc.newStub(channel)
            .withDeadlineAfter(10, TimeUnit.SECONDS)
            .collectPosts(Streams.collecting(responses, done));
    for (String id : ids) {
      requests.onNext(ListPostsByUserIdRequest.newBuilder().setUserId(id).build());
    }
    requests.onCompleted();
    return done.get(10, TimeUnit.SECONDS);
  }
}
