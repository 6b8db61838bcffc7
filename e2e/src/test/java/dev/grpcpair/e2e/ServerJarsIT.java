package dev.grpcpair.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.google.common.util.concurrent.Futures;
import com.google.common.util.concurrent.ListenableFuture;
import com.google.common.util.concurrent.MoreExecutors;
import dev.grpcpair.proto.post.v1.ListPostsRequest;
import dev.grpcpair.proto.post.v1.PostGrpc;
import dev.grpcpair.proto.post.v1.PostMessage;
import dev.grpcpair.proto.post.v1.StreamPostsRequest;
import dev.grpcpair.proto.user.v1.GetUserRequest;
import dev.grpcpair.proto.user.v1.GetUserResponse;
import dev.grpcpair.proto.user.v1.UserGrpc;
import dev.grpcpair.testing.Closer;
import dev.grpcpair.testing.IdleConnections;
import dev.grpcpair.testing.RawHttp2Client;
import dev.grpcpair.testing.Streams;
import io.grpc.CallCredentials;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.health.v1.HealthGrpc;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import org.assertj.core.api.InstanceOfAssertFactories;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** The fat jars as users run them: {@code java -jar}, flags, SIGTERM and exit codes. */
class ServerJarsIT {

  private static final Pattern STAMPED =
      Pattern.compile("^\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}Z \\[");

  /** A call's access-log line, in slf4j-simple's shape though the access log writes it itself. */
  private static final Pattern ACCESS_LINE =
      Pattern.compile(
          STAMPED.pattern()
              + "grpc-default-worker-ELG-\\d+-\\d+] \\[INFO] access - "
              + "v1\\.(post\\.Post/ListPosts|user\\.User/BatchGetUsers) OK \\d+\\.\\d{3}ms "
              + "peer=/127\\.0\\.0\\.1:\\d+ identity=- request_id=[0-9a-f-]{36}$");

  /** Runs a command with at most 200 open files: the server's descriptor limit. */
  private static final List<String> WITH_200_FILES =
      List.of("bash", "-c", "ulimit -n 200 && exec \"$@\"", "with-200-files");

  @RegisterExtension final Closer closer = new Closer();

  private JarProcess run(String jarProperty, String... args) throws IOException {
    return run(jarProperty, Map.of(), args);
  }

  private JarProcess run(String jarProperty, Map<String, String> env, String... args)
      throws IOException {
    return run(List.of(), jarProperty, env, args);
  }

  /** {@code java -jar}, started through {@code prefix} (a shell setting a limit, say). */
  private JarProcess run(
      List<String> prefix, String jarProperty, Map<String, String> env, String... args)
      throws IOException {
    return closer.add(JarProcess.start(prefix, List.of(), jarProperty, env, args));
  }

  @Test
  void bothJars_serveThePairAndStopGracefullyOnSigterm_andTheJvmsOtherHooksRun(@TempDir Path dir)
      throws Exception {
    // A flight recording dumped at exit: a shutdown hook of the JVM's own, beside the stop.
    Path recording = dir.resolve("user-server.jfr");
    JarProcess user =
        closer.add(
            JarProcess.start(
                List.of(),
                List.of(
                    "-XX:StartFlightRecording=dumponexit=true,filename=" + recording,
                    "-Xlog:jfr+startup=off"),
                "userServerJar",
                Map.of(),
                "--port=0"));
    int userPort = user.awaitPort();
    JarProcess post = run("postServerJar", "--port=0", "--user-target=localhost:" + userPort);
    int postPort = post.awaitPort();

    assertThat(
            postsListedBy(
                Grpc.newChannelBuilder("localhost:" + postPort, InsecureChannelCredentials.create())
                    .build(),
                null))
        .isEqualTo(8);

    for (JarProcess process : List.of(post, user)) {
      String log = process.stopWithSigterm();
      assertThat(log).contains("stopping: draining in-flight calls", "stopped");
      assertThat(log)
          .as("grpc's channel events, off unless asked for")
          .doesNotContain("ChannelLogger");
      assertThat(log.lines())
          .as("every line starts with the time, in UTC, to the millisecond (LogOutput)")
          .isNotEmpty()
          .allMatch(STAMPED.asPredicate())
          .anyMatch(ACCESS_LINE.asPredicate());
    }
    assertThat(recording).as("the JVM's dump-at-exit hook ran").isNotEmptyFile();
  }

