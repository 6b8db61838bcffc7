package dev.grpcpair.common.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.grpcpair.testing.Closer;
import dev.grpcpair.testing.Streams;
import io.grpc.Context;
import io.grpc.Grpc;
import io.grpc.InsecureServerCredentials;
import io.grpc.ManagedChannel;
import io.grpc.ServerInterceptors;
import io.grpc.stub.StreamObserver;
import io.grpc.testing.protobuf.SimpleRequest;
import io.grpc.testing.protobuf.SimpleResponse;
import io.grpc.testing.protobuf.SimpleServiceGrpc;
import java.time.Duration;
import java.util.ArrayList;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The streams a server keeps so that it can end them at a stop, over a real Netty server. */
class OpenStreamsTest {

  private static final int STREAMS = 20;

  @RegisterExtension final Closer closer = new Closer();

  /** Keeps server-streaming calls open until their client leaves, as a health watch does. */
  private static final class HoldingService extends SimpleServiceGrpc.SimpleServiceImplBase {
    final CountDownLatch held = new CountDownLatch(STREAMS);
    final CountDownLatch ended = new CountDownLatch(2);

    @Override
    public void serverStreamingRpc(SimpleRequest request, StreamObserver<SimpleResponse> answer) {
      if (!request.getRequestMessage().isEmpty()) {
        answer.onNext(SimpleResponse.getDefaultInstance());
        answer.onCompleted(); // ends it the server's way
        ended.countDown();
      } else {
        held.countDown(); // and never ends it
      }
    }
  }

  @Test
  void streamsTheirClientsAbandon_areForgotten_asAreThoseTheServerEnds() throws Exception {
    OpenStreams open = new OpenStreams();
    HoldingService service = new HoldingService();
    int port =
        closer
            .add(
                Grpc.newServerBuilderForPort(0, InsecureServerCredentials.create())
                    .addService(ServerInterceptors.intercept(service, open))
                    .build()
                    .start())
            .getPort();
    ManagedChannel channel = closer.channelTo(port);

    Context.CancellableContext client = Context.current().withCancellation();
    client.run(
        () -> {
          for (int i = 0; i < STREAMS; i++) {
            SimpleServiceGrpc.newStub(channel)
                .serverStreamingRpc(
                    SimpleRequest.getDefaultInstance(),
                    Streams.collecting(new ArrayList<>(), new CompletableFuture<>()));
          }
        });
    assertThat(service.held.await(10, TimeUnit.SECONDS)).as("the streams are open").isTrue();
    assertThat(open.size()).isEqualTo(STREAMS);

    client.cancel(null); // the client leaves without the server ever closing its streams
    await().atMost(Duration.ofSeconds(10)).until(() -> open.size() == 0);

    SimpleServiceGrpc.SimpleServiceBlockingStub calls =
        SimpleServiceGrpc.newBlockingStub(channel).withDeadlineAfter(10, TimeUnit.SECONDS);
    SimpleRequest answered = SimpleRequest.newBuilder().setRequestMessage("end").build();
    calls.serverStreamingRpc(answered).forEachRemaining(response -> {});
    calls.serverStreamingRpc(answered).forEachRemaining(response -> {});
    assertThat(service.ended.getCount()).isZero();
    // Forgotten when grpc reports each stream complete, which can come after the client has read
    // its end.
    await().atMost(Duration.ofSeconds(10)).until(() -> open.size() == 0);
  }
}
