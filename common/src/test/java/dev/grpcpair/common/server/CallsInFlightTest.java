package dev.grpcpair.common.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.awaitility.Awaitility.await;

import dev.grpcpair.testing.Channels;
import dev.grpcpair.testing.Closer;
import dev.grpcpair.testing.HealthWatch;
import dev.grpcpair.testing.Streams;
import io.grpc.Context;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.stub.StreamObserver;
import io.grpc.testing.protobuf.SimpleRequest;
import io.grpc.testing.protobuf.SimpleResponse;
import io.grpc.testing.protobuf.SimpleServiceGrpc;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The bound on the calls a server has in flight, all connections together. */
class CallsInFlightTest {

  @RegisterExtension final Closer closer = new Closer();

  /** What a health check of the whole server answers on {@code channel}. */
  private static HealthCheckResponse.ServingStatus healthCheck(ManagedChannel channel) {
    return HealthGrpc.newBlockingStub(channel)
        .withDeadlineAfter(10, TimeUnit.SECONDS)
        .check(HealthCheckRequest.getDefaultInstance())
        .getStatus();
  }

  /** Answers unary calls at once; keeps server-streaming ones open until the client leaves. */
  private static final class HoldingService extends SimpleServiceGrpc.SimpleServiceImplBase {
    final CountDownLatch held = new CountDownLatch(2);
    final AtomicInteger holding = new AtomicInteger();

    @Override
    public void unaryRpc(SimpleRequest request, StreamObserver<SimpleResponse> answer) {
      answer.onNext(SimpleResponse.getDefaultInstance());
      answer.onCompleted();
    }

    @Override
    public void serverStreamingRpc(SimpleRequest request, StreamObserver<SimpleResponse> answer) {
      held.countDown(); // and never ends it
      holding.incrementAndGet();
    }
  }

  @Test
  void pastTheBound_callsAreResourceExhausted_probesAnswer_andEndedCallsMakeRoom()
      throws Exception {
    HoldingService service = new HoldingService();
    GrpcServer server = start(service, "--max-calls-in-flight=2");
    ManagedChannel channel = closer.add(Channels.localhost(server.port()));
    SimpleServiceGrpc.SimpleServiceBlockingStub calls =
        SimpleServiceGrpc.newBlockingStub(channel).withDeadlineAfter(10, TimeUnit.SECONDS);
    // Calls that end free their place: more of them than the bound, one after another.
    for (int i = 0; i < 5; i++) {
      calls.unaryRpc(SimpleRequest.getDefaultInstance());
    }

    Context.CancellableContext holding = Context.current().withCancellation();
    holding.run(
        () -> {
          for (int i = 0; i < 2; i++) {
            SimpleServiceGrpc.newStub(channel)
                .serverStreamingRpc(
                    SimpleRequest.getDefaultInstance(),
                    Streams.collecting(new ArrayList<>(), new CompletableFuture<>()));
          }
        });
    assertThat(service.held.await(10, TimeUnit.SECONDS)).as("two calls held open").isTrue();

    StatusRuntimeException refused =
        catchThrowableOfType(
            StatusRuntimeException.class, () -> calls.unaryRpc(SimpleRequest.getDefaultInstance()));
    assertThat(refused.getStatus().getCode()).isEqualTo(Status.Code.RESOURCE_EXHAUSTED);
    assertThat(refused.getStatus().getDescription())
        .isEqualTo(
            "the server has 2 calls in flight (--max-calls-in-flight); retry later, or elsewhere");
    assertThat(healthCheck(channel)).isEqualTo(HealthCheckResponse.ServingStatus.SERVING);

    holding.cancel(null); // the client leaves: its calls end cancelled, and make room
    await()
        .atMost(Duration.ofSeconds(10))
        .ignoreExceptionsInstanceOf(StatusRuntimeException.class)
        .untilAsserted(
            () -> assertThat(calls.unaryRpc(SimpleRequest.getDefaultInstance())).isNotNull());
  }

  /** A server of {@code service} with {@code flags}. */
  private GrpcServer start(HoldingService service, String... flags) throws IOException {
    return closer.add(
        GrpcServer.builder("test", 0, ServerFlags.parse(flags)).addService(service).start());
  }

