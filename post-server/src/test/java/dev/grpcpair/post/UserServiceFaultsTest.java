package dev.grpcpair.post;

import static dev.grpcpair.testing.GrpcAssertions.codeOf;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.google.common.util.concurrent.ListenableFuture;
import dev.grpcpair.common.server.GrpcServer;
import dev.grpcpair.common.server.RapidResets;
import dev.grpcpair.proto.post.v1.ListPostsByUserIdRequest;
import dev.grpcpair.proto.post.v1.ListPostsByUserIdResponse;
import dev.grpcpair.proto.post.v1.ListPostsRequest;
import dev.grpcpair.proto.post.v1.ListPostsResponse;
import dev.grpcpair.proto.post.v1.PostGrpc;
import dev.grpcpair.testing.Channels;
import dev.grpcpair.testing.Closer;
import dev.grpcpair.testing.FreezableTcpProxy;
import dev.grpcpair.testing.Streams;
import dev.grpcpair.user.UserServer;
import dev.grpcpair.user.UserServerConfig;
import io.grpc.Context;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.health.v1.HealthGrpc;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.parallel.Execution;
import org.junit.jupiter.api.parallel.ExecutionMode;

/**
 * The pair over Netty when the User server is missing, goes away, or is slow; and stopping. Its
 * tests run side by side: each has servers of its own, asserts nothing of the log, and mostly waits
 * (for reconnects and backoff).
 */
@Execution(ExecutionMode.CONCURRENT)
class UserServiceFaultsTest {

  private static final Duration RECOVERY = Duration.ofSeconds(30);

  @RegisterExtension final Closer closer = new Closer();
  private final ScriptedUserService scriptedUsers = new ScriptedUserService();

  @AfterEach
  void releaseHeldCalls() {
    // Before the servers stop (the closer's turn comes after): what a test left held is answered
    // while its server's event loops still run, and no stop waits on it.
    scriptedUsers.release();
  }

  private GrpcServer track(GrpcServer server) {
    return closer.add(server);
  }

  /** A Post server asking the User service at {@code userTarget}, with more {@code flags}. */
  private GrpcServer startPostServer(String userTarget, String... flags) throws IOException {
    List<String> args = new ArrayList<>(List.of("--port=0", "--user-target=" + userTarget));
    args.addAll(List.of(flags));
    return track(PostServer.start(PostServerConfig.parse(args.toArray(String[]::new))));
  }

  private PostGrpc.PostBlockingStub postClient(GrpcServer postServer) {
    return PostGrpc.newBlockingStub(closer.channelTo(postServer.port()));
  }

  /** A User server answering from {@link #scriptedUsers}, which a test can hold. */
  private GrpcServer startScriptedUsers() throws IOException {
    return track(scriptedUsers.serve());
  }

  /** A port for a User server that is not up yet: a proxy the test holds, forwarding nowhere. */
  private FreezableTcpProxy userServerNotYetUp() throws IOException {
    return closer.add(new FreezableTcpProxy(0));
  }

  /**
   * Calls {@code call} until it succeeds (within {@code timeout}), and returns what it returned.
   */
  private static <T> T eventually(Duration timeout, Callable<T> call) {
    AtomicReference<T> result = new AtomicReference<>();
    await().atMost(timeout).ignoreExceptions().untilAsserted(() -> result.set(call.call()));
    return result.get();
  }

  private static void assertRefusesNewConnections(GrpcServer server) throws InterruptedException {
    ManagedChannel fresh = Channels.localhost(server.port());
    try {
      assertThat(
              codeOf(
                  () ->
                      PostGrpc.newBlockingStub(fresh)
                          .withDeadlineAfter(5, TimeUnit.SECONDS)
                          .listPosts(ALL)))
          .isEqualTo(Status.Code.UNAVAILABLE);
    } finally {
      fresh.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
  }

  private static final ListPostsRequest ALL = ListPostsRequest.getDefaultInstance();

  @Test
  void postServerStartedBeforeUserServer_isUnavailableThenWorksOnceItIsUp() throws Exception {
    FreezableTcpProxy users = userServerNotYetUp();
    int userPort = users.port();
    GrpcServer postServer = startPostServer("localhost:" + userPort);
    PostGrpc.PostBlockingStub posts = postClient(postServer);

    // A 10s deadline: UNAVAILABLE rather than DEADLINE_EXCEEDED shows the failure came fast.
    assertThatThrownBy(() -> posts.withDeadlineAfter(10, TimeUnit.SECONDS).listPosts(ALL))
        .isInstanceOfSatisfying(
            StatusRuntimeException.class,
            e -> {
              assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE);
              assertThat(e.getStatus().getDescription())
                  .startsWith("user service at localhost:" + userPort + " is unavailable");
            });

    users.forwardTo(track(UserServer.start(UserServerConfig.parse("--port=0"))).port());

    assertThat(
            eventually(RECOVERY, () -> posts.withDeadlineAfter(5, TimeUnit.SECONDS).listPosts(ALL)))
        .extracting(response -> response.getPostMessagesCount())
        .isEqualTo(8);
  }

