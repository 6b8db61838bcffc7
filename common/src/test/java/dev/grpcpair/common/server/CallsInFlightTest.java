package dev.grpcpair.common.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.awaitility.Awaitility.await;

import dev.grpcpair.testing.Channels;
import dev.grpcpair.testing.Closer;
import io.grpc.Context;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import io.grpc.stub.StreamObserver;
import io.grpc.testing.protobuf.SimpleRequest;
import io.grpc.testing.protobuf.SimpleResponse;
import io.grpc.testing.protobuf.SimpleServiceGrpc;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The bound on the calls a server has in flight, all connections together. */
class CallsInFlightTest {

  @RegisterExtension final Closer closer = new Closer();

  /** Answers unary calls at once; keeps server-streaming ones open until the client leaves. */
  private static final class HoldingService extends SimpleServiceGrpc.SimpleServiceImplBase {
    final CountDownLatch held = new CountDownLatch(2);

    @Override
    public void unaryRpc(SimpleRequest request, StreamObserver<SimpleResponse> answer) {
      answer.onNext(SimpleResponse.getDefaultInstance());
      answer.onCompleted();
    }

    @Override
    public void serverStreamingRpc(SimpleRequest request, StreamObserver<SimpleResponse> answer) {
      held.countDown(); // and never ends it
    }
  }

  @Test
  void pastTheBound_callsAreResourceExhausted_probesAnswer_andEndedCallsMakeRoom()
      throws Exception {
    HoldingService service = new HoldingService();
    GrpcServer server =
        closer.add(
            GrpcServer.builder("test", 0, ServerFlags.parse("--max-calls-in-flight=2"))
                .addService(service)
                .start());
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
                .serverStreamingRpc(SimpleRequest.getDefaultInstance(), new Ignored());
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
    assertThat(
            HealthGrpc.newBlockingStub(channel)
                .withDeadlineAfter(10, TimeUnit.SECONDS)
                .check(HealthCheckRequest.getDefaultInstance())
                .getStatus())
        .isEqualTo(HealthCheckResponse.ServingStatus.SERVING);

    holding.cancel(null); // the client leaves: its calls end cancelled, and make room
    await()
        .atMost(Duration.ofSeconds(10))
        .ignoreExceptionsInstanceOf(StatusRuntimeException.class)
        .untilAsserted(
            () -> assertThat(calls.unaryRpc(SimpleRequest.getDefaultInstance())).isNotNull());
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
    Watch first = new Watch();
    Watch second = new Watch();
    watching.run(
        () -> {
          HealthGrpc.newStub(channel).watch(HealthCheckRequest.getDefaultInstance(), first);
          HealthGrpc.newStub(healthPort).watch(HealthCheckRequest.getDefaultInstance(), second);
        });
    assertThat(first.told.await(10, TimeUnit.SECONDS)).as("the first watch is open").isTrue();
    assertThat(second.told.await(10, TimeUnit.SECONDS)).as("the second watch is open").isTrue();

    for (ManagedChannel port : List.of(channel, healthPort)) {
      Watch refused = new Watch();
      HealthGrpc.newStub(port).watch(HealthCheckRequest.getDefaultInstance(), refused);
      assertThat(refused.ended.await(10, TimeUnit.SECONDS)).as("the third watch ends").isTrue();
      assertThat(refused.status.getCode()).isEqualTo(Status.Code.RESOURCE_EXHAUSTED);
      assertThat(refused.status.getDescription())
          .isEqualTo(
              "the server has 2 health watches and reflection streams open"
                  + " (--max-probe-streams); retry later, or elsewhere");
      assertThat(
              HealthGrpc.newBlockingStub(port)
                  .withDeadlineAfter(10, TimeUnit.SECONDS)
                  .check(HealthCheckRequest.getDefaultInstance())
                  .getStatus())
          .isEqualTo(HealthCheckResponse.ServingStatus.SERVING);
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
              Watch again = new Watch();
              HealthGrpc.newStub(channel).watch(HealthCheckRequest.getDefaultInstance(), again);
              try {
                assertThat(again.told.await(10, TimeUnit.SECONDS)).isTrue();
              } finally {
                again.cancel();
              }
            });
  }

  /** A health watch: what it was told first, and how it ended. */
  private static final class Watch
      implements ClientResponseObserver<HealthCheckRequest, HealthCheckResponse> {
    final CountDownLatch told = new CountDownLatch(1);
    final CountDownLatch ended = new CountDownLatch(1);
    volatile Status status;
    private volatile ClientCallStreamObserver<HealthCheckRequest> call;

    @Override
    public void beforeStart(ClientCallStreamObserver<HealthCheckRequest> call) {
      this.call = call;
    }

    @Override
    public void onNext(HealthCheckResponse value) {
      told.countDown();
    }

    @Override
    public void onError(Throwable t) {
      status = Status.fromThrowable(t);
      ended.countDown();
    }

    @Override
    public void onCompleted() {
      status = Status.OK;
      ended.countDown();
    }

    void cancel() {
      call.cancel("done", null);
    }
  }

  private static final class Ignored implements StreamObserver<SimpleResponse> {
    @Override
    public void onNext(SimpleResponse value) {}

    @Override
    public void onError(Throwable t) {}

    @Override
    public void onCompleted() {}
  }
}
