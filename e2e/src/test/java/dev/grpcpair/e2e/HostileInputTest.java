package dev.grpcpair.e2e;

import static dev.grpcpair.testing.GrpcAssertions.codeOf;
import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowable;
import static org.awaitility.Awaitility.await;

import com.google.common.util.concurrent.ListenableFuture;
import dev.grpcpair.common.server.GrpcServer;
import dev.grpcpair.common.server.ServerFlags;
import dev.grpcpair.data.Datasets;
import dev.grpcpair.data.InMemoryUserRepository;
import dev.grpcpair.post.PostServer;
import dev.grpcpair.post.PostServerConfig;
import dev.grpcpair.proto.data.v1.PageToken;
import dev.grpcpair.proto.post.v1.ListPostsByUserIdRequest;
import dev.grpcpair.proto.post.v1.ListPostsRequest;
import dev.grpcpair.proto.post.v1.ListPostsResponse;
import dev.grpcpair.proto.post.v1.PostGrpc;
import dev.grpcpair.proto.post.v1.PostMessage;
import dev.grpcpair.proto.post.v1.StreamPostsRequest;
import dev.grpcpair.proto.user.v1.GetUserRequest;
import dev.grpcpair.proto.user.v1.GetUserResponse;
import dev.grpcpair.proto.user.v1.ListUsersRequest;
import dev.grpcpair.proto.user.v1.ListUsersResponse;
import dev.grpcpair.proto.user.v1.UserGrpc;
import dev.grpcpair.testing.Closer;
import dev.grpcpair.testing.FreezableTcpProxy;
import dev.grpcpair.testing.LogCapture;
import dev.grpcpair.testing.RawCalls;
import dev.grpcpair.testing.RawHttp2Client;
import dev.grpcpair.testing.SeedPosts;
import dev.grpcpair.testing.Streams;
import dev.grpcpair.user.UserServer;
import dev.grpcpair.user.UserServerConfig;
import dev.grpcpair.user.UserServiceImpl;
import io.grpc.ConnectivityState;
import io.grpc.ManagedChannel;
import io.grpc.ServerServiceDefinition;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.StreamObserver;
import java.io.IOException;
import java.net.SocketException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Attacks on the pair over Netty, each answered with a status the caller can act on; the server
 * keeps serving correct calls afterwards.
 */
class HostileInputTest {

  private static final GetUserRequest HENRY = GetUserRequest.newBuilder().setUserId("1").build();

  @RegisterExtension final Closer closer = new Closer();

  private GrpcServer startUsers(String... flags) throws IOException {
    List<String> args = new ArrayList<>(List.of("--port=0"));
    args.addAll(List.of(flags));
    return closer.add(UserServer.start(UserServerConfig.parse(args.toArray(String[]::new))));
  }

  private GrpcServer startPosts(GrpcServer users, String... flags) throws IOException {
    List<String> args =
        new ArrayList<>(List.of("--port=0", "--user-target=localhost:" + users.port()));
    args.addAll(List.of(flags));
    return closer.add(PostServer.start(PostServerConfig.parse(args.toArray(String[]::new))));
  }

  private UserGrpc.UserBlockingStub users(ManagedChannel channel) {
    return UserGrpc.newBlockingStub(channel).withDeadlineAfter(10, TimeUnit.SECONDS);
  }

  private static void assertServesHenry(UserGrpc.UserBlockingStub users) {
    assertThat(users.getUser(HENRY).getUserMessage().getName()).isEqualTo("Henry");
  }

  @Test
  void userIdOf100Kb_isInvalidArgument_quotingOnlyItsStart() throws Exception {
    ManagedChannel channel = closer.channelTo(startUsers().port());
    String huge = "x".repeat(100_000);

    assertThatThrownBy(
            () -> users(channel).getUser(GetUserRequest.newBuilder().setUserId(huge).build()))
        .isInstanceOfSatisfying(
            StatusRuntimeException.class,
            e -> {
              assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
              assertThat(e.getStatus().getDescription())
                  .startsWith("user_id \"xxxxxxxxxx")
                  .endsWith("is longer than 128 bytes")
                  .hasSizeLessThan(120);
            });
    assertServesHenry(users(channel));
  }

