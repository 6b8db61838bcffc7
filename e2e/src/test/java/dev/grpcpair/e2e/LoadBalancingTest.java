package dev.grpcpair.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.grpcpair.common.client.UserReplicaTrail;
import dev.grpcpair.common.server.GrpcServer;
import dev.grpcpair.post.PostServer;
import dev.grpcpair.post.PostServerConfig;
import dev.grpcpair.proto.post.v1.ListPostsByUserIdRequest;
import dev.grpcpair.proto.post.v1.PostGrpc;
import dev.grpcpair.proto.post.v1.PostMessage;
import dev.grpcpair.proto.post.v1.StreamPostsRequest;
import dev.grpcpair.testing.Channels;
import dev.grpcpair.testing.Closer;
import dev.grpcpair.testing.FreezableTcpProxy;
import dev.grpcpair.testing.SeedPosts;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.StatusRuntimeException;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.stub.MetadataUtils;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.LongAdder;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.api.parallel.Execution;
import org.junit.jupiter.api.parallel.ExecutionMode;

/**
 * One Post server balancing over three User replicas (static:/// target, round_robin), over Netty.
 * Its tests run side by side: each has replicas of its own, asserts nothing of the log, and mostly
 * waits (for health checks and reconnects).
 */
@Execution(ExecutionMode.CONCURRENT)
class LoadBalancingTest {

  private static final Duration SETTLE = Duration.ofSeconds(30);

  @RegisterExtension final Closer closer = new Closer();
  private final List<GrpcServer> users = new ArrayList<>();

  /** user-b's address: it stays when user-b is restarted on whatever port is free then. */
  private FreezableTcpProxy toB;

  private GrpcServer postServer;
  private ManagedChannel channel;
  private PostGrpc.PostBlockingStub posts;

  @BeforeEach
  void startThreeReplicasAndPost() throws Exception {
    for (String name : List.of("user-a", "user-b", "user-c")) {
      users.add(closer.add(Replicas.startUser(name, 0)));
    }
    toB = closer.add(new FreezableTcpProxy(users.get(1).port()));
    List<Integer> ports = List.of(users.get(0).port(), toB.port(), users.get(2).port());
    postServer =
        closer.add(
            PostServer.start(
                PostServerConfig.parse(
                    "--port=0", "--user-target=" + Replicas.staticTarget(ports))));
    channel = closer.channelTo(postServer.port());
    posts = PostGrpc.newBlockingStub(channel);
    // Until every replica is connected, round_robin only has the ones that are.
    await()
        .atMost(SETTLE)
        .untilAsserted(
            () -> assertThat(servedByIn(30)).containsOnlyKeys("user-a", "user-b", "user-c"));
  }

  private Map<String, Integer> servedByIn(int calls) {
    Map<String, Integer> counts = new ConcurrentHashMap<>();
    for (int i = 0; i < calls; i++) {
      counts.merge(Replicas.servedBy(posts, 5000), 1, Integer::sum);
    }
    return counts;
  }

  @Test
  void roundRobin_spreads300CallsOverAllThreeReplicas() {
    Map<String, Integer> counts = servedByIn(300);

    assertThat(counts).containsOnlyKeys("user-a", "user-b", "user-c");
    assertThat(counts.values()).allSatisfy(count -> assertThat(count).isBetween(75, 126));
  }

  @Test
  void pickFirst_sendsEveryCallToOneReplica(@TempDir Path dir) throws Exception {
    // Balancing is the service config's: a file naming pick_first instead of the embedded one.
    Path pickFirstConfig =
        Files.writeString(
            dir.resolve("pick-first.json"), "{\"loadBalancingConfig\": [{\"pick_first\": {}}]}");
    GrpcServer pickFirst =
        PostServer.start(
            PostServerConfig.parse(
                "--port=0",
                "--user-target=" + Replicas.staticTarget(Replicas.ports(users)),
                "--user-service-config=" + pickFirstConfig));
    ManagedChannel pickFirstChannel = Channels.localhost(pickFirst.port());
    try {
      PostGrpc.PostBlockingStub stub = PostGrpc.newBlockingStub(pickFirstChannel);
      Map<String, Integer> counts = new ConcurrentHashMap<>();
      for (int i = 0; i < 60; i++) {
        counts.merge(Replicas.servedBy(stub, 5000), 1, Integer::sum);
      }
      assertThat(counts).hasSize(1);
    } finally {
      pickFirstChannel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
      pickFirst.stop();
    }
  }

