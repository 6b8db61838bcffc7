package dev.grpcpair.gateway;

import io.netty.channel.IoHandlerFactory;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.util.concurrent.EventExecutor;
import io.netty.util.concurrent.ScheduledFuture;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;

/**
 * The servers' {@code TimersOnCallingLoop} (common), which extends grpc's shaded copy of Netty, on
 * the gateway's own Netty: each call's deadline and hedge timers set on the loop that makes the
 * call.
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
