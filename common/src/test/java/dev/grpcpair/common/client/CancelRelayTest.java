package dev.grpcpair.common.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.grpcpair.common.server.GrpcServer;
import dev.grpcpair.common.server.ServerFlags;
import dev.grpcpair.testing.Channels;
import dev.grpcpair.testing.Closer;
import dev.grpcpair.testing.Streams;
import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.ClientInterceptor;
import io.grpc.ClientInterceptors;
import io.grpc.Context;
import io.grpc.Deadline;
import io.grpc.ForwardingClientCall;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import io.grpc.testing.protobuf.SimpleRequest;
import io.grpc.testing.protobuf.SimpleResponse;
import io.grpc.testing.protobuf.SimpleServiceGrpc;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** How often callers' cancellations reach the server behind, and what is left running instead. */
class CancelRelayTest {

  @RegisterExtension final Closer closer = new Closer();

  private final HoldingService service = new HoldingService();
  // Its window never ends: what a test counts stays in one, however slow the machine.
  private final CancelRelay relay = new CancelRelay(() -> 0L);
  private final SimpleServiceGrpc.SimpleServiceStub calls;

  CancelRelayTest() throws Exception {
    GrpcServer server =
        closer.add(
            // Room for every call a test holds: past the calls left running, and more.
            GrpcServer.builder(
                    "test",
                    0,
                    ServerFlags.parse(
                        "--max-calls-in-flight=8192", "--max-concurrent-calls-per-connection=8192"))
                .addService(service)
                .start());
    ManagedChannel channel = closer.add(Channels.localhost(server.port()));
    calls = SimpleServiceGrpc.newStub(ClientInterceptors.intercept(channel, relay));
  }

  /** Holds every call until {@link #answerAll}, and counts those its client cancels. */
  private static final class HoldingService extends SimpleServiceGrpc.SimpleServiceImplBase {
    final Queue<StreamObserver<SimpleResponse>> held = new ConcurrentLinkedQueue<>();
    final AtomicInteger arrived = new AtomicInteger();
    final AtomicInteger cancelled = new AtomicInteger();
    final AtomicReference<Deadline> lastDeadline = new AtomicReference<>();

    @Override
    public void unaryRpc(SimpleRequest request, StreamObserver<SimpleResponse> answer) {
      hold(answer);
    }

    @Override
    public void serverStreamingRpc(SimpleRequest request, StreamObserver<SimpleResponse> answer) {
      hold(answer);
    }

    private void hold(StreamObserver<SimpleResponse> answer) {
      ((ServerCallStreamObserver<SimpleResponse>) answer)
          .setOnCancelHandler(cancelled::incrementAndGet);
      lastDeadline.set(Context.current().getDeadline());
      held.add(answer);
      arrived.incrementAndGet();
    }

    void answerAll() {
      for (StreamObserver<SimpleResponse> answer; (answer = held.poll()) != null; ) {
        answer.onNext(SimpleResponse.getDefaultInstance());
        answer.onCompleted();
      }
    }
  }

  /**
   * Makes a unary call on {@code stub} in {@code caller}'s context, with {@code deadline} (none if
   * null), and returns how it ended for the caller.
   */
  private static CompletableFuture<Status> unaryIn(
      Context caller, SimpleServiceGrpc.SimpleServiceStub stub, Duration deadline) {
    CompletableFuture<Status> ended = new CompletableFuture<>();
    caller.run(
        () ->
            (deadline == null
                    ? stub
                    : stub.withDeadlineAfter(deadline.toNanos(), TimeUnit.NANOSECONDS))
                .unaryRpc(
                    SimpleRequest.getDefaultInstance(),
                    Streams.collecting(new ArrayList<>(), ended)));
    return ended;
  }

  /**
   * Makes {@code count} calls, each in a context of its own that is cancelled once the server has
   * the call, and returns how each ended for its caller.
   */
  private List<CompletableFuture<Status>> callAndLeave(int count, Duration deadline) {
    List<Context.CancellableContext> callers = new ArrayList<>();
    List<CompletableFuture<Status>> ended = new ArrayList<>();
    int before = service.arrived.get();
    for (int i = 0; i < count; i++) {
      Context.CancellableContext caller = Context.current().withCancellation();
      callers.add(caller);
      ended.add(unaryIn(caller, calls, deadline));
    }
    await().atMost(Duration.ofSeconds(10)).until(() -> service.arrived.get() == before + count);
    callers.forEach(caller -> caller.cancel(null));
    return ended;
  }