  @Test
  void aCallWhoseLookUpsGoToEveryReplica_namesEachOnceInItsTrailer_sorted() throws Exception {
    // 2,000 posts of 2,000 users: StreamPosts looks their owners up in four chunks of 500, one
    // BatchGetUsers each, which round_robin sends to all three replicas of its own, one twice.
    List<GrpcServer> replicas = new ArrayList<>();
    for (String name : List.of("lookups-c", "lookups-a", "lookups-b")) {
      replicas.add(closer.add(Replicas.startUser(name, 0, "--generate-dataset=2000:0")));
    }
    GrpcServer streaming =
        closer.add(
            PostServer.start(
                PostServerConfig.parse(
                    "--port=0",
                    "--generate-dataset=2000:2000",
                    "--user-target=" + Replicas.staticTarget(Replicas.ports(replicas)))));
    AtomicReference<Metadata> headers = new AtomicReference<>();
    AtomicReference<Metadata> trailers = new AtomicReference<>();
    PostGrpc.PostBlockingStub stub =
        PostGrpc.newBlockingStub(closer.channelTo(streaming.port()))
            .withInterceptors(MetadataUtils.newCaptureMetadataInterceptor(headers, trailers));
    // Until every replica is connected, round_robin only has the ones that are.
    await()
        .atMost(SETTLE)
        .untilAsserted(
            () -> {
              Iterator<PostMessage> posts =
                  stub.withDeadlineAfter(10, TimeUnit.SECONDS)
                      .streamPosts(StreamPostsRequest.getDefaultInstance());
              assertThat(posts).toIterable().hasSize(2000).allMatch(p -> !p.getAuthor().isEmpty());
              assertThat(trailers.get().get(UserReplicaTrail.USER_SERVED_BY))
                  .isEqualTo("lookups-a,lookups-b,lookups-c");
            });
  }

  @Test
  void seedCases_throughThreeReplicas() {
    SeedPosts.assertContractAnswers(posts);
    for (String id : List.of("1", "2", "3", "4", "5")) {
      posts
          .withDeadlineAfter(10, TimeUnit.SECONDS)
          .listPostsByUserId(ListPostsByUserIdRequest.newBuilder().setUserId(id).build());
    }
  }

  @Test
  void replicaReportingNotServing_getsNoNewCallsUntilServingAgain() throws Exception {
    GrpcServer b = users.get(1);

    b.health().setStatus("v1.user.User", ServingStatus.NOT_SERVING);
    await()
        .atMost(Duration.ofSeconds(10))
        .untilAsserted(() -> assertThat(servedByIn(30)).doesNotContainKey("user-b"));
    assertThat(servedByIn(150)).containsOnlyKeys("user-a", "user-c");

    b.health().setStatus("v1.user.User", ServingStatus.SERVING);
    await()
        .atMost(Duration.ofSeconds(10))
        .untilAsserted(() -> assertThat(servedByIn(30)).containsKey("user-b"));
  }

  @Test
  void replicaStoppedAndRestartedUnderLoad_noPostCallFails_andItGetsTrafficAgain()
      throws Exception {
    GrpcServer b = users.get(1);
    AtomicBoolean running = new AtomicBoolean(true);
    LongAdder calls = new LongAdder();
    AtomicLong callsToRestartedB = new AtomicLong();
    AtomicBoolean restarted = new AtomicBoolean();
    List<Throwable> failures = new ArrayList<>();
    ExecutorService load = Executors.newFixedThreadPool(4);
    List<Future<?>> workers = new ArrayList<>();
    for (int i = 0; i < 4; i++) {
      workers.add(
          load.submit(
              () -> {
                while (running.get()) {
                  try {
                    String replica = Replicas.servedBy(posts, 10_000);
                    calls.increment();
                    if (restarted.get() && replica.equals("user-b")) {
                      callsToRestartedB.incrementAndGet();
                    }
                  } catch (StatusRuntimeException e) {
                    synchronized (failures) {
                      failures.add(e);
                    }
                  }
                }
              }));
    }
    try {
      await().atMost(SETTLE).untilAsserted(() -> assertThat(calls.sum()).isGreaterThan(200));
      b.stop();
      long atStop = calls.sum();
      await()
          .atMost(SETTLE)
          .untilAsserted(() -> assertThat(calls.sum()).isGreaterThan(atStop + 300));

      // On a port of its own: the one it had may be another test's by now.
      users.set(1, closer.add(Replicas.startUser("user-b", 0)));
      toB.forwardTo(users.get(1).port());
      restarted.set(true);
      await()
          .atMost(SETTLE)
          .untilAsserted(() -> assertThat(callsToRestartedB.get()).isGreaterThan(20));
    } finally {
      running.set(false);
      for (Future<?> worker : workers) {
        worker.get(30, TimeUnit.SECONDS);
      }
      load.shutdown();
    }

    synchronized (failures) {
      assertThat(failures).as("failed Post calls").isEmpty();
    }
  }
}
