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
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Brings a channel back to a User replica soon after it returns, within bounds. grpc waits longer
 * and longer between attempts to reach a replica that is down (up to two minutes), so one that
 * comes back could wait that long for the calls of a channel that has given up on it. This cuts the
 * wait short ({@code resetConnectBackoff}, which makes no attempt for a replica that is connected):
 * while calls wait for a connection, at most once per {@link #WHEN_CALLED} for the whole channel,
 * and otherwise every {@link #WHEN_IDLE}, give or take a fifth (a replica down among others that
 * answer, or a Post server that reports NOT_SERVING and so gets no calls). A recovering User fleet
 * gets at most one attempt a second from each client whose calls wait or fail and one every ten
 * seconds or so from the others, spread out; replicas that are up get none. Each cut also has grpc
 * resolve the target again, so the idle rounds are also when a channel that nothing else made look
 * finds replicas added since.
 *
 * <p>A call waits from its start, if it finds the channel without a ready connection, until a
 * server answers it or it closes: a call that fails fast stops waiting at once, a wait-for-ready
 * call ({@code --user-wait-for-ready}) until a replica answers or its deadline passes. Waits, not
 * failures, are what is counted: a wait-for-ready call never fails with UNAVAILABLE, and would
 * otherwise wait out the grown backoff or the next idle round while its replicas are back.
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
  private final AtomicInteger waitingCalls = new AtomicInteger();
  private volatile ManagedChannel channel;
  // Only the timer's thread reads and writes it.
  private long nextIdleRound = System.nanoTime() + jittered(WHEN_IDLE);

  /** Starts pacing {@code channel}, built with this among its interceptors. */
  void pace(ManagedChannel channel) {
    this.channel = channel;
    timer.scheduleAtFixedRate(
        this::onTick, WHEN_CALLED.toNanos(), WHEN_CALLED.toNanos(), TimeUnit.NANOSECONDS);
  }

  /** Every {@link #WHEN_CALLED}, on {@link #timer}: a cut while calls wait or when one is due. */
  private void onTick() {
    long now = System.nanoTime();
    boolean idleRoundDue = now - nextIdleRound >= 0;
    if (idleRoundDue) {
      nextIdleRound = now + jittered(WHEN_IDLE);
    }
    if (idleRoundDue || waitingCalls.get() > 0) {
      reconnectIfLastWasBefore(WHEN_CALLED);
    }
  }

  /** {@code interval} give or take a fifth, so that clients started together spread out. */
  private static long jittered(Duration interval) {
    return (long) (interval.toNanos() * (0.8 + 0.4 * ThreadLocalRandom.current().nextDouble()));
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
        waitingCalls.incrementAndGet();
        reconnectIfLastWasBefore(WHEN_CALLED);
        super.start(
            new SimpleForwardingClientCallListener<>(responseListener) {
              // A call's callbacks come one at a time.
              private boolean waiting = true;

              @Override
              public void onHeaders(Metadata headers) {
                stopWaiting();
                super.onHeaders(headers);
              }

              @Override
              public void onClose(Status status, Metadata trailers) {
                stopWaiting();
                super.onClose(status, trailers);
              }

              private void stopWaiting() {
                if (waiting) {
                  waiting = false;
                  waitingCalls.decrementAndGet();
                }
              }
            },
            headers);
      }
    };
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
