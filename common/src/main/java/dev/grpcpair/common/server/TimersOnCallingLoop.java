package dev.grpcpair.common.server;

import io.grpc.netty.shaded.io.netty.channel.IoHandlerFactory;
import io.grpc.netty.shaded.io.netty.channel.MultiThreadIoEventLoopGroup;
import io.grpc.netty.shaded.io.netty.util.concurrent.EventExecutor;
import io.grpc.netty.shaded.io.netty.util.concurrent.ScheduledFuture;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;

/**
 * Event loops that set each timer on the loop that asks for it. A grpc channel on a group takes the
 * group as its timer service: each call made on it sets a deadline timer and, with a hedging
 * policy, a hedge timer, which Netty's group puts on its loops in turn, whichever loop the call
 * runs on. A timer on another loop is handed to that loop's task queue and wakes it, and so is its
 * cancellation when the call ends; set on the calling loop, it costs neither. Connections are still
 * spread over the loops in turn.
 */
final class TimersOnCallingLoop extends MultiThreadIoEventLoopGroup {
  private final EventExecutor[] loops;

  TimersOnCallingLoop(int threads, ThreadFactory threadFactory, IoHandlerFactory handlers) {
    super(threads, threadFactory, handlers);
    List<EventExecutor> all = new ArrayList<>();
    forEach(all::add);
    loops = all.toArray(EventExecutor[]::new);
  }

  /** The loop the calling thread runs, else the next in turn. */
  private EventExecutor timerLoop() {
    for (EventExecutor loop : loops) {
      if (loop.inEventLoop()) {
        return loop;
      }
    }
    return next();
  }

  @Override
  public ScheduledFuture<?> schedule(Runnable command, long delay, TimeUnit unit) {
    return timerLoop().schedule(command, delay, unit);
  }

  @Override
  public <V> ScheduledFuture<V> schedule(Callable<V> callable, long delay, TimeUnit unit) {
    return timerLoop().schedule(callable, delay, unit);
  }

  @Override
  public ScheduledFuture<?> scheduleAtFixedRate(
      Runnable command, long initialDelay, long period, TimeUnit unit) {
    return timerLoop().scheduleAtFixedRate(command, initialDelay, period, unit);
  }

  @Override
  public ScheduledFuture<?> scheduleWithFixedDelay(
      Runnable command, long initialDelay, long delay, TimeUnit unit) {
    return timerLoop().scheduleWithFixedDelay(command, initialDelay, delay, unit);
  }
}