  @Test
  void userServerDown_callsSayConnectionRefused() throws Exception {
    GrpcServer gone = UserServer.start(UserServerConfig.parse("--port=0"));
    int userPort = gone.port();
    gone.stop();
    PostGrpc.PostBlockingStub posts = postClient(startPostServer("localhost:" + userPort));

    assertThatThrownBy(() -> posts.withDeadlineAfter(5, TimeUnit.SECONDS).listPosts(ALL))
        .isInstanceOfSatisfying(
            StatusRuntimeException.class,
            e ->
                assertThat(e.getStatus().getDescription())
                    .containsIgnoringCase("connection refused"));
  }

  @Test
  void userServerDownForAWhile_isServedWithinSecondsOfComingBack_thoughTheBackoffHasGrown()
      throws Exception {
    FreezableTcpProxy users = userServerNotYetUp();
    PostGrpc.PostBlockingStub posts = postClient(startPostServer("localhost:" + users.port()));

    // No calls meanwhile: grpc's waits between attempts grow (1 s, 1.6 s, 2.6 s, 4.1 s, ...) until
    // the proxy has seen one of over 2 s; the next is longer than the 2 s allowed below.
    await()
        .atMost(Duration.ofSeconds(30))
        .until(() -> users.longestGapBetweenConnections().compareTo(Duration.ofSeconds(2)) > 0);
    users.forwardTo(track(UserServer.start(UserServerConfig.parse("--port=0"))).port());

    assertThat(
            eventually(
                    Duration.ofSeconds(2),
                    () -> posts.withDeadlineAfter(1, TimeUnit.SECONDS).listPosts(ALL))
                .getPostMessagesCount())
        .isEqualTo(8);
  }

  @Test
  void waitForReady_callIsServedWithinSecondsOfTheUserServerComingBack_thoughTheBackoffHasGrown()
      throws Exception {
    FreezableTcpProxy users = userServerNotYetUp();
    PostGrpc.PostFutureStub posts =
        PostGrpc.newFutureStub(
            closer.channelTo(
                startPostServer("localhost:" + users.port(), "--user-wait-for-ready").port()));
    await()
        .atMost(Duration.ofSeconds(30))
        .until(() -> users.longestGapBetweenConnections().compareTo(Duration.ofSeconds(2)) > 0);
    users.forwardTo(track(UserServer.start(UserServerConfig.parse("--port=0"))).port());

    // A call that waits for a connection instead of failing, as every one does with
    // --user-wait-for-ready: it must bring the channel back as a failing call does.
    ListenableFuture<ListPostsResponse> call =
        posts.withDeadlineAfter(30, TimeUnit.SECONDS).listPosts(ALL);

    assertThat(call.get(2, TimeUnit.SECONDS).getPostMessagesCount()).isEqualTo(8);
  }

  @Test
  void postHealth_isNotServingWithoutAUserReplica_andServingOnceOneIsUp() throws Exception {
    FreezableTcpProxy users = userServerNotYetUp();
    GrpcServer postServer =
        startPostServer("localhost:" + users.port(), "--user-unavailable-grace=300ms");
    ManagedChannel channel = closer.channelTo(postServer.port());

    await()
        .atMost(RECOVERY)
        .untilAsserted(() -> assertThat(health(channel, "")).isEqualTo(ServingStatus.NOT_SERVING));
    assertThat(health(channel, "v1.post.Post")).isEqualTo(ServingStatus.NOT_SERVING);

    users.forwardTo(track(UserServer.start(UserServerConfig.parse("--port=0"))).port());

    await()
        .atMost(RECOVERY)
        .untilAsserted(() -> assertThat(health(channel, "")).isEqualTo(ServingStatus.SERVING));
    assertThat(health(channel, "v1.post.Post")).isEqualTo(ServingStatus.SERVING);
  }

