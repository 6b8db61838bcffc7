package dev.grpcpair.common.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.netty.shaded.io.netty.channel.MultiThreadIoEventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.nio.NioIoHandler;
import io.grpc.netty.shaded.io.netty.channel.socket.nio.NioSocketChannel;
import io.grpc.netty.shaded.io.netty.util.concurrent.DefaultThreadFactory;
import io.grpc.netty.shaded.io.netty.util.concurrent.EventExecutor;
import io.grpc.protobuf.services.HealthStatusManager;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class TimersOnCallingLoopTest {

  private static final long MILLISECOND = TimeUnit.MILLISECONDS.toNanos(1);
  private static final long HOUR = TimeUnit.HOURS.toNanos(1);

  private final TimersOnCallingLoop group =
      new TimersOnCallingLoop(
          3, new DefaultThreadFactory("timers-test", true), NioIoHandler.newFactory());

  @AfterEach
  void close() {
    group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
  }

  @Test
  void aTimerSetOnALoop_runsOnThatLoop_whicheverWayItIsSet() throws Exception {
    for (EventExecutor loop : loops()) {
      Set<Thread> ranOn = ConcurrentHashMap.newKeySet();
      CountDownLatch ran = new CountDownLatch(4);
      Runnable record =
          () -> {
            ranOn.add(Thread.currentThread());
            ran.countDown();
          };
      List<ScheduledFuture<?>> repeating = new ArrayList<>();
      loop.submit(
              () -> {
                // Netty's group would put these on its three loops in turn.
                group.schedule(record, 1, TimeUnit.MILLISECONDS);
                group.schedule(
                    () -> {
                      record.run();
                      return null;
                    },
                    1,
                    TimeUnit.MILLISECONDS);
                repeating.add(
                    group.scheduleAtFixedRate(record, MILLISECOND, HOUR, TimeUnit.NANOSECONDS));
                repeating.add(
                    group.scheduleWithFixedDelay(record, MILLISECOND, HOUR, TimeUnit.NANOSECONDS));
              })
          .sync();

      assertThat(ran.await(10, TimeUnit.SECONDS)).as("every timer ran").isTrue();
      Thread loopThread = loop.submit(Thread::currentThread).get();
      assertThat(ranOn).containsExactly(loopThread);
      repeating.forEach(timer -> timer.cancel(false));
    }
  }

  @Test
  void aTimerSetOffTheLoops_runsOnOneOfThem() throws Exception {
    Set<Thread> loopThreads = ConcurrentHashMap.newKeySet();
    for (EventExecutor loop : loops()) {
      loopThreads.add(loop.submit(Thread::currentThread).get());
    }
    CountDownLatch ran = new CountDownLatch(1);
    Set<Thread> ranOn = ConcurrentHashMap.newKeySet();
    group.schedule(
        () -> {
          ranOn.add(Thread.currentThread());
          ran.countDown();
        },
        1,
        TimeUnit.MILLISECONDS);

    assertThat(ran.await(10, TimeUnit.SECONDS)).isTrue();
    assertThat(loopThreads).containsAll(ranOn);
  }

  /**
   * What the class relies on, and grpc-netty does not promise: a channel takes its event loop group
   * as its timer service. Were that to change, calls would work as before and only their cost would
   * show it, so this test says it instead.
   */
  @Test
  void grpcSetsACallsDeadlineTimer_throughItsChannelsGroup() throws Exception {
    Set<Long> delaysSeconds = ConcurrentHashMap.newKeySet();
    MultiThreadIoEventLoopGroup recording =
        new MultiThreadIoEventLoopGroup(
            1, new DefaultThreadFactory("timers-test-channel", true), NioIoHandler.newFactory()) {
          @Override
          public io.grpc.netty.shaded.io.netty.util.concurrent.ScheduledFuture<?> schedule(
              Runnable command, long delay, TimeUnit unit) {
            delaysSeconds.add(unit.toSeconds(delay));
            return super.schedule(command, delay, unit);
          }
        };
    Server server =
        NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0))
            .addService(new HealthStatusManager().getHealthService())
            .build()
            .start();
    ManagedChannel channel =
        NettyChannelBuilder.forAddress("127.0.0.1", server.getPort())
            .usePlaintext()
            .eventLoopGroup(recording)
            .channelType(NioSocketChannel.class)
            .build();
    try {
      HealthGrpc.newBlockingStub(channel)
          .withDeadlineAfter(600, TimeUnit.SECONDS)
          .check(HealthCheckRequest.getDefaultInstance());

      assertThat(delaysSeconds)
          .as("the deadline's timer, set through the channel's group")
          .anyMatch(seconds -> seconds >= 590 && seconds <= 600);
    } finally {
      channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
      server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
      recording.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    }
  }

  private List<EventExecutor> loops() {
    List<EventExecutor> loops = new ArrayList<>();
    group.forEach(loops::add);
    assertThat(loops).hasSize(3);
    return loops;
  }
}
