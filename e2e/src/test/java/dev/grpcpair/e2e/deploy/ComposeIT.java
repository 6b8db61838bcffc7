package dev.grpcpair.e2e.deploy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.grpcpair.e2e.docs.DocReplay;
import dev.grpcpair.e2e.docs.DocTranscript;
import dev.grpcpair.proto.post.v1.ListPostsByUserIdRequest;
import dev.grpcpair.proto.post.v1.ListPostsRequest;
import dev.grpcpair.proto.post.v1.PostGrpc;
import dev.grpcpair.proto.post.v1.PostMessage;
import dev.grpcpair.testing.Closer;
import dev.grpcpair.testing.SeedPosts;
import io.grpc.ManagedChannel;
import io.grpc.StatusRuntimeException;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.api.parallel.ResourceLock;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The compose stack of docs/deploy.md (deploy/compose.yaml): three User containers behind the DNS
 * name {@code user}, the Post and gateway containers, Prometheus. Host ports are chosen by the
 * system.
 */
@ResourceLock(Images.NETWORK_DNS)
class ComposeIT {

  private static final String PAGE = "docs/deploy.md";
  private static final String DOCUMENTED = "grpc-pair";
  private static final String PROJECT = "grpc-pair-" + Images.RUN;

  /**
   * What the servers log beside their own lines: grpc's channel events (docs/replicas.md), so that
   * a failed call here comes with how the Post server saw its User replicas come and go.
   */
  private static final String CHANNEL_EVENTS =
      "JDK_JAVA_OPTIONS=-Dorg.slf4j.simpleLogger.log.io.grpc.ChannelLogger=debug";

  /**
   * This build's images, any free host port, and podman's settings with {@link #CHANNEL_EVENTS} in
   * every container's environment.
   */
  private static Map<String, String> environment;

  private static final JsonMapper JSON = JsonMapper.builder().build();

  @RegisterExtension final Closer closer = new Closer();

  @BeforeAll
  static void up(@TempDir Path settings) throws IOException {
    // First: down() runs with it whatever happens here.
    environment =
        Map.of(
            "TAG", Images.RUN,
            "POST_HOST_PORT", "127.0.0.1:",
            "GATEWAY_HOST_PORT", "127.0.0.1:",
            "PROMETHEUS_HOST_PORT", "127.0.0.1:",
            "CONTAINERS_CONF", withChannelEvents(settings.resolve("containers.conf")).toString());
    Images.build();
    Tools.assumeInstalled("podman-compose");
    compose("down", "-v");
    // docs/deploy.md's command, under the test's project name.
    String up = renamed(DocReplay.command(PAGE, "podman-compose").command());
    assertThat(up).contains("-p " + PROJECT + " ");
    Tools.Result result = Tools.run(Duration.ofMinutes(3), environment, List.of("bash", "-c", up));
    assertThat(result.exitCode()).as("%s%n%s", up, result.output()).isZero();
  }

  /** The project's podman settings (or the caller's), with {@link #CHANNEL_EVENTS} added. */
  private static Path withChannelEvents(Path file) throws IOException {
    String settings = Files.readString(Tools.containersConf());
    String env = "env = [\"" + CHANNEL_EVENTS + "\"]";
    Pattern table = Pattern.compile("(?m)^\\[containers\\][ \\t]*$");
    return Files.writeString(
        file,
        table.matcher(settings).find()
            ? table.matcher(settings).replaceFirst("[containers]\n" + env)
            : settings + "\n[containers]\n" + env + "\n");
  }

  /** {@code text} with the page's project name the test's. */
  private static String renamed(String text) {
    return text.replace("-p " + DOCUMENTED + " ", "-p " + PROJECT + " ")
        .replace(DOCUMENTED + "_", PROJECT + "_");
  }

  @AfterAll
  static void down() {
    compose("down", "-v");
    // podman-compose 1.0 leaves the stack's network; removed as docs/deploy.md says.
    Tools.run(
        Duration.ofMinutes(1),
        Map.of(),
        List.of("podman", "network", "rm", "-f", PROJECT + "_pair"));
  }

