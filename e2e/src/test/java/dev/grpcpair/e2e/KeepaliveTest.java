package dev.grpcpair.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.grpcpair.common.server.GrpcServer;
import dev.grpcpair.post.PostServer;
import dev.grpcpair.post.PostServerConfig;
import dev.grpcpair.proto.post.v1.PostGrpc;
import dev.grpcpair.testing.Channels;
import dev.grpcpair.testing.Closer;
import dev.grpcpair.testing.FreezableTcpProxy;
import dev.grpcpair.testing.RawHttp2Client;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.parallel.Execution;
import org.junit.jupiter.api.parallel.ExecutionMode;

/**
 * A User replica gone silent (hedging, then keepalive) and keepalive on both sides, over Netty.
 * grpc-java pings at most every 10s, so the Post server's detection of a silent replica takes a
 * while: these run side by side (each has servers of its own and asserts nothing of the log).
 */
@Execution(ExecutionMode.CONCURRENT)
class KeepaliveTest {

  private static final Duration KEEPALIVE = Duration.ofSeconds(10);
  private static final Duration KEEPALIVE_TIMEOUT = Duration.ofSeconds(1);

  @RegisterExtension final Closer toClose = new Closer();

  /**
   * The service config that docs/replicas.md offers instead of the shipped one: a retry policy, not
   * hedging, so a call sent to a silent replica is never sent elsewhere, and only keepalive can get
   * it answered.
   */
  private static final Path RETRIES_ONLY =
      Path.of(System.getProperty("projectRoot"), "deploy", "user-service-config-retries.json");

  /**
   * A Post server, with {@code postFlags}, over two User replicas: user-healthy, and user-silent
   * behind a proxy that stops forwarding once both have answered, the silent one's connection left
   * open (a frozen process, a host gone quiet).
   */
  private PostGrpc.PostBlockingStub postsWithOneReplicaGoneSilent(String... postFlags)
      throws Exception {
    // Replicas permit the UserClient's 10s pings.
    GrpcServer silent =
        toClose.add(Replicas.startUser("user-silent", 0, "--permit-keepalive-time=5s"));
    GrpcServer healthy =
        toClose.add(Replicas.startUser("user-healthy", 0, "--permit-keepalive-time=5s"));
    FreezableTcpProxy proxy = toClose.add(new FreezableTcpProxy(silent.port()));
    List<String> args =
        new ArrayList<>(
            List.of(
                "--port=0",
                "--user-target=" + Replicas.staticTarget(List.of(proxy.port(), healthy.port()))));
    args.addAll(List.of(postFlags));
    GrpcServer postServer =
        toClose.add(PostServer.start(PostServerConfig.parse(args.toArray(String[]::new))));
    PostGrpc.PostBlockingStub posts =
        PostGrpc.newBlockingStub(toClose.add(Channels.localhost(postServer.port())));
    await()
        .atMost(Duration.ofSeconds(30))
        .untilAsserted(
            () -> {
              Map<String, Integer> seen = new HashMap<>();
              for (int i = 0; i < 10; i++) {
                seen.merge(Replicas.servedBy(posts, 5000), 1, Integer::sum);
              }
              assertThat(seen).containsOnlyKeys("user-silent", "user-healthy");
            });

    proxy.freeze();
    return posts;
  }

  @Test
  void userReplicaThatStopsAnswering_isDetectedAndThePostCallFailsOver() throws Exception {
    PostGrpc.PostBlockingStub posts =
        postsWithOneReplicaGoneSilent(
            "--user-service-config=" + RETRIES_ONLY,
            "--user-keepalive-time=" + KEEPALIVE.toMillis() + "ms",
            "--user-keepalive-timeout=" + KEEPALIVE_TIMEOUT.toMillis() + "ms");

    // Each call has keepalive time + timeout, and some slack, to fail over: a call sent to the
    // silent replica waits for keepalive to declare the connection dead, then is retried on the
    // healthy one.
    long deadline = KEEPALIVE.plus(KEEPALIVE_TIMEOUT).plusSeconds(5).toMillis();
    for (int i = 0; i < 6; i++) {
      assertThat(Replicas.servedBy(posts, deadline)).isEqualTo("user-healthy");
    }
  }

  /**
   * As shipped, keepalive drops a silent replica's connection up to 40 s after it went quiet (30 s
   * + 10 s); until then each call sent to it is sent again to the next replica after the hedging
   * delay (0.5 s), instead of waiting out its deadline.
   */
  @Test
  void userReplicaThatStopsAnswering_costsItsCallsTheHedgingDelay_notTheirDeadline()
      throws Exception {
    PostGrpc.PostBlockingStub posts = postsWithOneReplicaGoneSilent();

    for (int i = 0; i < 10; i++) {
      assertThat(Replicas.servedBy(posts, 5000)).isEqualTo("user-healthy");
    }
  }

  @Test
  void clientPingingFasterThanPermitted_getsGoawayTooManyPings() throws Exception {
    // The server permits a ping every 5 minutes; this client, with a call open, pings three times
    // at once (grpc-java's own client never pings more often than every 10s, and is told the same).
    GrpcServer server = Replicas.startUser("strict", 0, "--permit-keepalive-time=5m");
    toClose.add(server);
    RawHttp2Client client = RawHttp2Client.connect(server.port());
    toClose.add(client);
    client.openCall("/grpc.health.v1.Health/Watch");
    for (int ping = 0; ping < 3; ping++) {
      client.ping();
    }
    client.flush();

    RawHttp2Client.GoAway goAway = client.readGoAway(Duration.ofSeconds(30));
    assertThat(goAway.code()).as("ENHANCE_YOUR_CALM").isEqualTo(0xb);
    assertThat(goAway.debugData()).isEqualTo("too_many_pings");
  }
}
