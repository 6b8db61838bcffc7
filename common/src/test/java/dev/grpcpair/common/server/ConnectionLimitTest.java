package dev.grpcpair.common.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.grpcpair.testing.Closer;
import dev.grpcpair.testing.HealthWatch;
import dev.grpcpair.testing.RawHttp2Client;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.health.v1.HealthGrpc;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.OptionalLong;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The connection caps over a real Netty server, attacked by clients that answer PINGs and never
 * call (which keepalive never reaps).
 */
class ConnectionLimitTest {

  @RegisterExtension final Closer closer = new Closer();
  private final ExecutorService readers = Executors.newCachedThreadPool();
  private final Set<Integer> closed = ConcurrentHashMap.newKeySet();
  private int port;

  private GrpcServer start(String... flags) throws IOException {
    closer.add(readers::shutdownNow);
    GrpcServer server = closer.add(GrpcServer.builder("test", 0, ServerFlags.parse(flags)).start());
    port = server.port();
    return server;
  }

  /** Opens {@code count} live idle connections, numbered in the order they were opened. */
  private void openIdle(int first, int count) throws IOException {
    for (int n = first; n < first + count; n++) {
      RawHttp2Client idle = closer.add(RawHttp2Client.connect(port));
      idle.flush();
      int number = n;
      readers.execute(
          () -> {
            idle.answerPingsUntilClosed();
            closed.add(number);
          });
    }
  }

  private void awaitClosed(int oldest) {
    Set<Integer> expected = IntStream.range(0, oldest).boxed().collect(Collectors.toSet());
    await().atMost(Duration.ofSeconds(10)).until(() -> closed.equals(expected));
  }

  private ServingStatus healthOfANewClient() {
    return HealthGrpc.newBlockingStub(closer.channelTo(port))
        .withDeadlineAfter(5, TimeUnit.SECONDS)
        .check(HealthCheckRequest.getDefaultInstance())
        .getStatus();
  }

  @Test
  void pastMaxConnections_theConnectionsIdleLongestAreClosed_andANewClientIsServed()
      throws Exception {
    start("--max-connections=5");

    openIdle(0, 8);
    awaitClosed(3);

    assertThat(healthOfANewClient()).isEqualTo(ServingStatus.SERVING);
    awaitClosed(4);
  }

  @Test
  void pastMaxConnectionsPerPeer_thatAddressesConnectionsIdleLongestAreClosed() throws Exception {
    start("--max-connections-per-peer=3");

    openIdle(0, 5);
    awaitClosed(2);

    assertThat(healthOfANewClient()).isEqualTo(ServingStatus.SERVING);
    awaitClosed(3);
  }

  @Test
  void theHealthPort_sharesTheCaps() throws Exception {
    GrpcServer server = start("--max-connections=3", "--health-port=0");
    openIdle(0, 2); // on the serving port
    port = server.healthPort();
    openIdle(2, 2); // on the health port: four in all

    awaitClosed(1); // the oldest, on the serving port, made room
  }

  @Test
  void connectionsWithACallOpen_areKept_andWhenEveryOneHasOneTheNewcomerIsRefused()
      throws Exception {
    start("--max-connections=2");
    List<HealthWatch> busy =
        List.of(HealthWatch.open(closer.channelTo(port)), HealthWatch.open(closer.channelTo(port)));
    for (HealthWatch watch : busy) {
      assertThat(watch.nextStatus(Duration.ofSeconds(5))).isEqualTo(ServingStatus.SERVING);
    }

    RawHttp2Client newcomer = closer.add(RawHttp2Client.connect(port));
    newcomer.flush();
    CountDownLatch refused = new CountDownLatch(1);
    readers.execute(
        () -> {
          newcomer.answerPingsUntilClosed();
          refused.countDown();
        });

    assertThat(refused.await(10, TimeUnit.SECONDS)).isTrue();
    for (HealthWatch watch : busy) {
      assertThat(watch.ended()).isNotDone();
    }
  }

  @Test
  void theDescriptorLimit_capsConnectionsBelowIt_leavingTheServerItsOwnFiles() {
    ConnectionLimit limit = ConnectionLimit.of(2000, 100, OptionalLong.of(200));

    assertThat(limit.total()).isEqualTo(200 - ConnectionLimit.OWN_DESCRIPTORS - 20);
    assertThat(limit.describe()).contains("at most 116 connections (the descriptor limit, 200");
    assertThat(ConnectionLimit.of(2000, 100, OptionalLong.of(1_048_576)).total()).isEqualTo(2000);
    assertThat(ConnectionLimit.of(2000, 100, OptionalLong.empty()).total()).isEqualTo(2000);
  }
}