  @Test
  void clientsDroppingStalledStreams_leaveOneLogLineEach_noStackTraces() throws Exception {
    JarProcess user = run("userServerJar", "--port=0", "--generate-dataset=10:20000");
    JarProcess post =
        run(
            "postServerJar",
            "--port=0",
            "--generate-dataset=10:20000",
            "--user-target=localhost:" + user.awaitPort());
    ManagedChannel channel =
        Grpc.newChannelBuilder("localhost:" + post.awaitPort(), InsecureChannelCredentials.create())
            .build();
    try {
      for (int i = 0; i < 20; i++) {
        Streams.SlowReader<PostMessage> reader = new Streams.SlowReader<>(1);
        PostGrpc.newStub(channel)
            .withDeadlineAfter(30, TimeUnit.SECONDS)
            .streamPosts(StreamPostsRequest.getDefaultInstance(), reader);
        await().atMost(Duration.ofSeconds(10)).until(() -> reader.received() == 1);
        reader.cancel();
        assertThat(reader.done().get(10, TimeUnit.SECONDS).getCode())
            .isEqualTo(Status.Code.CANCELLED);
      }
    } finally {
      channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }

    String log = post.stopWithSigterm();
    user.stopWithSigterm();
    // One access-log line per call: CANCELLED, or OK if it had all been sent before the cancel.
    assertThat(log.split("v1.post.Post/StreamPosts ", -1)).hasSize(21);
    assertThat(log).doesNotContain("\tat ", "Stream Error");
  }

  @Test
  void idleConnectionsAtTheDescriptorLimit_areReaped_andANewClientIsServed() throws Exception {
    JarProcess user =
        run(WITH_200_FILES, "userServerJar", Map.of(), "--port=0", "--max-connection-idle=1s");
    int port = user.awaitPort();
    // 250 connections that open HTTP/2 and then say nothing: more than the server has files.
    for (int i = 0; i < 250; i++) {
      Socket idle = closer.add(new Socket(InetAddress.getLoopbackAddress(), port));
      idle.getOutputStream().write(HTTP2_PREFACE_AND_SETTINGS);
    }

    await()
        .atMost(Duration.ofSeconds(60))
        .ignoreExceptions()
        .until(() -> healthOf(port) == ServingStatus.SERVING);
    assertThat(user.stopWithSigterm()).contains("stopped");
  }

  /**
   * Clients that answer PINGs and never call are never reaped by keepalive: 250 connections of them
   * against a Post server with 200 descriptors. The connection caps close the ones idle longest to
   * make room, so a new client's health check is answered within 5 s before, during and after.
   */
  @Test
  void liveIdleConnectionsPastTheDescriptorLimit_areClosedOldestFirst_andNewClientsAreServed()
      throws Exception {
    JarProcess user = run("userServerJar", "--port=0");
    int userPort = user.awaitPort();
    JarProcess post =
        run(
            WITH_200_FILES,
            "postServerJar",
            Map.of(),
            "--port=0",
            "--user-target=localhost:" + userPort);
    int port = post.awaitPort();
    await().atMost(Duration.ofSeconds(10)).until(() -> healthOf(port) == ServingStatus.SERVING);
    IdleConnections idle = closer.add(new IdleConnections());

    for (int opened = 0; opened < 250; opened += 50) {
      idle.open(port, 50);
      assertThat(healthOf(port)).isEqualTo(ServingStatus.SERVING);
    }
    for (int check = 0; check < 5; check++) {
      assertThat(healthOf(port)).isEqualTo(ServingStatus.SERVING);
    }
    // 100 from one address at most: the 150 opened first (and one more for each new client) are
    // closed, and no other.
    await().atMost(Duration.ofSeconds(20)).until(() -> idle.oldestClosed(150));

    assertThat(post.stopWithSigterm())
        .contains("takes at most 116 connections (the descriptor limit, 200")
        .contains("to make room for")
        .doesNotContain("Too many open files");
    user.stopWithSigterm();
  }

  private static final byte[] HTTP2_PREFACE_AND_SETTINGS =
      "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n\0\0\0\4\0\0\0\0\0".getBytes(StandardCharsets.ISO_8859_1);

