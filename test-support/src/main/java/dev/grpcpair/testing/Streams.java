package dev.grpcpair.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.grpc.Status;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import io.grpc.stub.StreamObserver;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/** Client sides of streaming calls for the tests: one that collects, one that reads slowly. */
public final class Streams {

  private Streams() {}

  /**
   * An observer that adds every message to {@code into} and completes {@code done} with the status.
   */
  public static <T> StreamObserver<T> collecting(List<T> into, CompletableFuture<Status> done) {
    return new StreamObserver<>() {
      @Override
      public void onNext(T value) {
        into.add(value);
      }

      @Override
      public void onError(Throwable t) {
        done.complete(Status.fromThrowable(t));
      }

      @Override
      public void onCompleted() {
        done.complete(Status.OK);
      }
    };
  }

  /** A client that reads only as many messages as it asks for (manual flow control). */
  public static final class SlowReader<T> implements ClientResponseObserver<Object, T> {
    private final int initial;
    private final AtomicInteger received = new AtomicInteger();
    private final CompletableFuture<Status> done = new CompletableFuture<>();
    private volatile ClientCallStreamObserver<Object> call;

    public SlowReader(int initial) {
      this.initial = initial;
    }

    @Override
    public void beforeStart(ClientCallStreamObserver<Object> requestStream) {
      call = requestStream;
      requestStream.disableAutoRequestWithInitial(initial);
    }

    @Override
    public void onNext(T value) {
      received.incrementAndGet();
    }

    @Override
    public void onError(Throwable t) {
      done.complete(Status.fromThrowable(t));
    }

    @Override
    public void onCompleted() {
      done.complete(Status.OK);
    }

    public int received() {
      return received.get();
    }

    public void readMore(int count) {
      call.request(count);
    }

    public void cancel() {
      call.cancel("the test has read enough", null);
    }

    public CompletableFuture<Status> done() {
      return done;
    }

    /**
     * While this reader asks for no more, the server must stay fewer than {@code maxAhead} messages
     * ahead of it for a whole second, after it has been seen offering more and held back by flow
     * control (so the second is not one in which it merely did not run); asked for {@code total},
     * it must then send them all.
     */
    public void assertHeldBackThenDrained(CallCounter sent, int maxAhead, int total)
        throws Exception {
      await().atMost(Duration.ofSeconds(10)).until(() -> sent.heldBack() > 0);
      await()
          .during(Duration.ofSeconds(1))
          .atMost(Duration.ofSeconds(6))
          .untilAsserted(() -> assertThat(sent.messagesSent()).isLessThan(maxAhead));
      readMore(total);
      assertThat(done().get(60, TimeUnit.SECONDS).isOk()).isTrue();
      assertThat(received()).isEqualTo(total);
    }
  }
}