  @Test
  void longIdsThroughThePostServer_areTheCallersFault_neverInternal() throws Exception {
    GrpcServer users = startUsers();
    ManagedChannel channel = closer.channelTo(startPosts(users).port());
    PostGrpc.PostBlockingStub posts =
        PostGrpc.newBlockingStub(channel).withDeadlineAfter(10, TimeUnit.SECONDS);

    assertThat(codeOf(() -> posts.listPostsByUserId(byUser("y".repeat(9_000)))))
        .isEqualTo(Status.Code.INVALID_ARGUMENT);
    List<String> ids = new ArrayList<>();
    for (int i = 0; i < 1000; i++) {
      ids.add(i + "z".repeat(5_000));
    }
    assertThat(collectPosts(channel, ids).getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
    assertThat(posts.listPostsByUserId(byUser("1")).getPostMessagesCount()).isEqualTo(4);
  }

  @Test
  void collectPostsWithIdsOf3Mb_isRefusedBeforeBuffering_andThePostServerKeepsServing()
      throws Exception {
    ManagedChannel channel = closer.channelTo(startPosts(startUsers()).port());
    List<String> ids = new ArrayList<>();
    for (int i = 0; i < 120; i++) {
      ids.add(i + "w".repeat(3_000_000));
    }

    assertThat(collectPosts(channel, ids).getCode()).isEqualTo(Status.Code.RESOURCE_EXHAUSTED);
    assertThat(
            PostGrpc.newBlockingStub(channel)
                .withDeadlineAfter(10, TimeUnit.SECONDS)
                .listPostsByUserId(byUser("1"))
                .getPostMessagesCount())
        .isEqualTo(4);
  }

  @Test
  void collectPostsWhoseAnswerWouldPassTheMessageLimit_isRefusedBeforeTheLookUp() throws Exception {
    // 100 posts of about 100 bytes per user: 1,000 users' posts are about 10 MB.
    GrpcServer users = startUsers("--generate-dataset=1000:100000");
    GrpcServer post = startPosts(users, "--generate-dataset=1000:100000");
    ManagedChannel channel = closer.channelTo(post.port());
    List<String> all = new ArrayList<>();
    for (int i = 1; i <= 1000; i++) {
      all.add(String.valueOf(i));
    }

    Status refused = collectPosts(channel, all);
    Status answered = collectPosts(channel, all.subList(0, 100));

    assertThat(refused.getCode()).isEqualTo(Status.Code.RESOURCE_EXHAUSTED);
    assertThat(refused.getDescription())
        .isEqualTo(
            "the posts of these 1000 users take more than 4194304 bytes, the largest answer this"
                + " server sends (--max-outbound-message-size): ask for fewer users per call, or"
                + " use StreamPosts");
    assertThat(answered.getCode()).isEqualTo(Status.Code.OK);
  }

  @Test
  void connectionThatNeverReads_isRefusedPastItsBudget_othersAreServed() throws Exception {
    GrpcServer server =
        startUsers(
            "--generate-dataset=2000:0",
            "--max-outbound-message-size=65536",
            "--max-unread-bytes-per-connection=262144",
            "--max-unread-bytes=1048576");
    try (LogCapture log = LogCapture.start();
        RawHttp2Client stalled = RawHttp2Client.neverReading(server.port())) {
      for (int i = 0; i < 100; i++) {
        stalled.call("/v1.user.User/ListUsers", new byte[0]); // 31.8 KB answers it never reads
      }
      stalled.flush();

      await()
          .atMost(Duration.ofSeconds(10))
          .until(
              () ->
                  count(log.text(), "ListUsers RESOURCE_EXHAUSTED")
                          + count(log.text(), "ListUsers OK")
                      == 100);
      assertThat(count(log.text(), "ListUsers OK")).as("answers in 256 KiB").isBetween(6, 8);
      // A client that reads is answered, lists included.
      UserGrpc.UserBlockingStub reader = users(closer.channelTo(server.port()));
      assertThat(reader.listUsers(ListUsersRequest.getDefaultInstance()).getUserMessagesCount())
          .isEqualTo(1000);
      assertThat(reader.getUser(HENRY).getUserMessage().getName()).isEqualTo("User 1");
    }
  }

  @Test
  void aNewConnectionsBurstOfAnswers_isNotDroppedWhenOthersNeedRoom_andIsReadWhole()
      throws Exception {
    GrpcServer server = startSmallBudget();
    UserGrpc.UserBlockingStub reader = users(closer.channelTo(server.port()));
    assertThat(reader.listUsers(ListUsersRequest.getDefaultInstance()).getUserMessagesCount())
        .isEqualTo(1000);
    try (LogCapture log = LogCapture.start();
        RawHttp2Client burst = RawHttp2Client.neverReading(server.port())) {
      // A client that has just connected and asks for 20 lists at once; it has read none yet.
      List<Integer> streams = askListUsers(burst, 20);
      await().atMost(Duration.ofSeconds(10)).until(() -> listUsersEnded(log) == 20);
      assertThat(count(log.text(), "ListUsers OK"))
          .as("answers in half of 1 MiB")
          .isBetween(14, 17);

      // The reader's answer takes the server past half. The burst's connection has finished no
      // answer yet, which a connection that never reads has not either: its answers used to be
      // dropped here.
      assertThat(reader.listUsers(ListUsersRequest.getDefaultInstance()).getUserMessagesCount())
          .isEqualTo(1000);

      for (int stream : streams) {
        burst.windowUpdate(stream, 1 << 20);
      }
      burst.openConnectionWindow();
      burst.flush();
      assertThat(burst.readEndings(20, Duration.ofSeconds(10)))
          .as("every stream ended by its answer or its refusal, none reset")
          .noneMatch(RawHttp2Client.Ending::reset);
      assertThat(log.text()).doesNotContain("unread answers");
    }
  }

  @Test
  void aConnectionThatDoesNotRead_hasItsAnswersDropped_onceItHasHeldThemTenSeconds()
      throws Exception {
    GrpcServer server = startSmallBudget();
    ManagedChannel reader = closer.channelTo(server.port());
    try (LogCapture log = LogCapture.start();
        RawHttp2Client stalled = RawHttp2Client.neverReading(server.port())) {
      long asked = System.nanoTime();
      askListUsers(stalled, 20);
      await().atMost(Duration.ofSeconds(10)).until(() -> listUsersEnded(log) == 20);

      // Each answer of the reader's takes the server past half; one of them, ten seconds on, gets
      // the stalled connection's answers dropped.
      await()
          .atMost(Duration.ofSeconds(30))
          .pollInterval(Duration.ofMillis(200))
          .until(
              () ->
                  users(reader)
                              .listUsers(ListUsersRequest.getDefaultInstance())
                              .getUserMessagesCount()
                          == 1000
                      && log.text().contains("unread answers"));
      assertThat(Duration.ofNanos(System.nanoTime() - asked)).isGreaterThan(Duration.ofSeconds(10));

      Matcher line = Pattern.compile("dropped the (\\d+) unread answers").matcher(log.text());
      assertThat(line.find()).isTrue();
      int dropped = Integer.parseInt(line.group(1));
      // Its refused calls ended at once, its dropped ones now; the few it asked for while it
      // held less than 64 KiB still wait for it to read (not worth a drop).
      int refused = count(log.text(), "ListUsers RESOURCE_EXHAUSTED");
      assertThat(stalled.readEndings(refused + dropped, Duration.ofSeconds(10)))
          .filteredOn(RawHttp2Client.Ending::reset)
          .as("its dropped answers' streams reset")
          .hasSize(dropped)
          .isNotEmpty();
    }
  }

  /** A server of 2,000 users whose answers held for clients that do not read fill 1 MiB. */
  private GrpcServer startSmallBudget() throws IOException {
    return startUsers(
        "--generate-dataset=2000:0",
        "--max-outbound-message-size=65536",
        "--max-unread-bytes-per-connection=1048576",
        "--max-unread-bytes=1048576");
  }

  /** Asks {@code calls} pages of 1,000 users (31.8 KB each) at once; returns their streams. */
  private static List<Integer> askListUsers(RawHttp2Client client, int calls) throws IOException {
    List<Integer> streams = new ArrayList<>();
    for (int i = 0; i < calls; i++) {
      streams.add(client.call("/v1.user.User/ListUsers", new byte[0]));
    }
    client.flush();
    return streams;
  }

  private static int listUsersEnded(LogCapture log) {
    return count(log.text(), "ListUsers RESOURCE_EXHAUSTED") + count(log.text(), "ListUsers OK");
  }

  @Test
  void answerOverTheOutboundMessageLimit_isResourceExhaustedNamingTheFlag() throws Exception {
    UserGrpc.UserBlockingStub users =
        users(
            closer.channelTo(
                startUsers(
                        "--generate-dataset=2000:0",
                        "--max-outbound-message-size=16384",
                        "--max-unread-bytes-per-connection=16384",
                        "--max-unread-bytes=16384")
                    .port()));

    Throwable refused =
        catchThrowable(() -> users.listUsers(ListUsersRequest.getDefaultInstance()));

    Status status = Status.fromThrowable(refused);
    assertThat(status.getCode()).isEqualTo(Status.Code.RESOURCE_EXHAUSTED);
    assertThat(status.getDescription()).contains("--max-outbound-message-size=16384");
    assertThat(
            users
                .listUsers(ListUsersRequest.newBuilder().setPageSize(100).build())
                .getUserMessagesCount())
        .isEqualTo(100);
  }

  @Test
  void malformedRequestBytes_areInvalidArgumentNamingTheType_loggedOnceWithoutStackTrace()
      throws Exception {
    ManagedChannel channel = closer.channelTo(startUsers().port());
    byte[][] attacks = {
      {0x0A, 0x0A, 'a', 'b'}, // truncated: a 10-byte string with 2 bytes
      {0x0A, 0x02, (byte) 0xC3, 0x28}, // invalid UTF-8 in user_id
      {0x00, 0x01}, // field number 0
      {0x10, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, 0x01}, // a varint of 11 bytes
      nestedGroups(200_000),
    };

    try (LogCapture log = LogCapture.start()) {
      for (byte[] attack : attacks) {
        assertThatThrownBy(() -> rawGetUser(channel, attack))
            .isInstanceOfSatisfying(
                StatusRuntimeException.class,
                e -> {
                  assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
                  assertThat(e.getStatus().getDescription())
                      .isEqualTo("request is not a valid v1.user.GetUserRequest");
                });
      }
      assertServesHenry(users(channel));
      await()
          .atMost(Duration.ofSeconds(10))
          .untilAsserted(
              () -> assertThat(count(log.text(), "GetUser INVALID_ARGUMENT")).isEqualTo(5));
      assertThat(log.text()).doesNotContain("\tat ", "UNKNOWN");
    }
  }

  @Test
  void unaryCallsWithoutARequestOrWithTwo_areInvalidArgument_loggedOnce() throws Exception {
    GrpcServer users = startUsers();
    ManagedChannel userChannel = closer.channelTo(users.port());
    ManagedChannel postChannel = closer.channelTo(startPosts(users).port());
    byte[] henry = HENRY.toByteArray();
    List<String> userMethods =
        List.of("v1.user.User/GetUser", "v1.user.User/ListUsers", "v1.user.User/BatchGetUsers");
    List<String> postMethods =
        List.of(
            "v1.post.Post/ListPostsByUserId", "v1.post.Post/ListPosts", "v1.post.Post/StreamPosts");

    try (LogCapture log = LogCapture.start()) {
      for (String method :
          concat(userMethods, postMethods, List.of("grpc.health.v1.Health/Check"))) {
        ManagedChannel channel = method.startsWith("v1.post.") ? postChannel : userChannel;
        Status none = RawCalls.unaryWith(channel, method, List.of());
        Status two = RawCalls.unaryWith(channel, method, List.of(henry, henry));

        assertThat(none.getCode())
            .as("%s without a request", method)
            .isEqualTo(Status.Code.INVALID_ARGUMENT);
        assertThat(none.getDescription())
            .isEqualTo(method + " takes exactly one request message; the call ended without one");
        assertThat(two.getCode()).as("%s with two", method).isEqualTo(Status.Code.INVALID_ARGUMENT);
        assertThat(two.getDescription())
            .isEqualTo(method + " takes exactly one request message; it sent a second one");
      }
      String lastMethod = "Health/Check INVALID_ARGUMENT";
      await().atMost(Duration.ofSeconds(10)).until(() -> count(log.text(), lastMethod) == 2);
      assertThat(count(log.text(), " INVALID_ARGUMENT ")).isEqualTo(14);
      assertThat(log.text()).doesNotContain("INTERNAL", "\tat ");
    }
    assertServesHenry(users(userChannel));
  }

  @SafeVarargs
  private static List<String> concat(List<String>... lists) {
    List<String> all = new ArrayList<>();
    for (List<String> list : lists) {
      all.addAll(list);
    }
    return all;
  }

  @Test
  void requestOver1MiB_isResourceExhausted_andLoggedWithTheStatusTheCallerGot() throws Exception {
    ManagedChannel channel = closer.channelTo(startUsers().port());
    GetUserRequest tooBig = GetUserRequest.newBuilder().setUserId("b".repeat(5_000_000)).build();

    try (LogCapture log = LogCapture.start()) {
      assertThat(codeOf(() -> users(channel).getUser(tooBig)))
          .isEqualTo(Status.Code.RESOURCE_EXHAUSTED);
      assertServesHenry(users(channel));
      await()
          .atMost(Duration.ofSeconds(10))
          .untilAsserted(
              () -> assertThat(count(log.text(), "GetUser RESOURCE_EXHAUSTED")).isEqualTo(1));
      assertThat(log.text()).doesNotContain("GetUser CANCELLED");
    }
  }

  @Test
  void gzipBomb_isResourceExhausted_andTheServerKeepsServing() throws Exception {
    ManagedChannel channel = closer.channelTo(startUsers().port());
    // 2 MB of one letter: a few KB gzipped, over the 1 MiB limit once inflated.
    GetUserRequest bomb = GetUserRequest.newBuilder().setUserId("a".repeat(2_000_000)).build();

    assertThat(codeOf(() -> users(channel).withCompression("gzip").getUser(bomb)))
        .isEqualTo(Status.Code.RESOURCE_EXHAUSTED);
    assertServesHenry(users(channel));
  }

  @Test
  void callsBeyondTheConnectionsLimit_waitForOneToEnd_otherConnectionsAreServed() throws Exception {
    GrpcServer server = startUsers("--max-concurrent-calls-per-connection=2");
    ManagedChannel crowded = closer.channelTo(server.port());
    List<StreamObserver<GetUserRequest>> open = new ArrayList<>();
    List<List<GetUserResponse>> answers = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      List<GetUserResponse> answered = new CopyOnWriteArrayList<>();
      answers.add(answered);
      StreamObserver<GetUserRequest> call =
          UserGrpc.newStub(crowded)
              .withDeadlineAfter(30, TimeUnit.SECONDS)
              .streamUsers(Streams.collecting(answered, new CompletableFuture<>()));
      call.onNext(HENRY);
      open.add(call);
    }

    // Which two start first is the transport's choice; the third waits.
    await().atMost(Duration.ofSeconds(10)).until(() -> answered(answers) == 2);
    // Another connection is not held up by the crowded one.
    assertServesHenry(users(closer.channelTo(server.port())));
    int waiting = 0;
    while (!answers.get(waiting).isEmpty()) {
      waiting++;
    }
    // The crowded connection is served meanwhile (a second request on an open call is answered),
    // and the third call still waits.
    int finished = waiting == 0 ? 1 : 0;
    open.get(finished).onNext(HENRY);
    List<GetUserResponse> served = answers.get(finished);
    await().atMost(Duration.ofSeconds(10)).until(() -> served.size() == 2);
    assertThat(answered(answers)).isEqualTo(2);

    open.get(finished).onCompleted();

    List<GetUserResponse> third = answers.get(waiting);
    await().atMost(Duration.ofSeconds(10)).until(() -> third.size() == 1);
    for (int i = 0; i < open.size(); i++) {
      if (i != finished) {
        open.get(i).onCompleted();
      }
    }
  }