  /** Starts {@code count} calls that {@link HoldingService} holds open, or refuses. */
  private static List<CompletableFuture<Status>> hold(ManagedChannel channel, int count) {
    List<CompletableFuture<Status>> calls = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      CompletableFuture<Status> ended = new CompletableFuture<>();
      SimpleServiceGrpc.newStub(channel)
          .serverStreamingRpc(
              SimpleRequest.getDefaultInstance(), Streams.collecting(new ArrayList<>(), ended));
      calls.add(ended);
    }
    return calls;
  }

  @Test
  void twoConnectionsThatWouldFillTheBoundBetweenThem_leaveRoomForAThird() throws Exception {
    HoldingService service = new HoldingService();
    GrpcServer server = start(service, "--max-calls-in-flight=8");
    ManagedChannel first = closer.add(Channels.localhost(server.port()));
    ManagedChannel second = closer.add(Channels.localhost(server.port()));

    // The first connection takes half the bound; the second asks for the other half and is held
    // to its share past three quarters (6): 8 / (2 connections calling + 1) = 2 more.
    hold(first, 4);
    await().atMost(Duration.ofSeconds(10)).until(() -> service.holding.get() == 4);
    List<CompletableFuture<Status>> asked = hold(second, 4);
    await()
        .atMost(Duration.ofSeconds(10))
        .until(() -> service.holding.get() + asked.stream().filter(f -> f.isDone()).count() == 8);
    assertThat(service.holding.get()).isEqualTo(6);
    for (CompletableFuture<Status> refused : asked.stream().filter(f -> f.isDone()).toList()) {
      assertThat(refused.get().getCode()).isEqualTo(Status.Code.RESOURCE_EXHAUSTED);
      assertThat(refused.get().getDescription())
          .isEqualTo(
              "the server has 7 calls in flight (--max-calls-in-flight=8), this connection 3,"
                  + " more than its share (2) while 2 connections call; retry later, or elsewhere");
    }

    // Without shares the two would hold all 8, and refuse this.
    assertThat(
            SimpleServiceGrpc.newBlockingStub(closer.add(Channels.localhost(server.port())))
                .withDeadlineAfter(10, TimeUnit.SECONDS)
                .unaryRpc(SimpleRequest.getDefaultInstance()))
        .isNotNull();
  }

  @Test
  void aConnectionAlone_mayFillTheBound_whileOthersOnlyWatchHealth() throws Exception {
    HoldingService service = new HoldingService();
    GrpcServer server = start(service, "--max-calls-in-flight=8");
    // Health watches are not the server's own calls: their connections take no share.
    for (int i = 0; i < 3; i++) {
      HealthWatch watch = HealthWatch.open(closer.add(Channels.localhost(server.port())));
      assertThat(watch.nextStatus(Duration.ofSeconds(10))).as("a watch is open").isNotNull();
    }

    List<CompletableFuture<Status>> asked = hold(closer.add(Channels.localhost(server.port())), 8);
    await().atMost(Duration.ofSeconds(10)).until(() -> service.holding.get() == 8);
    assertThat(asked).noneMatch(CompletableFuture::isDone);
  }

  /**
   * Health watches last as long as their client wants: 25,600 from one address (100 connections of
   * 256) held 60 MB of the shipped heap. They have a bound of their own, shared with the health
   * port's, past which one is refused; checks and the server's own calls still answer.
   */
  @Test
  void pastTheProbeStreamBound_watchesAreResourceExhausted_onBothPorts_checksAndCallsAnswer()
      throws Exception {
    GrpcServer server =
        closer.add(
            GrpcServer.builder(
                    "test", 0, ServerFlags.parse("--max-probe-streams=2", "--health-port=0"))
                .addService(new HoldingService())
                .start());
    ManagedChannel channel = closer.add(Channels.localhost(server.port()));
    ManagedChannel healthPort = closer.add(Channels.localhost(server.healthPort()));

    Context.CancellableContext watching = Context.current().withCancellation();
    HealthWatch first = watching.call(() -> HealthWatch.open(channel));
    HealthWatch second = watching.call(() -> HealthWatch.open(healthPort));
    assertThat(first.nextStatus(Duration.ofSeconds(10))).as("the first watch is open").isNotNull();
    assertThat(second.nextStatus(Duration.ofSeconds(10))).as("the second is open").isNotNull();

    for (ManagedChannel port : List.of(channel, healthPort)) {
      Status refused = HealthWatch.open(port).ended().get(10, TimeUnit.SECONDS);
      assertThat(refused.getCode()).isEqualTo(Status.Code.RESOURCE_EXHAUSTED);
      assertThat(refused.getDescription())
          .isEqualTo(
              "the server has 2 health watches and reflection streams open"
                  + " (--max-probe-streams); retry later, or elsewhere");
      assertThat(healthCheck(port)).isEqualTo(HealthCheckResponse.ServingStatus.SERVING);
    }
    assertThat(
            SimpleServiceGrpc.newBlockingStub(channel)
                .withDeadlineAfter(10, TimeUnit.SECONDS)
                .unaryRpc(SimpleRequest.getDefaultInstance()))
        .isNotNull();

    watching.cancel(null); // the watchers leave, and make room
    await()
        .atMost(Duration.ofSeconds(10))
        .untilAsserted(
            () -> {
              Context.CancellableContext again = Context.current().withCancellation();
              try {
                HealthWatch watch = again.call(() -> HealthWatch.open(channel));
                assertThat(watch.nextStatus(Duration.ofSeconds(10))).isNotNull();
              } finally {
                again.cancel(null);
              }
            });
  }
}
