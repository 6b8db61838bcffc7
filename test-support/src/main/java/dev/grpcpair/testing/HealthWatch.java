package dev.grpcpair.testing;

import io.grpc.Channel;
import io.grpc.Status;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import java.time.Duration;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * An open {@code grpc.health.v1.Health/Watch} of a whole server: the statuses it reports, and how
 * it ended.
 */
public final class HealthWatch {

  private final BlockingQueue<ServingStatus> statuses = new LinkedBlockingQueue<>();
  private final CompletableFuture<Status> ended = new CompletableFuture<>();
  private volatile ClientCallStreamObserver<HealthCheckRequest> call;

  private HealthWatch() {}

  /**
   * Starts watching the server's overall status ({@code ""}); the call stays open until the server
   * ends it.
   */
  public static HealthWatch open(Channel channel) {
    HealthWatch watch = new HealthWatch();
    HealthGrpc.newStub(channel)
        .watch(
            HealthCheckRequest.getDefaultInstance(),
            new ClientResponseObserver<HealthCheckRequest, HealthCheckResponse>() {
              @Override
              public void beforeStart(ClientCallStreamObserver<HealthCheckRequest> call) {
                watch.call = call;
              }

              @Override
              public void onNext(HealthCheckResponse response) {
                watch.statuses.add(response.getStatus());
              }

              @Override
              public void onError(Throwable t) {
                watch.ended.complete(Status.fromThrowable(t));
              }

              @Override
              public void onCompleted() {
                watch.ended.complete(Status.OK);
              }
            });
    return watch;
  }

  /** The next status the server reports, or null if it reports none within {@code timeout}. */
  public ServingStatus nextStatus(Duration timeout) throws InterruptedException {
    return statuses.poll(timeout.toMillis(), TimeUnit.MILLISECONDS);
  }

  /** Ends the watch from the client's side: a reset stream. */
  public void cancel() {
    call.cancel("the test is done watching", null);
  }

  /** Completes with the status the watch ended with. */
  public CompletableFuture<Status> ended() {
    return ended;
  }
}
