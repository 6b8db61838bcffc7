package dev.grpcpair.post;

import static dev.grpcpair.testing.GrpcAssertions.codeOf;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.grpcpair.common.client.UserChannel;
import dev.grpcpair.common.client.UserChannelFlags;
import dev.grpcpair.common.observability.Telemetry;
import dev.grpcpair.common.server.GrpcServer;
import dev.grpcpair.proto.user.v1.GetUserRequest;
import dev.grpcpair.proto.user.v1.UserGrpc;
import io.grpc.Status;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class UserChannelTest {

  private static final int CALLERS = 8;

  private static UserChannelFlags flags(String... args) {
    return PostServerConfig.parse(args).user;
  }

  @Test
  void embedded_roundRobinWithHealthCheckingAndHedging() {
    Map<String, ?> config = UserChannel.serviceConfig(flags());

    assertThat(config.get("loadBalancingConfig"))
        .isEqualTo(List.of(Map.of("round_robin", Map.of())));
    assertThat(config.get("healthCheckConfig")).isEqualTo(Map.of("serviceName", "v1.user.User"));
    assertThat(config.get("methodConfig").toString()).contains("hedgingPolicy", "UNAVAILABLE");
  }

  @Test
  void aServiceConfigFile_isTakenAsItIs(@TempDir Path dir) throws IOException {
    Path pickFirst =
        Files.writeString(
            dir.resolve("pick-first.json"), "{\"loadBalancingConfig\": [{\"pick_first\": {}}]}");

    assertThat(UserChannel.serviceConfig(flags("--user-service-config=" + pickFirst)))
        .isEqualTo(Map.of("loadBalancingConfig", List.of(Map.of("pick_first", Map.of()))));
  }

  @Test
  void emptyTarget_isRefusedNamingTheFlagAndItsForms() {
    assertThatThrownBy(() -> flags("--user-target="))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(
            "--user-target is empty: give host:port, dns:///host:port or static:///host:port,...");
  }

  @Test
  void badOrMissingFile_saysWhich(@TempDir Path dir) throws IOException {
    Path broken = Files.writeString(dir.resolve("broken.json"), "{\"loadBalancingConfig\": [");

    assertThatThrownBy(() -> UserChannel.serviceConfig(flags("--user-service-config=" + broken)))
        .hasMessageContaining("broken.json is not valid JSON");
    assertThatThrownBy(
            () ->
                UserChannel.serviceConfig(
                    flags("--user-service-config=" + dir.resolve("none.json"))))
        .hasMessageContaining("does not exist");
  }

  @Test
  void close_withACallStillUnanswered_returnsOnceTheChannelHasTerminated() throws Exception {
    ScriptedUserService users = new ScriptedUserService();
    users.hold();
    GrpcServer server = users.serve();
    try {
      UserChannel channel =
          UserChannel.open(
              flags("--user-target=localhost:" + server.port()),
              Duration.ofMinutes(1),
              Telemetry.NONE);
      UserGrpc.newFutureStub(channel.managed())
          .withDeadlineAfter(30, TimeUnit.SECONDS)
          .getUser(GetUserRequest.newBuilder().setUserId("1").build());
      await().atMost(Duration.ofSeconds(10)).until(() -> users.getUserCalls() == 1);

      channel.close();

      // Its owner stops the event loops the channel runs on next: nothing of it may be left
      // running to start a connection on a stopped loop.
      assertThat(channel.managed().isTerminated()).isTrue();
    } finally {
      users.release();
      server.stop();
    }
  }

  @Test
  void aUserReplicaThatIsDown_isTriedAtMostOnceASecond_howeverManyCallsFail() throws Exception {
    try (ServerSocket closing = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
      // Takes each connection and closes it: a replica that is down, counting the attempts.
      AtomicInteger attempts = new AtomicInteger();
      Thread acceptor =
          new Thread(
              () -> {
                while (!closing.isClosed()) {
                  try {
                    closing.accept().close();
                    attempts.incrementAndGet();
                  } catch (IOException closed) {
                    return;
                  }
                }
              });
      acceptor.setDaemon(true);
      acceptor.start();
      long opened = System.nanoTime();
      UserChannel channel =
          UserChannel.open(
              flags("--user-target=localhost:" + closing.getLocalPort()),
              Duration.ofMinutes(1),
              Telemetry.NONE);
      ExecutorService callers = Executors.newFixedThreadPool(CALLERS);
      try {
        // Each call fails after its hedges (0.5 s apart), so several callers keep calls failing.
        long end = System.nanoTime() + Duration.ofSeconds(3).toNanos();
        List<Callable<Integer>> failingCalls =
            Collections.nCopies(
                CALLERS,
                () -> {
                  int failed = 0;
                  while (System.nanoTime() - end < 0) {
                    assertThat(
                            codeOf(
                                () ->
                                    UserGrpc.newBlockingStub(channel.managed())
                                        .withDeadlineAfter(2, TimeUnit.SECONDS)
                                        .getUser(
                                            GetUserRequest.newBuilder().setUserId("1").build())))
                        .isEqualTo(Status.Code.UNAVAILABLE);
                    failed++;
                  }
                  return failed;
                });
        int failed = 0;
        for (Future<Integer> caller : callers.invokeAll(failingCalls)) {
          failed += caller.get();
        }

        double seconds = (System.nanoTime() - opened) / 1e9;
        assertThat(failed).as("calls failed for want of a connection").isGreaterThan(10);
        // The first try, then grpc's own tries, at most one per 0.8 s (its first backoff, less
        // its jitter), and the cuts that failed calls make, at most one a second: about 7 over
        // the 3 s of calls and the last ones' hedges, more on a machine so busy that calls take
        // longer, and far fewer than the calls that failed, each of which would cut it short.
        int atMost = 1 + (int) (seconds / 0.8 + seconds);
        assertThat(attempts.get())
            .as("attempts to connect in %.1f s while %d calls failed", seconds, failed)
            .isBetween(1, atMost);
      } finally {
        callers.shutdownNow();
        channel.close();
      }
    }
  }
}
