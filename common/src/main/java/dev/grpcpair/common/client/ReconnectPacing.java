package dev.grpcpair.common.client;

import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.ClientInterceptor;
import io.grpc.ConnectivityState;
import io.grpc.ForwardingClientCall.SimpleForwardingClientCall;
import io.grpc.ForwardingClientCallListener.SimpleForwardingClientCallListener;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Brings a channel back to a User replica soon after it returns, within bounds. grpc waits longer
 * and longer between attempts to reach a replica that is down (up to two minutes), so one that
 * comes back could wait that long for the calls of a channel that has given up on it. This cuts the
 * wait short ({@code resetConnectBackoff}, which makes no attempt for a replica that is connected):
 * when a call fails for want of a connection, at most once per {@link #WHEN_CALLED} for the whole
 * channel, and otherwise every {@link #WHEN_IDLE}, give or take a fifth (a replica down among
 * others that answer, or a Post server that reports NOT_SERVING and so gets no calls). A recovering
 * User fleet gets at most one attempt a second from each client whose calls fail and one every ten
 * seconds or so from the others, spread out; replicas that are up get none.
 */
public final class ReconnectPacing implements ClientInterceptor, AutoCloseable {

  static final Duration WHEN_CALLED = Duration.ofSeconds(1);
  static final Duration WHEN_IDLE = Duration.ofSeconds(10);

  private final ScheduledExecutorService timer =
      Executors.newSingleThreadScheduledExecutor(
          runnable -> {
            Thread thread = new Thread(runnable, "user-reconnect-pacing");
            thread.setDaemon(true);
            return thread;
          });
  private final AtomicLong lastReset = new AtomicLong(System.nanoTime());
  private volatile ManagedChannel channel;

  /** Starts pacing {@code channel}, built with this among its interceptors. */
  void pace(ManagedChannel channel) {
    this.channel = channel;
    scheduleIdleReconnect();
  }

  @Override
  public <ReqT, RespT> ClientCall<ReqT, RespT> interceptCall(
      MethodDescriptor<ReqT, RespT> method, CallOptions callOptions, Channel next) {
    ManagedChannel paced = channel;
    if (paced == null || paced.getState(false) == ConnectivityState.READY) {
      // Connected (almost every call): nothing to watch for, and nothing added to the call. A call
      // that a dropped connection fails leaves the channel unready for the calls after it.
      return next.newCall(method, callOptions);
    }
    return new SimpleForwardingClientCall<>(next.newCall(method, callOptions)) {
      @Override
      public void start(Listener<RespT> responseListener, Metadata headers) {
        super.start(
            new SimpleForwardingClientCallListener<>(responseListener) {
              @Override
              public void onClose(Status status, Metadata trailers) {
                if (status.getCode() == Status.Code.UNAVAILABLE) {
                  reconnectIfLastWasBefore(WHEN_CALLED);
                }
                super.onClose(status, trailers);
              }
            },
            headers);
      }
    };
  }

  private void scheduleIdleReconnect() {
    double jitter = 0.8 + 0.4 * ThreadLocalRandom.current().nextDouble();
    try {
      timer.schedule(
          () -> {
            reconnectIfLastWasBefore(WHEN_CALLED);
            scheduleIdleReconnect();
          },
          (long) (WHEN_IDLE.toNanos() * jitter),
          TimeUnit.NANOSECONDS);
    } catch (RejectedExecutionException closed) {
      // The channel is closing: nothing to reconnect.
    }
  }

  /** Cuts the backoff short if the last cut is that old. */
  private void reconnectIfLastWasBefore(Duration interval) {
    ManagedChannel paced = channel;
    if (paced == null) {
      return;
    }
    long now = System.nanoTime();
    long last = lastReset.get();
    if (now - last >= interval.toNanos() && lastReset.compareAndSet(last, now)) {
      paced.resetConnectBackoff();
    }
  }

  @Override
  public void close() {
    timer.shutdownNow();
  }
}