  @Test
  void streamStillRunningWhenTheShutdownGraceEnds_endsUnavailable() throws Exception {
    GrpcServer users = startUsers("--generate-dataset=10:300000");
    GrpcServer post = startPosts(users, "--generate-dataset=10:300000", "--shutdown-grace=1s");
    Streams.SlowReader<PostMessage> reader = new Streams.SlowReader<>(1);
    PostGrpc.newStub(closer.channelTo(post.port()))
        .withDeadlineAfter(60, TimeUnit.SECONDS)
        .streamPosts(StreamPostsRequest.getDefaultInstance(), reader);
    await().atMost(Duration.ofSeconds(10)).until(() -> reader.received() == 1);

    // A client reading at its own pace, 100 posts every 10 ms: the stream outlasts the grace.
    ScheduledExecutorService pace = Executors.newSingleThreadScheduledExecutor();
    closer.add(pace::shutdownNow);
    pace.scheduleAtFixedRate(() -> reader.readMore(100), 0, 10, TimeUnit.MILLISECONDS);

    post.stop();

    Status ended = reader.done().get(10, TimeUnit.SECONDS);
    assertThat(ended.getCode()).as(ended.toString()).isEqualTo(Status.Code.UNAVAILABLE);
  }

  @Test
  void hungUserServer_callersGetDeadlineExceeded_neverCancelled() throws Exception {
    GrpcServer users = startUsers();
    FreezableTcpProxy hung = closer.add(new FreezableTcpProxy(users.port()));
    GrpcServer post =
        closer.add(
            PostServer.start(
                PostServerConfig.parse(
                    "--port=0", "--user-target=localhost:" + hung.port(), "--user-deadline=1s")));
    PostGrpc.PostFutureStub posts = PostGrpc.newFutureStub(closer.channelTo(post.port()));
    assertThat(
            posts
                .listPosts(ListPostsRequest.getDefaultInstance())
                .get(10, TimeUnit.SECONDS)
                .getPostMessagesCount())
        .isEqualTo(8);
    hung.freeze(); // a User server that stopped answering (SIGSTOP), its connection still open

    List<ListenableFuture<ListPostsResponse>> calls = new ArrayList<>();
    for (int i = 0; i < 20; i++) {
      PostGrpc.PostFutureStub caller =
          i % 2 == 0 ? posts.withDeadlineAfter(800, TimeUnit.MILLISECONDS) : posts;
      calls.add(caller.listPosts(ListPostsRequest.getDefaultInstance()));
    }

    for (ListenableFuture<ListPostsResponse> call : calls) {
      Status status = Status.fromThrowable(catchThrowable(() -> call.get(10, TimeUnit.SECONDS)));
      assertThat(status.getCode()).as(status.toString()).isEqualTo(Status.Code.DEADLINE_EXCEEDED);
    }
  }