  /** A health check over a new connection, as a new client makes it. */
  private static ServingStatus healthOf(int port) throws InterruptedException {
    ManagedChannel channel =
        Grpc.newChannelBuilder("localhost:" + port, InsecureChannelCredentials.create()).build();
    try {
      return HealthGrpc.newBlockingStub(channel)
          .withDeadlineAfter(5, TimeUnit.SECONDS)
          .check(HealthCheckRequest.getDefaultInstance())
          .getStatus();
    } finally {
      channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
  }

  @Test
  void help_listsFlagsWithTheirEnvironmentVariables() throws Exception {
    JarProcess post = run("postServerJar", "--help");

    assertThat(post.awaitExit()).isZero();
    assertThat(post.output())
        .contains(
            "--port",
            "PORT",
            "--user-target",
            "USER_TARGET",
            "--user-deadline",
            "--shutdown-grace");
  }

  @Test
  void badFlagValue_isOneLineNamingTheFlagAndWhy_exitCodeTwo() throws Exception {
    JarProcess user = run("userServerJar", "--shutdown-grace=soon");

    assertThat(user.awaitExit()).isEqualTo(2);
    assertThat(user.output().lines())
        .singleElement(InstanceOfAssertFactories.STRING)
        .startsWith(
            "user-server: Invalid value for option '--shutdown-grace': 'soon' is not a duration")
        .endsWith("(user-server --help lists the flags)")
        .doesNotContain("Exception");
  }

  @Test
  void version_isTheProjectsVersion_forEachJar() throws Exception {
    String version = System.getProperty("projectVersion");
    for (String jar : List.of("userServerJar", "postServerJar", "gatewayJar")) {
      JarProcess server = run(jar, "--version");

      assertThat(server.awaitExit()).isZero();
      assertThat(server.output().strip())
          .matches("(user-server|post-server|gateway) " + Pattern.quote(version));
    }
  }

  @Test
  void badValueFromTheEnvironment_namesTheVariable() throws Exception {
    JarProcess user = run("userServerJar", Map.of("PORT", "70000"));

    assertThat(user.awaitExit()).isEqualTo(2);
    assertThat(user.output().lines())
        .singleElement(InstanceOfAssertFactories.STRING)
        .startsWith(
            "user-server: Invalid value for PORT (--port): '70000' is not a port number (0-65535)");
  }

  @Test
  void portsInUse_areOneLineWithTheReason_andExitCodeOne() throws Exception {
    try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getByName("0.0.0.0"))) {
      int port = taken.getLocalPort();
      JarProcess serving = run("userServerJar", "--port=" + port);
      JarProcess metrics = run("postServerJar", "--port=0", "--metrics-port=" + port);

      assertThat(serving.awaitExit()).isEqualTo(1);
      assertThat(serving.output())
          .contains("user-server could not start: ", "Address already in use")
          .doesNotContain("\tat ");
      assertThat(metrics.awaitExit()).isEqualTo(1);
      assertThat(metrics.output())
          .contains(
              "post-server could not start: cannot serve metrics on port " + port,
              "Address already in use")
          .doesNotContain("\tat ");
    }
  }

  @Test
  void badGeneratedDatasetSize_isExitCodeTwo() throws Exception {
    JarProcess post = run("postServerJar", "--port=0", "--generate-dataset=lots");

    assertThat(post.awaitExit()).isEqualTo(2);
    assertThat(post.output())
        .contains("--generate-dataset: a generated dataset takes USERS:POSTS")
        .doesNotContain("\tat ");
  }

  @Test
  void datasetTooLargeForTheHeap_isOneLineAndExitCodeOne() throws Exception {
    JarProcess user =
        run(
            "userServerJar",
            Map.of("JAVA_TOOL_OPTIONS", "-Xmx48m"),
            "--port=0",
            "--generate-dataset=5000000:0");

    assertThat(user.awaitExit()).isEqualTo(1);
    assertThat(user.output())
        .contains("does not fit in the heap (at most")
        .doesNotContain("\tat ", "OutOfMemoryError");
  }

  @Test
  void requestsClaimingMoreThanTheLimit_costOneAccessLogLineEach() throws Exception {
    JarProcess user = run("userServerJar", "--port=0");
    int port = user.awaitPort();
    int calls = 2000;
    try (RawHttp2Client client = RawHttp2Client.connect(port)) {
      for (int i = 0; i < calls; i++) {
        client.callClaiming("/v1.user.User/GetUser", Integer.MAX_VALUE); // 5 bytes each
        if (i % 100 == 99) {
          client.flush(); // within the calls a connection may have open
          int answered = i + 1;
          await()
              .atMost(Duration.ofSeconds(10))
              .until(() -> countOf(user.output(), "GetUser RESOURCE_EXHAUSTED") == answered);
        }
      }
    }

    String log = user.stopWithSigterm();
    assertThat(countOf(log, "GetUser RESOURCE_EXHAUSTED")).isEqualTo(calls);
    // One access-log line a call (about 170 bytes); the transport's own account, once a second.
    assertThat(log.length() / calls).isLessThan(250);
    assertThat(log).contains("a client's call failed in the transport").doesNotContain("\tat ");
  }

  /**
   * A log collector that stops reading (or a terminal paused with Ctrl-S) blocks the server's
   * writes to standard error. Calls, health checks included, must go on; the lines that cannot wait
   * are dropped and counted.
   */
  @Test
  void aStandardErrorNobodyReads_neverStopsTheCalls_andTheLinesDroppedAreCounted()
      throws Exception {
    JarProcess user = run("userServerJar", "--port=0");
    ManagedChannel channel = closer.channelTo(user.awaitPort());
    UserGrpc.UserFutureStub users = UserGrpc.newFutureStub(channel);
    GetUserRequest henry = GetUserRequest.newBuilder().setUserId("1").build();
    user.stopReading();
    // About 3 MB of access-log lines: the pipe holds 64 KiB, the server lets 2 MiB wait.
    int calls = 16_000;
    Semaphore inFlight = new Semaphore(64);
    List<ListenableFuture<GetUserResponse>> answers = new ArrayList<>();
    for (int i = 0; i < calls; i++) {
      assertThat(inFlight.tryAcquire(10, TimeUnit.SECONDS)).as("calls answered").isTrue();
      ListenableFuture<GetUserResponse> answer =
          users.withDeadlineAfter(10, TimeUnit.SECONDS).getUser(henry);
      answer.addListener(inFlight::release, MoreExecutors.directExecutor());
      answers.add(answer);
    }
    // Every one answered: a call stuck behind standard error would fail with its deadline.
    assertThat(Futures.allAsList(answers).get(60, TimeUnit.SECONDS))
        .hasSize(calls)
        .allMatch(answer -> answer.getUserMessage().getName().equals("Henry"));
    assertThat(
            HealthGrpc.newBlockingStub(channel)
                .withDeadlineAfter(5, TimeUnit.SECONDS)
                .check(HealthCheckRequest.getDefaultInstance())
                .getStatus())
        .isEqualTo(ServingStatus.SERVING);

    user.resumeReading();
    Pattern report = Pattern.compile("\\[WARN] LogOutput - (\\d+) log lines dropped");
    await()
        .atMost(Duration.ofSeconds(30))
        .untilAsserted(
            () -> {
              String log = user.output();
              long dropped =
                  report.matcher(log).results().mapToLong(m -> Long.parseLong(m.group(1))).sum();
              assertThat(dropped).as("lines reported dropped").isPositive();
              assertThat(countOf(log, "GetUser OK") + dropped)
                  .as("each call's line written or counted")
                  .isEqualTo(calls);
            });
  }

  private static int countOf(String text, String what) {
    return text.split(Pattern.quote(what), -1).length - 1;
  }

  @Test
  void datasetWhoseIndexDoesNotFitTheShippedHeap_isOneLineAndExitCodeOne() throws Exception {
    // The posts fit in 128 MiB; indexing them by owner is what runs out.
    JarProcess post =
        closer.add(
            JarProcess.start(
                List.of(),
                JarProcess.SHIPPED,
                "postServerJar",
                Map.of(),
                "--port=0",
                "--generate-dataset=200000:200000"));

    assertThat(post.awaitExit()).isEqualTo(1);
    assertThat(post.output())
        .contains("does not fit in the heap (at most")
        .doesNotContain("\tat ", "OutOfMemoryError");
    assertThat(post.output().lines()).hasSize(1);
  }

  @Test
  void missingDatasetFile_isExitCodeTwo(@TempDir Path dir) throws Exception {
    JarProcess user = run("userServerJar", "--port=0", "--dataset=" + dir.resolve("nope.json"));

    assertThat(user.awaitExit()).isEqualTo(2);
    assertThat(user.output()).contains("does not exist").doesNotContain("\tat ");
    assertThat(Files.exists(dir.resolve("nope.json"))).isFalse();
  }

  @Test
  void tokenForTheUserServiceWithoutTls_isRefusedAtStart() throws Exception {
    JarProcess post = run("postServerJar", Map.of("USER_TOKEN", "s3cret-token-value"), "--port=0");

    assertThat(post.awaitExit()).isEqualTo(2);
    assertThat(post.output())
        .contains("refusing to send the user service token without TLS")
        .doesNotContain("s3cret-token-value");
  }

  @Test
  void help_neverShowsTokens() throws Exception {
    JarProcess user =
        run("userServerJar", Map.of("AUTH_TOKENS", "ops=s3cret-token-value"), "--help");

    assertThat(user.awaitExit()).isZero();
    assertThat(user.output())
        .contains("--auth-tokens-file", "AUTH_TOKENS")
        .doesNotContain("s3cret-token-value");
  }

  /**
   * How many posts ListPosts answers over {@code channel} (with {@code credentials}, if any);
   * closes the channel.
   */
  private static int postsListedBy(ManagedChannel channel, CallCredentials credentials)
      throws InterruptedException {
    try {
      PostGrpc.PostBlockingStub posts =
          PostGrpc.newBlockingStub(channel).withDeadlineAfter(10, TimeUnit.SECONDS);
      return (credentials == null ? posts : posts.withCallCredentials(credentials))
          .listPosts(ListPostsRequest.getDefaultInstance())
          .getPostMessagesCount();
    } finally {
      channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
  }
}
