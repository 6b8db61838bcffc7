package dev.grpcpair.common.client;

import com.google.common.util.concurrent.MoreExecutors;
import dev.grpcpair.common.server.RapidResets;
import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.ClientInterceptor;
import io.grpc.Context;
import io.grpc.Deadline;
import io.grpc.ForwardingClientCall;
import io.grpc.ForwardingClientCallListener;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicIntegerFieldUpdater;
import java.util.function.LongSupplier;

/**
 * Passes a caller's cancellation on to the server behind (as a reset stream) only as often as a
 * server of this project takes resets from one connection without closing it as a rapid-reset
 * attack ({@link RapidResets}): {@value #MAX_PASSED_ON} in 10 s, a quarter of its bound, which
 * leaves room for the hedged attempts grpc cancels when another one wins. Past that, a call whose
 * caller has gone (a unary one) is left to end by itself: the server answers it or its deadline
 * ends it, and the answer is dropped. Otherwise clients that cancel nearly every call they make (an
 * attacker, or a proxy whose own callers give up) would have the server behind judge this server's
 * connection an attack every thousand or so: told to go away, a new connection each time, and
 * closed at once, failing every other caller's calls on it, if this server sent it more than a
 * thousand calls before it heard the GOAWAY.
 *
 * <p>Calls left running are bounded too: past {@value #MAX_LEFT_RUNNING} at once (a server behind
 * that has stopped answering), cancellations are passed on again. Only unary calls are left
 * running: a stream could go on for its whole deadline, and a call without a deadline for ever; one
 * whose caller has gone before it starts is never sent.
 *
 * <p>Innermost on a channel: grpc resets a call's stream when the {@link Context} it was made in is
 * cancelled, so the call is made in one that carries the caller's values and deadline but not its
 * cancellation, and this class passes the cancellation on when it may.
 */
public final class CancelRelay implements ClientInterceptor {

  static final int MAX_PASSED_ON = RapidResets.MAX_RESETS / 4;
  // As many as a User server takes in flight by default (--max-calls-in-flight): 1,024 were left in
  // a few seconds of a flood of cancelling callers, when answers came slowly to a saturated pair.
  static final int MAX_LEFT_RUNNING = 4096;
  private static final long WINDOW_NANOS = TimeUnit.SECONDS.toNanos(RapidResets.WINDOW_SECONDS);

  private final AtomicInteger leftRunning = new AtomicInteger();
  private final LongSupplier nanoTime;
  private long windowStart;
  private int passedOn;

  public CancelRelay() {
    this(System::nanoTime);
  }

  /** With {@code nanoTime} telling the time, for tests that must not see a window end. */
  CancelRelay(LongSupplier nanoTime) {
    this.nanoTime = nanoTime;
    this.windowStart = nanoTime.getAsLong();
  }

  @Override
  public <Q, A> ClientCall<Q, A> interceptCall(
      MethodDescriptor<Q, A> method, CallOptions options, Channel next) {
    Context caller = Context.current();
    Deadline deadline = earlier(options.getDeadline(), caller.getDeadline());
    if (method.getType() != MethodDescriptor.MethodType.UNARY
        || deadline == null
        || caller.isCancelled()) {
      // A stream could run on for its whole deadline; nothing would end a call without one; a
      // call whose caller has gone already grpc fails at once, sending nothing.
      return next.newCall(method, options);
    }
    Context uncancelled = caller.fork();
    Context previous = uncancelled.attach();
    try {
      return new RelayedCall<>(next.newCall(method, options.withDeadline(deadline)), caller);
    } finally {
      uncancelled.detach(previous);
    }
  }

  /** Calls whose caller has gone, left to end by themselves, now. */
  int leftRunning() {
    return leftRunning.get();
  }

  private static Deadline earlier(Deadline a, Deadline b) {
    return a == null ? b : b == null ? a : a.minimum(b);
  }

  /** Whether a cancellation may be passed on now; counts it if so. */
  private synchronized boolean mayPassOn() {
    long now = nanoTime.getAsLong();
    if (now - windowStart > WINDOW_NANOS) {
      windowStart = now;
      passedOn = 0;
    }
    if (passedOn < MAX_PASSED_ON || leftRunning.get() >= MAX_LEFT_RUNNING) {
      passedOn++;
      return true;
    }
    return false;
  }

  private final class RelayedCall<Q, A>
      extends ForwardingClientCall.SimpleForwardingClientCall<Q, A>
      implements Context.CancellationListener {

    private static final int RUNNING = 0;
    private static final int LEFT_RUNNING = 1;
    private static final int ENDED = 2;

    @SuppressWarnings("rawtypes")
    private static final AtomicIntegerFieldUpdater<RelayedCall> STATE =
        AtomicIntegerFieldUpdater.newUpdater(RelayedCall.class, "state");

    private final Context caller;
    private volatile int state;

    RelayedCall(ClientCall<Q, A> call, Context caller) {
      super(call);
      this.caller = caller;
    }

    @Override
    public void start(Listener<A> listener, Metadata headers) {
      super.start(
          new ForwardingClientCallListener.SimpleForwardingClientCallListener<>(listener) {
            @Override
            public void onClose(Status status, Metadata trailers) {
              ended();
              super.onClose(status, trailers);
            }
          },
          headers);
    }

    /**
     * The caller is listened to from here on, once the request is sent: a cancellation passed on
     * before would have grpc refuse the request the caller's stub sends next ("call was cancelled";
     * no method of a call may follow its cancel). A caller gone already is heard at once; a call
     * that ended meanwhile takes its listener off again, as {@link #ended} may have run first.
     */
    @Override
    public void halfClose() {
      super.halfClose();
      caller.addListener(this, MoreExecutors.directExecutor());
      if (state == ENDED) {
        caller.removeListener(this);
      }
    }

    @Override
    public void cancelled(Context context) {
      // At the caller's deadline the call's own, the same or earlier, ends it.
      if (!(context.cancellationCause() instanceof TimeoutException)) {
        cancel("the caller cancelled", context.cancellationCause());
      }
    }

    @Override
    public void cancel(String message, Throwable cause) {
      if (state == RUNNING && !mayPassOn() && STATE.compareAndSet(this, RUNNING, LEFT_RUNNING)) {
        leftRunning.incrementAndGet();
        return;
      }
      if (state != LEFT_RUNNING) {
        super.cancel(message, cause);
      }
    }

    private void ended() {
      if (STATE.getAndSet(this, ENDED) == LEFT_RUNNING) {
        leftRunning.decrementAndGet();
      }
      caller.removeListener(this);
    }
  }
}