  @Test
  void idleConnections_areClosedAfterMaxConnectionIdle() throws Exception {
    ManagedChannel channel = closer.channelTo(startUsers("--max-connection-idle=1s").port());
    assertServesHenry(users(channel));

    // The server's GOAWAY leaves the channel idle: the connection, and its descriptor, are gone.
    await()
        .atMost(Duration.ofSeconds(10))
        .until(() -> channel.getState(false) == ConnectivityState.IDLE);
    assertServesHenry(users(channel));
  }

  @Test
  void listUsersOf200000Users_comesInPagesUnderTheMessageLimit() throws Exception {
    UserGrpc.UserBlockingStub users =
        users(closer.channelTo(startUsers("--generate-dataset=200000:0").port()));
    Set<String> seen = new HashSet<>();
    String token = "";
    int pages = 0;
    do {
      ListUsersResponse page =
          users.listUsers(ListUsersRequest.newBuilder().setPageToken(token).build());
      assertThat(page.getSerializedSize()).isLessThan(4 * 1024 * 1024);
      page.getUserMessagesList().forEach(user -> assertThat(seen.add(user.getUserId())).isTrue());
      token = page.getNextPageToken();
      pages++;
    } while (!token.isEmpty());

    assertThat(seen).hasSize(200_000);
    assertThat(pages).isEqualTo(200);
  }

