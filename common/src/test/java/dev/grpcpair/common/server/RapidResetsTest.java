package dev.grpcpair.common.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.common.util.concurrent.Futures;
import com.google.common.util.concurrent.ListenableFuture;
import dev.grpcpair.testing.Closer;
import dev.grpcpair.testing.FreezableTcpProxy;
import dev.grpcpair.testing.HealthWatch;
import io.grpc.Context;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.stub.StreamObserver;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Resets judged against the streams they are among, over a real Netty server. */
class RapidResetsTest {

  @RegisterExtension final Closer closer = new Closer();

  private GrpcServer server;
  private FreezableTcpProxy proxy;
  private ManagedChannel channel;
  private HealthWatch kept;

  /**
   * A server, a channel to it (through a proxy that counts its connections), and a watch held open
   * on it: the connection's other call.
   */
  @BeforeEach
  void startServerAndHoldAWatch() throws Exception {
    server = closer.add(GrpcServer.builder("test", 0, ServerFlags.parse()).start());
    proxy = closer.add(new FreezableTcpProxy(server.port()));
    channel = closer.channelTo(proxy.port());
    kept = HealthWatch.open(channel);
    assertThat(kept.nextStatus(Duration.ofSeconds(10))).isEqualTo(ServingStatus.SERVING);
  }

  @Test
  void aClientThatCancelsHalfItsCalls_keepsItsConnection_oneThatCancelsNearlyAll_isToldToGoAway()
      throws Exception {

    // Twice the resets grpc's own count allowed (it closed the connection, and this watch with
    // it, at the 1,001st), each among as many calls answered: a client cancelling what it no
    // longer needs, as the Post server does when its callers leave or a hedge loses.
    for (int i = 0; i < 2 * RapidResets.MAX_RESETS; i++) {
      assertThat(cancelAnsweredWatch(channel)).isTrue();
      assertThat(health()).isEqualTo(ServingStatus.SERVING);
    }
    assertThat(kept.ended()).as("the connection's other call").isNotDone();

    // The same resets with nothing else: once they are three in four of the connection's streams,
    // the server tells the client to go away. The channel makes its next calls on a new
    // connection, and the call still open on the old one goes on (a proxy's calls in flight end
    // as they would have) until the grace for it is over, and then ends with the connection.
    for (int i = 0; i < 5 * RapidResets.MAX_RESETS && proxy.connectionsAccepted() == 1; i++) {
      cancelAnsweredWatch(channel);
    }
    assertThat(proxy.connectionsAccepted()).as("connections, once told to go away").isEqualTo(2);
    server.health().setStatus("", ServingStatus.NOT_SERVING);
    assertThat(kept.nextStatus(Duration.ofSeconds(ConnectionLimit.GOAWAY_GRACE_SECONDS)))
        .as("the old connection's open call, after the GOAWAY")
        .isEqualTo(ServingStatus.NOT_SERVING);
    Status ended = kept.ended().get(10, TimeUnit.SECONDS);
    assertThat(ended.getCode()).as(ended.toString()).isEqualTo(Status.Code.UNAVAILABLE);
    assertThat(health()).isEqualTo(ServingStatus.NOT_SERVING);
    assertThat(proxy.connectionsAccepted()).as("connections").isEqualTo(2);
  }

  @Test
  void aBusyClientThatResetsTensOfThousandsOfStreamsAmongMore_keepsItsConnection()
      throws Exception {

    // A Post server whose callers' deadlines pass in a storm resets its calls to a replica by the
    // thousand a second, among more it lets finish. More than 10,000 resets (grpc's own bound was
    // once set there, and closed the connection at the 10,001st) within its 10 s, in rounds of
    // 500 watches answered and then cancelled at once, beside 500 health checks.
    int resets = 0;
    while (resets <= 10_000) {
      CountDownLatch answered = new CountDownLatch(500);
      Context.CancellableContext round = Context.current().withCancellation();
      round.run(
          () -> {
            for (int i = 0; i < 500; i++) {
              HealthGrpc.newStub(channel)
                  .watch(HealthCheckRequest.getDefaultInstance(), firstAnswerCountedIn(answered));
            }
          });
      List<ListenableFuture<HealthCheckResponse>> checks = new ArrayList<>();
      for (int i = 0; i < 500; i++) {
        checks.add(
            HealthGrpc.newFutureStub(channel)
                .withDeadlineAfter(10, TimeUnit.SECONDS)
                .check(HealthCheckRequest.getDefaultInstance()));
      }
      assertThat(answered.await(10, TimeUnit.SECONDS)).as("watches answered").isTrue();
      round.cancel(null);
      resets += 500;
      assertThat(Futures.allAsList(checks).get(10, TimeUnit.SECONDS)).hasSize(500);
    }

    assertThat(kept.ended()).as("the connection's other call").isNotDone();
  }

  /** The server's health, as a check on the channel answers it. */
  private ServingStatus health() {
    return HealthGrpc.newBlockingStub(channel)
        .withDeadlineAfter(10, TimeUnit.SECONDS)
        .check(HealthCheckRequest.getDefaultInstance())
        .getStatus();
  }

  /** Counts a watch's first answer in {@code answered}; ignores how it ends (cancelled). */
  private static StreamObserver<HealthCheckResponse> firstAnswerCountedIn(CountDownLatch answered) {
    return new StreamObserver<>() {
      private boolean counted;

      @Override
      public void onNext(HealthCheckResponse response) {
        if (!counted) {
          counted = true;
          answered.countDown();
        }
      }

      @Override
      public void onError(Throwable t) {}

      @Override
      public void onCompleted() {}
    };
  }

  /**
   * Resets a watch once the server has answered it, so that it is open there; false if it ended
   * first (opened on a connection being closed).
   */
  private static boolean cancelAnsweredWatch(ManagedChannel channel) throws InterruptedException {
    HealthWatch watch = HealthWatch.open(channel);
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (!watch.ended().isDone() && System.nanoTime() < deadline) {
      if (watch.nextStatus(Duration.ofMillis(50)) != null) {
        watch.cancel();
        return true;
      }
    }
    return false;
  }
}
