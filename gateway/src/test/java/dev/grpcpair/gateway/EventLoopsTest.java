package dev.grpcpair.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import dev.grpcpair.common.observability.RequestId;
import dev.grpcpair.testing.RawHttp2Client;
import dev.grpcpair.testing.RawHttp2Listener;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.stub.MetadataUtils;
import io.grpc.stub.StreamObserver;
import io.netty.util.concurrent.EventExecutor;
import java.time.Duration;
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

  /** As the servers' User channels: headers new on every call are kept out of HPACK's table. */
  @Test
  void channelsCalls_carryPerCallHeadersNeverIndexed() throws Exception {
    try (RawHttp2Listener server = new RawHttp2Listener()) {
      ManagedChannel channel =
          loops
              .channelBuilder("localhost:" + server.port(), InsecureChannelCredentials.create())
              .build();
      try {
        Metadata headers = new Metadata();
        headers.put(RequestId.HEADER, "request-1");
        HealthGrpc.newStub(channel)
            .withInterceptors(MetadataUtils.newAttachHeadersInterceptor(headers))
            .withDeadlineAfter(1, TimeUnit.MINUTES)
            .check(HealthCheckRequest.getDefaultInstance(), new NoAnswerExpected());
        for (String name : new String[] {"x-request-id", "grpc-timeout"}) {
          assertThat(
                  server.awaitReceived(
                      RawHttp2Client.neverIndexedName(name), Duration.ofSeconds(10)))
              .as("%s sent never indexed", name)
              .isTrue();
        }
      } finally {
        channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
      }
    }
  }

  /** The listener answers nothing: only what the call sent is looked at. */
  private static final class NoAnswerExpected implements StreamObserver<HealthCheckResponse> {
    @Override
    public void onNext(HealthCheckResponse response) {}

    @Override
    public void onError(Throwable t) {}

    @Override
    public void onCompleted() {}
  }
}