  private static ServingStatus health(ManagedChannel channel, String service) {
    return HealthGrpc.newBlockingStub(channel)
        .withDeadlineAfter(5, TimeUnit.SECONDS)
        .check(HealthCheckRequest.newBuilder().setService(service).build())
        .getStatus();
  }

  @Test
  void waitForReady_callWaitsForTheUserServerInsteadOfFailing() throws Exception {
    FreezableTcpProxy users = userServerNotYetUp();
    GrpcServer postServer =
        startPostServer(
            "localhost:" + users.port(), "--user-wait-for-ready", "--user-unavailable-grace=300ms");
    ManagedChannel channel = closer.channelTo(postServer.port());
    ListenableFuture<ListPostsResponse> call =
        PostGrpc.newFutureStub(channel).withDeadlineAfter(60, TimeUnit.SECONDS).listPosts(ALL);

    // NOT_SERVING: connecting to the User server has been failing for a while, and the call,
    // which would have failed with UNAVAILABLE by now without wait-for-ready, is still waiting.
    await()
        .atMost(RECOVERY)
        .untilAsserted(() -> assertThat(health(channel, "")).isEqualTo(ServingStatus.NOT_SERVING));
    assertThat(call.isDone()).as("still waiting for a User server").isFalse();

    users.forwardTo(track(UserServer.start(UserServerConfig.parse("--port=0"))).port());

    assertThat(call.get(60, TimeUnit.SECONDS).getPostMessagesCount()).isEqualTo(8);
  }

  @Test
  void dnsTarget_works() throws Exception {
    GrpcServer userServer = track(UserServer.start(UserServerConfig.parse("--port=0")));
    GrpcServer postServer = startPostServer("dns:///localhost:" + userServer.port());

    assertThat(
            postClient(postServer)
                .withDeadlineAfter(10, TimeUnit.SECONDS)
                .listPosts(ALL)
                .getPostMessagesCount())
        .isEqualTo(8);
  }

  @Test
  void userServerStoppedMidRun_isUnavailableThenRecoversWhenAnotherComesUp() throws Exception {
    GrpcServer userServer = UserServer.start(UserServerConfig.parse("--port=0"));
    FreezableTcpProxy users = closer.add(new FreezableTcpProxy(userServer.port()));
    GrpcServer postServer = startPostServer("localhost:" + users.port());
    PostGrpc.PostBlockingStub posts = postClient(postServer);
    assertThat(posts.withDeadlineAfter(10, TimeUnit.SECONDS).listPosts(ALL).getPostMessagesCount())
        .isEqualTo(8);

    userServer.stop();

    assertThat(codeOf(() -> posts.withDeadlineAfter(10, TimeUnit.SECONDS).listPosts(ALL)))
        .isEqualTo(Status.Code.UNAVAILABLE);

    users.forwardTo(track(UserServer.start(UserServerConfig.parse("--port=0"))).port());

    assertThat(
            eventually(RECOVERY, () -> posts.withDeadlineAfter(5, TimeUnit.SECONDS).listPosts(ALL))
                .getPostMessagesCount())
        .isEqualTo(8);
  }

  @Test
  void callerDeadlineShorterThanSlowUserServer_isDeadlineExceeded() throws Exception {
    GrpcServer slowUsers = startScriptedUsers();
    GrpcServer postServer = startPostServer("localhost:" + slowUsers.port());
    scriptedUsers.hold();

    assertThat(
            codeOf(
                () ->
                    postClient(postServer)
                        .withDeadlineAfter(300, TimeUnit.MILLISECONDS)
                        .listPosts(ALL)))
        .isEqualTo(Status.Code.DEADLINE_EXCEEDED);
  }