  private static Tools.Result compose(String... command) {
    List<String> line =
        new ArrayList<>(List.of("podman-compose", "-p", PROJECT, "-f", "deploy/compose.yaml"));
    line.addAll(List.of(command));
    return Tools.run(Duration.ofMinutes(3), environment, line);
  }

  private static int hostPort(String service, int port) {
    return Tools.publishedPort(PROJECT + "_" + service + "_1", port);
  }

  private PostGrpc.PostBlockingStub posts() {
    ManagedChannel channel = closer.channelTo(hostPort("post", 9001));
    return PostGrpc.newBlockingStub(channel).withWaitForReady();
  }

  @Test
  void theGatewayContainer_answersHttpJsonFromTheUserReplicasAndThePostContainer()
      throws Exception {
    URI gateway = URI.create("http://localhost:" + hostPort("gateway", 8080));
    HttpClient http = HttpClient.newHttpClient();

    await()
        .atMost(Duration.ofSeconds(60))
        .untilAsserted(
            () -> {
              assertThat(get(http, gateway.resolve("/v2/users/1")))
                  .isEqualTo(
                      "{\"userMessage\":{\"userId\":\"1\",\"name\":\"Henry\","
                          + "\"phoneNumber\":\"01012341234\",\"age\":22}}");
              assertThat(get(http, gateway.resolve("/v1/users/3/posts")))
                  .startsWith("{\"postMessages\":[{")
                  .contains("\"author\":\"Jessie\"");
            });
  }

  /**
   * docs/deploy.md's commands on the running stack, as the page shows them: its containers up, the
   * calls to the gateway and the Post server, and Prometheus's count of User calls per replica
   * (whose numbers, addresses and times are the run's own).
   */
  @Test
  void deployPage_commandsOnTheStack_printWhatThePageShows(@TempDir Path bin) throws Exception {
    PostGrpc.PostBlockingStub posts = posts();
    posts.withDeadlineAfter(60, TimeUnit.SECONDS).listPosts(ListPostsRequest.getDefaultInstance());
    DocReplay replay =
        closer
            .add(new DocReplay(bin))
            .port(8080, hostPort("gateway", 8080))
            .port(9001, hostPort("post", 9001))
            .port(9090, hostPort("prometheus", 9090));

    DocTranscript ps = DocReplay.command(PAGE, "podman ps");
    String containers = replay.run(ps.command()).output();
    for (String shown : renamed(ps.shown()).lines().skip(1).toList()) {
      String name = shown.split("\\s+")[0];
      assertThat(containers.lines())
          .as("%s%n--- it printed:%n%s", ps, containers)
          .anyMatch(row -> row.matches(name + "\\s+Up .*"));
    }

    replay.assertReplays(
        DocReplay.page(PAGE).stream()
            .filter(
                transcript ->
                    transcript.command().startsWith("curl -s localhost:8080")
                        || transcript.command().startsWith("grpcurl"))
            .toList());

    for (int call = 0; call < 30; call++) {
      posts.listPostsByUserId(ListPostsByUserIdRequest.newBuilder().setUserId("1").build());
    }
    DocTranscript query = DocReplay.command(PAGE, "curl -s localhost:9090");
    await()
        .atMost(Duration.ofSeconds(90))
        .pollInterval(Duration.ofSeconds(1))
        .untilAsserted(
            () -> {
              JsonNode answer =
                  JSON.readTree(replay.run(replay.withPorts(query.command())).output());
              JsonNode shown = JSON.readTree(query.shown());
              assertThat(answer.path("status")).isEqualTo(shown.path("status"));
              JsonNode replicas = answer.path("data").path("result");
              assertThat(replicas)
                  .as("one count per User replica")
                  .hasSize(shown.path("data").path("result").size());
              int calls = 0;
              for (JsonNode replica : replicas) {
                int count = Integer.parseInt(replica.path("value").path(1).asString());
                assertThat(count).as("calls to %s", replica.path("metric")).isPositive();
                calls += count;
              }
              assertThat(calls).isGreaterThanOrEqualTo(30);
            });
  }

