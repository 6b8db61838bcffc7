package dev.grpcpair.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.util.concurrent.EventExecutor;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class EventLoopsTest {

  private final EventLoops loops = new EventLoops();

  @AfterEach
  void shutdown() {
    loops.shutdown();
  }

  /** The group is the timer service of the gRPC channels on it: a call's timers stay home. */
  @Test
  void aTimerSetOnAWorkerLoop_runsOnThatLoop() throws Exception {
    List<EventExecutor> workers = new ArrayList<>();
    loops.workers.forEach(workers::add);
    assertThat(workers).hasSizeGreaterThan(1);
    for (EventExecutor loop : workers) {
      Thread loopThread = loop.submit(Thread::currentThread).get();
      List<CompletableFuture<Thread>> ranOn = new ArrayList<>();
      loop.submit(
              () -> {
                // Netty's own group would deal these out to its loops in turn.
                for (int i = 0; i < workers.size() * 2; i++) {
                  CompletableFuture<Thread> ran = new CompletableFuture<>();
                  loops.workers.schedule(
                      () -> ran.complete(Thread.currentThread()), 1, TimeUnit.MILLISECONDS);
                  ranOn.add(ran);
                }
              })
          .sync();
      for (CompletableFuture<Thread> ran : ranOn) {
        assertThat(ran.get(10, TimeUnit.SECONDS)).isSameAs(loopThread);
      }
    }
  }
}