  @Test
  void callWithoutDeadline_getsTheConfiguredUserDeadline() throws Exception {
    GrpcServer slowUsers = startScriptedUsers();
    String target = "localhost:" + slowUsers.port();
    GrpcServer postServer = startPostServer(target, "--user-deadline=300ms");
    scriptedUsers.hold();

    assertThatThrownBy(() -> postClient(postServer).listPosts(ALL))
        .isInstanceOfSatisfying(
            StatusRuntimeException.class,
            e -> {
              assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.DEADLINE_EXCEEDED);
              assertThat(e.getStatus().getDescription())
                  .isEqualTo("user service at " + target + " did not answer before the deadline");
            });
  }

  @Test
  void callersCancellingTheirCallsWhileTheUserServerAnswers_doNotGetThePostServerCutOffFromIt()
      throws Exception {
    // Every look-up is answered, 200 ms after it arrives: time for its caller to give up first.
    scriptedUsers.answerAfter(Duration.ofMillis(200));
    FreezableTcpProxy users = closer.add(new FreezableTcpProxy(startScriptedUsers().port()));
    GrpcServer postServer = startPostServer("localhost:" + users.port());
    ListPostsByUserIdRequest byUser1 = ListPostsByUserIdRequest.newBuilder().setUserId("1").build();
    // A deadline of its own, not the Post server's default of 2 s: on a machine running another
    // build beside this one, the call after the cancellations outlasted it. What shows a Post
    // server cut off is the count of its connections below.
    PostGrpc.PostBlockingStub posts =
        postClient(postServer).withDeadlineAfter(30, TimeUnit.SECONDS);
    assertThat(posts.listPostsByUserId(byUser1).getPostMessagesCount()).isEqualTo(4);

    // Half again as many cancellations as the User server takes from one connection in a window
    // (RapidResets), each once the User server has the Post server's call; from three connections,
    // each within what the Post server takes from one.
    List<PostGrpc.PostStub> callers = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      callers.add(PostGrpc.newStub(closer.channelTo(postServer.port())));
    }
    // In rounds of 50 calls: the cancellations come within one window (10 s) on a slow machine.
    for (int round = 0; round < RapidResets.MAX_RESETS * 3 / 2 / 50; round++) {
      int asked = scriptedUsers.getUserCalls();
      Context.CancellableContext calls = Context.current().withCancellation();
      for (int i = 0; i < 50; i++) {
        PostGrpc.PostStub caller = callers.get(i % callers.size());
        calls.run(
            () ->
                caller.listPostsByUserId(
                    byUser1, Streams.collecting(new ArrayList<>(), new CompletableFuture<>())));
      }
      await()
          .pollInSameThread()
          .pollDelay(Duration.ZERO)
          .pollInterval(Duration.ofMillis(1))
          .atMost(Duration.ofSeconds(10))
          .until(() -> scriptedUsers.getUserCalls() >= asked + 50);
      calls.cancel(null);
    }

    assertThat(posts.listPostsByUserId(byUser1).getPostMessagesCount()).isEqualTo(4);
    assertThat(users.connectionsAccepted())
        .as("connections the Post server made to the User server")
        .isEqualTo(1);
  }

  @Test
  void stop_letsACallInFlightFinish() throws Exception {
    GrpcServer slowUsers = startScriptedUsers();
    GrpcServer postServer =
        startPostServer("localhost:" + slowUsers.port(), "--shutdown-grace=20s");
    ManagedChannel channel = closer.channelTo(postServer.port());
    scriptedUsers.hold();
    ListenableFuture<ListPostsByUserIdResponse> inFlight =
        PostGrpc.newFutureStub(channel)
            .withDeadlineAfter(30, TimeUnit.SECONDS)
            .listPostsByUserId(ListPostsByUserIdRequest.newBuilder().setUserId("1").build());
    await()
        .atMost(Duration.ofSeconds(10))
        .untilAsserted(() -> assertThat(scriptedUsers.getUserCalls()).isEqualTo(1));

    CompletableFuture<Void> stopping =
        CompletableFuture.runAsync(
            () -> {
              try {
                postServer.stop();
              } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
              }
            });
    // Draining: new connections are refused while the call in flight is still held.
    await()
        .atMost(Duration.ofSeconds(10))
        .untilAsserted(() -> assertRefusesNewConnections(postServer));
    assertThat(inFlight.isDone()).isFalse();
    scriptedUsers.release();

    assertThat(inFlight.get(30, TimeUnit.SECONDS).getPostMessagesCount()).isEqualTo(4);
    stopping.get(30, TimeUnit.SECONDS);
  }
}