  @Test
  void forgedAndNonCanonicalPageTokens_areRefused_realOnesWorkOnAnotherReplica() throws Exception {
    GrpcServer users = startUsers("--generate-dataset=10:30");
    PostGrpc.PostBlockingStub replicaA = posts(startPosts(users));
    PostGrpc.PostBlockingStub replicaB = posts(startPosts(users));
    String real = replicaA.listPosts(pageOf(5, "")).getNextPageToken();
    PageToken decoded = PageToken.parseFrom(Base64.getUrlDecoder().decode(real));
    // The same token twice over: it parses to the same values, but no server writes it so.
    byte[] repeatedFields = decoded.toByteString().concat(decoded.toByteString()).toByteArray();
    List<String> forged =
        List.of(
            "+3",
            "٣", // an Arabic-Indic three
            Base64.getUrlEncoder().withoutPadding().encodeToString("all\n7".getBytes(UTF_8)),
            real + "=", // padded
            Base64.getUrlEncoder().withoutPadding().encodeToString(repeatedFields));

    for (String token : forged) {
      assertThat(codeOf(() -> replicaA.listPosts(pageOf(5, token))))
          .as("token %s", token)
          .isEqualTo(Status.Code.INVALID_ARGUMENT);
    }
    assertThat(replicaB.listPosts(pageOf(5, real)).getPostMessages(0).getPostId()).isEqualTo("6");
  }