  @Test
  void seedCases_throughThePostContainer_giveTheContractsAnswers() {
    PostGrpc.PostBlockingStub posts = posts();
    posts.withDeadlineAfter(60, TimeUnit.SECONDS).listPosts(ListPostsRequest.getDefaultInstance());

    SeedPosts.assertContractAnswers(posts);
  }

  /**
   * A replacement of every User replica in turn, as a careful rollout makes it: calls paced every
   * 10 ms while user_N is killed, started again 3 s later (at a new address), and the next one
   * killed only once the new user_N has answered the Post server. The Post server finds a new
   * replica only through DNS, and podman's (aardvark-dns) can leave lookups unanswered for many
   * seconds after a container starts or stops (docs/deploy.md): a rollout that stops the last
   * replica clients know of before they have found the new ones loses calls whatever the clients
   * do. The last kill leaves the Post server only replicas it did not know when the test began.
   */
  @Test
  void replacingEveryUserReplicaInTurn_losesNoCall() throws Exception {
    PostGrpc.PostBlockingStub posts = posts();
    posts
        .withDeadlineAfter(60, TimeUnit.SECONDS)
        .listPosts(ListPostsRequest.getDefaultInstance()); // the stack is up
    ExecutorService churn = Executors.newSingleThreadExecutor();
    closer.add(churn::shutdownNow);
    long start = System.nanoTime();
    Instant startedAt = Instant.now(); // the servers' log lines are stamped in UTC
    // When each step was done: on a busy machine podman and DNS can take their time.
    List<String> replacements = Collections.synchronizedList(new ArrayList<>());
    AtomicInteger answered = new AtomicInteger(); // calls answered so far, failed or not
    // How many calls were answered while each replica was away: the churn must have been called
    // through, however fast this machine makes the calls.
    List<Integer> answeredWhileAway = Collections.synchronizedList(new ArrayList<>());
    Future<?> replaceInTurn =
        churn.submit(
            () -> {
              for (int replica = 1; replica <= 3; replica++) {
                String name = PROJECT + "_user_" + replica;
                Tools.ok("podman", "kill", name);
                Instant killed = Instant.now();
                int answeredBefore = answered.get();
                replacements.add(at(start) + "killed user_" + replica);
                TimeUnit.SECONDS.sleep(3); // the replica's time down: a schedule, not a wait
                Tools.ok("podman", "start", name);
                replacements.add(at(start) + "started user_" + replica);
                await()
                    .atMost(Duration.ofSeconds(90))
                    .pollInterval(Duration.ofMillis(250))
                    .until(() -> hasAnsweredThePostServer(name, killed));
                replacements.add(at(start) + "user_" + replica + " answered the Post server");
                answeredWhileAway.add(answered.get() - answeredBefore);
              }
              return null;
            });

    List<String> failures = new ArrayList<>();
    List<String> slow = new ArrayList<>(); // calls that took over a second: what led to a failure
    Instant firstTrouble = null;
    int calls = 0;
    // Call number n leaves at n x 10 ms, until a second after the last replica has answered.
    for (long lastDue = Long.MAX_VALUE; ; calls++) {
      long due = start + TimeUnit.MILLISECONDS.toNanos(calls * 10L);
      if (due > lastDue) {
        break;
      }
      if (lastDue == Long.MAX_VALUE && replaceInTurn.isDone()) {
        lastDue = due + TimeUnit.SECONDS.toNanos(1);
      }
      TimeUnit.NANOSECONDS.sleep(Math.max(0, due - System.nanoTime()));
      long sent = System.nanoTime();
      Instant sentAt = Instant.now();
      String failure = null;
      try {
        List<PostMessage> answer =
            posts
                .withDeadlineAfter(5, TimeUnit.SECONDS)
                .listPostsByUserId(ListPostsByUserIdRequest.newBuilder().setUserId("1").build())
                .getPostMessagesList();
        if (answer.size() != 4 || !answer.get(0).getAuthor().equals("Henry")) {
          failure = answer.toString();
        }
      } catch (StatusRuntimeException e) {
        failure = e.getStatus().toString();
      }
      long tookMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - sent);
      answered.incrementAndGet();
      if (failure != null) {
        failures.add(at(start) + failure);
      }
      if (tookMillis > 1_000) {
        slow.add(at(start) + tookMillis + " ms");
      }
      if (firstTrouble == null && (failure != null || tookMillis > 1_000)) {
        firstTrouble = sentAt;
      }
    }
    try {
      replaceInTurn.get(); // done by now
    } catch (ExecutionException e) {
      throw new AssertionError(
          "replacing the replicas stopped after " + replacements, e.getCause());
    }

