package dev.grpcpair.post;

import com.google.common.util.concurrent.FutureCallback;
import com.google.common.util.concurrent.Futures;
import com.google.common.util.concurrent.ListenableFuture;
import com.google.common.util.concurrent.MoreExecutors;
import io.grpc.Context;
import io.grpc.stub.StreamObserver;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * How a handler answers from a future without a thread waiting for it. The continuation runs in the
 * handler's {@link Context} (deadline, request id, identity), and any failure, the future's or the
 * continuation's, goes to {@code onError} as it is, for the server's {@code RecoveryInterceptor} to
 * map.
 */
final class Replies {

  private Replies() {}

  /** Answers {@code observer} with {@code response} of the future's value, then completes. */
  static <T, R> void answer(
      ListenableFuture<T> future, StreamObserver<R> observer, Function<T, R> response) {
    whenDone(
        future,
        observer,
        value -> {
          observer.onNext(response.apply(value));
          observer.onCompleted();
        });
  }

  /** Runs {@code next} with the future's value; a failure ends the call instead. */
  static <T> void whenDone(
      ListenableFuture<T> future, StreamObserver<?> observer, Consumer<T> next) {
    Futures.addCallback(
        future,
        new FutureCallback<T>() {
          @Override
          public void onSuccess(T value) {
            try {
              next.accept(value);
            } catch (RuntimeException e) {
              observer.onError(e);
            }
          }

          @Override
          public void onFailure(Throwable failure) {
            observer.onError(failure);
          }
        },
        Context.current().fixedContextExecutor(MoreExecutors.directExecutor()));
  }
}