  @Test
  void userServerOfTheOriginalContract_listPostsStillWorks_andTheFallbackIsLoggedOnce()
      throws Exception {
    // GetUser and ListUsers only: an older release mid-upgrade, or another implementation.
    ServerServiceDefinition full =
        new UserServiceImpl(new InMemoryUserRepository(Datasets.seed())).bindService();
    ServerServiceDefinition original =
        ServerServiceDefinition.builder(UserGrpc.SERVICE_NAME)
            .addMethod(full.getMethod(UserGrpc.getGetUserMethod().getFullMethodName()))
            .addMethod(full.getMethod(UserGrpc.getListUsersMethod().getFullMethodName()))
            .build();
    GrpcServer users =
        closer.add(
            GrpcServer.builder("original-users", 0, ServerFlags.parse())
                .addService(() -> original)
                .start());

    try (LogCapture log = LogCapture.start()) {
      PostGrpc.PostBlockingStub posts = posts(startPosts(users));
      for (int i = 0; i < 3; i++) {
        SeedPosts.assertAllInOrderWithAuthors(
            posts.listPosts(ListPostsRequest.getDefaultInstance()).getPostMessagesList());
      }
      assertThat(count(log.text(), "does not implement BatchGetUsers")).isEqualTo(1);
    }
  }

