package dev.grpcpair.common.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.grpcpair.testing.Closer;
import dev.grpcpair.testing.HealthWatch;
import dev.grpcpair.testing.IdleConnections;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.health.v1.HealthGrpc;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.OptionalLong;
import java.util.Set;
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
  private final IdleConnections idle = closer.add(new IdleConnections());
  private int port;

  private GrpcServer start(String... flags) throws IOException {
    GrpcServer server = closer.add(GrpcServer.builder("test", 0, ServerFlags.parse(flags)).start());
    port = server.port();
    return server;
  }

  /** Opens {@code count} live idle connections, numbered on from those opened before. */
  private void openIdle(int count) throws IOException {
    idle.open(port, count);
  }

  /** Waits until the server has closed exactly the {@code oldest} connections opened first. */
  private void awaitClosed(int oldest) {
    Set<Integer> expected = IntStream.range(0, oldest).boxed().collect(Collectors.toSet());
    await().atMost(Duration.ofSeconds(10)).until(() -> idle.closed().equals(expected));
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

    openIdle(8);
    awaitClosed(3);

    assertThat(healthOfANewClient()).isEqualTo(ServingStatus.SERVING);
    awaitClosed(4);
  }

  @Test
  void pastMaxConnectionsPerPeer_thatAddressesConnectionsIdleLongestAreClosed() throws Exception {
    start("--max-connections-per-peer=3");

    openIdle(5);
    awaitClosed(2);

    assertThat(healthOfANewClient()).isEqualTo(ServingStatus.SERVING);
    awaitClosed(3);
  }

  @Test
  void theHealthPort_sharesTheCaps() throws Exception {
    GrpcServer server = start("--max-connections=3", "--health-port=0");
    openIdle(2); // on the serving port
    port = server.healthPort();
    openIdle(2); // on the health port: four in all

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

    openIdle(1);

    awaitClosed(1);
    for (HealthWatch watch : busy) {
      assertThat(watch.ended()).isNotDone();
    }
  }

  @Test
  void theDescriptorLimit_capsConnectionsBelowIt_leavingTheServerItsOwnFiles() {
    ConnectionLimit limit = ConnectionLimit.of(2000, 100, OptionalLong.of(200));

    assertThat(limit.total()).isEqualTo(200 - DescriptorLimit.OWN_DESCRIPTORS - 20);
    assertThat(limit.describe()).contains("at most 116 connections (the descriptor limit, 200");
    assertThat(ConnectionLimit.of(2000, 100, OptionalLong.of(1_048_576)).total()).isEqualTo(2000);
    assertThat(ConnectionLimit.of(2000, 100, OptionalLong.empty()).total()).isEqualTo(2000);
  }
}