    int made = calls;
    Instant trouble = firstTrouble;
    assertThat(failures)
        .as(
            () ->
                "failed calls out of "
                    + made
                    + " (started at "
                    + startedAt
                    + "): "
                    + failures
                    + "; replicas: "
                    + replacements
                    + "; calls over 1 s: "
                    + slow
                    + "; the Post server's log from 3 s before the first slow call, but for"
                    + " the calls it answered OK:\n"
                    + postServerLogFrom(trouble.minusSeconds(3))
                    + "\n)")
        .isEmpty();
    // Each replica is away over 3 s: at 10 ms a call that is 300 calls, and even a machine
    // so busy that calls take 40 ms (as CI's once did) makes 75.
    assertThat(answeredWhileAway)
        .as("calls answered while each replica was away")
        .hasSize(3)
        .allSatisfy(count -> assertThat(count).isGreaterThanOrEqualTo(50));
  }

  /** Whether container {@code name} has logged a GetUser answered OK since {@code since}. */
  private static boolean hasAnsweredThePostServer(String name, Instant since) {
    return Tools.ok("podman", "logs", "--since", since.toString(), name)
        .contains("v1.user.User/GetUser OK");
  }

  /** The Post container's log lines from {@code from} on, but for the calls it answered OK. */
  private static String postServerLogFrom(Instant from) {
    return Tools.ok("podman", "logs", "--since", from.toString(), PROJECT + "_post_1")
        .lines()
        .filter(line -> !line.contains(" OK "))
        // Shorter, as the time and the event say enough: "... [Subchannel<7>: (user:9000)] READY"
        .map(line -> line.replaceFirst(" \\[[^]]*\\] \\[DEBUG\\] ChannelLogger -", ""))
        .collect(Collectors.joining("\n"));
  }

  private static String at(long start) {
    return String.format("at %.2f s: ", (System.nanoTime() - start) / 1e9);
  }

  @Test
  void prometheus_scrapesBothServersGrpcMetrics() {
    posts()
        .withDeadlineAfter(60, TimeUnit.SECONDS)
        .listPosts(ListPostsRequest.getDefaultInstance());
    URI query =
        URI.create(
            "http://127.0.0.1:"
                + hostPort("prometheus", 9090)
                + "/api/v1/query?query="
                + URLEncoder.encode(
                    "count by (job) (grpc_server_call_duration_seconds_count)",
                    StandardCharsets.UTF_8));
    HttpClient http = HttpClient.newHttpClient();

    await()
        .atMost(Duration.ofSeconds(90))
        .pollInterval(Duration.ofSeconds(1))
        .ignoreExceptions()
        .untilAsserted(
            () ->
                assertThat(get(http, query))
                    .contains("\"job\":\"user-server\"")
                    .contains("\"job\":\"post-server\""));
  }

  private static String get(HttpClient http, URI uri) throws IOException, InterruptedException {
    return http.send(HttpRequest.newBuilder(uri).build(), HttpResponse.BodyHandlers.ofString())
        .body();
  }
}