  @Test
  void rapidReset_closesTheConnectionEarly_andOthersAreServed() throws Exception {
    GrpcServer server = startUsers();
    try (LogCapture log = LogCapture.start();
        RawHttp2Client client = RawHttp2Client.connect(server.port())) {
      try {
        for (int sent = 0; sent < 100_000; sent++) {
          client.openAndReset("/v1.user.User/GetUser");
        }
        client.flush();
        client.readUntilClosed(Duration.ofSeconds(10));
      } catch (SocketException closedByTheServer) {
        // Expected: the server closed the connection while frames were still being sent.
      }
      assertServesHenry(users(closer.channelTo(server.port())));
      assertThat(count(log.text(), "v1.user.User/GetUser CANCELLED"))
          .as("calls the server started before closing the connection")
          .isLessThan(5_000);
      // Told to go away at the 1,001st reset, it went on opening streams: closed at once.
      assertThat(log.text())
          .contains("to go away: its client reset 1001 of its 1001 streams")
          .contains("its client opened more than 1000 streams since (rapid reset)");
    }
  }

  @Test
  void pingFlood_isToldTooManyPings_andClosed_othersServed() throws Exception {
    GrpcServer server = startUsers();
    try (RawHttp2Client client = RawHttp2Client.connect(server.port())) {
      for (int sent = 0; sent < 10; sent++) {
        client.ping();
      }
      client.flush();

      // grpc's keepalive enforcement: pings more often than --permit-keepalive-time allows.
      RawHttp2Client.GoAway goAway = client.readGoAway(Duration.ofSeconds(10));
      assertThat(goAway.code()).as("ENHANCE_YOUR_CALM").isEqualTo(0xb);
      assertThat(goAway.debugData()).isEqualTo("too_many_pings");
      client.readUntilClosed(Duration.ofSeconds(10));
      assertServesHenry(users(closer.channelTo(server.port())));
    }
  }

  @Test
  void priorityAndWindowUpdateFloods_areReadThrough_othersServedThroughout() throws Exception {
    GrpcServer server = startUsers();
    UserGrpc.UserBlockingStub others = users(closer.channelTo(server.port()));
    try (RawHttp2Client client = RawHttp2Client.connect(server.port())) {
      // 14 MB of frames that ask for no answer: PRIORITY for 500,000 streams never opened, which
      // the server may keep a little state for, and as many WINDOW_UPDATEs of the connection.
      for (int frames = 0; frames < 500_000; frames++) {
        client.priority(2 * frames + 1);
        client.windowUpdate(0, 1);
        if (frames % 50_000 == 0) {
          client.flush();
          assertServesHenry(others.withDeadlineAfter(5, TimeUnit.SECONDS));
        }
      }
      // The server has read it all, and the connection is still its client's.
      client.awaitPingAck(Duration.ofSeconds(30));
      assertServesHenry(others.withDeadlineAfter(5, TimeUnit.SECONDS));
    }
  }

  @Test
  void settingsFloodFromAClientThatDoesNotRead_closesItsConnection_othersServed() throws Exception {
    GrpcServer server = startUsers();
    try (RawHttp2Client client = RawHttp2Client.withReceiveBuffer(server.port(), 4096)) {
      // 9 MB of SETTINGS: their acknowledgements fill the socket buffers (a few MB), then queue in
      // the server, which holds at most 10,000 control frames so (grpc's bound) and closes.
      client.floodUntilClosed(
          flooding -> {
            for (int sent = 0; sent < 1_000_000; sent++) {
              flooding.settings();
            }
          },
          Duration.ofSeconds(30));
      assertServesHenry(users(closer.channelTo(server.port())));
    }
  }