  @Test
  void pastAQuarterOfWhatAServerTakes_unaryCallsWhoseCallerLeftAreLeftToBeAnswered() {
    List<CompletableFuture<Status>> passedOn =
        callAndLeave(CancelRelay.MAX_PASSED_ON, Duration.ofSeconds(30));
    await()
        .atMost(Duration.ofSeconds(10))
        .until(() -> service.cancelled.get() == CancelRelay.MAX_PASSED_ON);
    assertThat(passedOn)
        .allSatisfy(ended -> assertThat(ended.join().getCode()).isEqualTo(Status.Code.CANCELLED));

    List<CompletableFuture<Status>> leftRunning = callAndLeave(10, Duration.ofSeconds(30));
    // A call nothing else would end, and a stream, are cancelled all the same.
    List<CompletableFuture<Status>> withoutDeadline = callAndLeave(1, null);
    Context.CancellableContext streamCaller = Context.current().withCancellation();
    CompletableFuture<Status> stream = new CompletableFuture<>();
    int arrivedBefore = service.arrived.get();
    streamCaller.run(
        () ->
            calls
                .withDeadlineAfter(30, TimeUnit.SECONDS)
                .serverStreamingRpc(
                    SimpleRequest.getDefaultInstance(),
                    Streams.collecting(new ArrayList<>(), stream)));
    await().atMost(Duration.ofSeconds(10)).until(() -> service.arrived.get() > arrivedBefore);
    streamCaller.cancel(null);

    assertThat(withoutDeadline.get(0).join().getCode()).isEqualTo(Status.Code.CANCELLED);
    assertThat(stream.join().getCode()).isEqualTo(Status.Code.CANCELLED);
    await()
        .atMost(Duration.ofSeconds(10))
        .until(() -> service.cancelled.get() == CancelRelay.MAX_PASSED_ON + 2);
    assertThat(relay.leftRunning()).isEqualTo(10);
    assertThat(leftRunning).noneMatch(CompletableFuture::isDone);
    service.answerAll();
    assertThat(leftRunning)
        .allSatisfy(ended -> assertThat(ended.join().getCode()).isEqualTo(Status.Code.OK));
    assertThat(relay.leftRunning()).isZero();
  }

  @Test
  void aCallWhoseCallerHasAlreadyGone_isNeverSent_thoughNoCancellationMayBePassedOn() {
    callAndLeave(CancelRelay.MAX_PASSED_ON, Duration.ofSeconds(30));
    int before = service.arrived.get();

    Context.CancellableContext gone = Context.current().withCancellation();
    gone.cancel(null);
    CompletableFuture<Status> ended = unaryIn(gone, calls, Duration.ofSeconds(30));

    assertThat(ended.join().getCode()).isEqualTo(Status.Code.CANCELLED);
    // A call made after it on the same connection arrives; it alone.
    calls.unaryRpc(
        SimpleRequest.getDefaultInstance(),
        Streams.collecting(new ArrayList<>(), new CompletableFuture<>()));
    await().atMost(Duration.ofSeconds(10)).until(() -> service.arrived.get() > before);
    assertThat(service.arrived.get()).isEqualTo(before + 1);
    assertThat(relay.leftRunning()).isZero();
  }

  @Test
  void aCallerGoneWhileTheCallStarts_getsItsCallCancelled_notAnExceptionFromSendingItsRequest() {
    // The caller goes between the relay's look at it and the call's start (on another thread, as
    // a Post server's caller does): the cancellation reaches the relay before the stub has sent
    // the request, which grpc refuses on a cancelled call ("call was cancelled", seen in
    // UnreadAnswersIT as an INTERNAL answer and a stack trace). First a call answered, so that the
    // channel is ready and makes its calls at once, as a Post server's is, not after its config.
    CompletableFuture<Status> first = unaryIn(Context.current(), calls, null);
    await().atMost(Duration.ofSeconds(10)).until(() -> service.arrived.get() == 1);
    service.answerAll();
    assertThat(first.join().getCode()).isEqualTo(Status.Code.OK);
    Context.CancellableContext caller = Context.current().withCancellation();
    SimpleServiceGrpc.SimpleServiceStub leavingAtStart =
        calls.withInterceptors(
            new ClientInterceptor() {
              @Override
              public <Q, A> ClientCall<Q, A> interceptCall(
                  MethodDescriptor<Q, A> method, CallOptions options, Channel next) {
                return new ForwardingClientCall.SimpleForwardingClientCall<>(
                    next.newCall(method, options)) {
                  @Override
                  public void start(Listener<A> listener, Metadata headers) {
                    caller.cancel(null);
                    super.start(listener, headers);
                  }
                };
              }
            });
    CompletableFuture<Status> ended = unaryIn(caller, leavingAtStart, Duration.ofSeconds(30));

    assertThat(ended.join().getCode()).isEqualTo(Status.Code.CANCELLED);
  }

  @Test
  void callsLeftRunningAreBounded_pastTheBoundCancellationsArePassedOnAgain() {
    callAndLeave(
        CancelRelay.MAX_PASSED_ON + CancelRelay.MAX_LEFT_RUNNING + 5, Duration.ofSeconds(30));

    await()
        .atMost(Duration.ofSeconds(10))
        .until(() -> service.cancelled.get() == CancelRelay.MAX_PASSED_ON + 5);
    assertThat(relay.leftRunning()).isEqualTo(CancelRelay.MAX_LEFT_RUNNING);
    service.answerAll();
    await().atMost(Duration.ofSeconds(10)).until(() -> relay.leftRunning() == 0);
  }

  @Test
  void theCallersDeadlineGoesWithTheCall_andEndsIt() {
    ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor();
    closer.add(timer::shutdownNow);
    Context.CancellableContext caller =
        Context.current().withDeadlineAfter(300, TimeUnit.MILLISECONDS, timer);
    CompletableFuture<Status> ended = unaryIn(caller, calls, null);

    assertThat(ended.join().getCode()).isEqualTo(Status.Code.DEADLINE_EXCEEDED);
    assertThat(service.lastDeadline.get()).isNotNull();
    await().atMost(Duration.ofSeconds(10)).until(() -> service.cancelled.get() == 1);
    assertThat(relay.leftRunning()).isZero();
  }
}