  @Test
  void headersThatNeverEnd_continuationFlood_closeTheConnection_othersServed() throws Exception {
    GrpcServer server = startUsers();
    try (RawHttp2Client client = RawHttp2Client.connect(server.port())) {
      // 16 MB of one header block, which --max-inbound-metadata-size (8 KiB) bounds: the server
      // must not hold it, nor wait for its end.
      client.floodUntilClosed(
          flooding -> {
            int stream = flooding.openUnfinished("/v1.user.User/GetUser");
            for (int sent = 0; sent < 1_000; sent++) {
              flooding.continuation(stream, new byte[16 * 1024]);
            }
          },
          Duration.ofSeconds(30));
      assertServesHenry(users(closer.channelTo(server.port())));
    }
  }

  @Test
  void clientThatNeverReads_firing4000ListUsers_holdsAtMost4MiB_othersServed() throws Exception {
    GrpcServer server = startUsers("--generate-dataset=200000:0");
    try (LogCapture log = LogCapture.start()) {
      try (RawHttp2Client stalled = RawHttp2Client.neverReading(server.port())) {
        for (int i = 0; i < 4000; i++) {
          stalled.call("/v1.user.User/ListUsers", new byte[0]);
        }
        stalled.flush();

        // The stalled connection holds the server's answers; everyone else is served.
        ManagedChannel other = closer.channelTo(server.port());
        for (int i = 0; i < 20; i++) {
          assertThat(users(other).getUser(HENRY).getUserMessage().getName()).isEqualTo("User 1");
        }
        assertThat(
                users(other)
                    .listUsers(ListUsersRequest.getDefaultInstance())
                    .getUserMessagesCount())
            .isEqualTo(1000);

        // Answers of 31.8 KB: at most 131 fit in the connection's 4 MiB; later calls are refused
        // (RESOURCE_EXHAUSTED, each with its access-log line). The
        // others' calls are served while the stalled ones are still being answered: the stalled
        // connection stays open until they are, or closing it would cancel the rest.
        await()
            .atMost(Duration.ofSeconds(10))
            .until(
                () ->
                    count(log.text(), "ListUsers RESOURCE_EXHAUSTED") >= 100
                        && count(log.text(), "ListUsers OK") - 1 >= 100);
      }
      assertThat(count(log.text(), "ListUsers OK") - 1).isLessThanOrEqualTo(131);
    }
  }

  private PostGrpc.PostBlockingStub posts(GrpcServer postServer) {
    return PostGrpc.newBlockingStub(closer.channelTo(postServer.port()))
        .withDeadlineAfter(10, TimeUnit.SECONDS);
  }

  private static ListPostsRequest pageOf(int size, String token) {
    return ListPostsRequest.newBuilder().setPageSize(size).setPageToken(token).build();
  }

  private static long answered(List<List<GetUserResponse>> answers) {
    return answers.stream().filter(answered -> !answered.isEmpty()).count();
  }

  private static ListPostsByUserIdRequest byUser(String userId) {
    return ListPostsByUserIdRequest.newBuilder().setUserId(userId).build();
  }

  /** Streams {@code ids} to CollectPosts and returns how the call ended. */
  private static Status collectPosts(ManagedChannel channel, List<String> ids) throws Exception {
    CompletableFuture<Status> done = new CompletableFuture<>();
    StreamObserver<ListPostsByUserIdRequest> requests =
        PostGrpc.newStub(channel)
            .withDeadlineAfter(30, TimeUnit.SECONDS)
            .collectPosts(Streams.collecting(new CopyOnWriteArrayList<ListPostsResponse>(), done));
    for (String id : ids) {
      if (done.isDone()) {
        break;
      }
      requests.onNext(byUser(id));
    }
    requests.onCompleted();
    return done.get(30, TimeUnit.SECONDS);
  }

  /** GetUser with {@code request} sent as it is, whatever it holds. */
  private static byte[] rawGetUser(ManagedChannel channel, byte[] request) {
    return RawCalls.unary(channel, "v1.user.User/GetUser", request);
  }

  /** {@code depth} start-group tags of an unknown field: parsing recurses once per tag. */
  private static byte[] nestedGroups(int depth) {
    byte[] bytes = new byte[depth];
    java.util.Arrays.fill(bytes, (byte) 0x13); // field 2, wire type 3 (start group)
    return bytes;
  }

  private static int count(String text, String what) {
    Matcher matcher = Pattern.compile(Pattern.quote(what)).matcher(text);
    int found = 0;
    while (matcher.find()) {
      found++;
    }
    return found;
  }
}
