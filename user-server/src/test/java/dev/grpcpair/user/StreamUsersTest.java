package dev.grpcpair.user;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.grpcpair.common.server.GrpcServer;
import dev.grpcpair.common.server.ServerFlags;
import dev.grpcpair.data.InMemoryUserRepository;
import dev.grpcpair.proto.data.v1.Dataset;
import dev.grpcpair.proto.user.v1.GetUserRequest;
import dev.grpcpair.proto.user.v1.GetUserResponse;
import dev.grpcpair.proto.user.v1.UserGrpc;
import dev.grpcpair.proto.user.v1.UserMessage;
import dev.grpcpair.testing.CallCounter;
import dev.grpcpair.testing.Closer;
import dev.grpcpair.testing.Streams;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * StreamUsers over Netty: answers in order, and flow control against a client that does not read.
 */
class StreamUsersTest {

  /** Far more answers than the flow-control window holds. */
  private static final int BIG_STREAM = 20_000;

  /** Far above what the flow-control window holds, far below the whole stream. */
  private static final int MAX_AHEAD = 5_000;

  @RegisterExtension final Closer closer = new Closer();

  @Test
  void streamUsers_answersEachIdInOrder_thenEndsAtTheFirstUnknownOne() throws Exception {
    ManagedChannel channel =
        closer.channelTo(closer.add(UserServer.start(UserServerConfig.parse("--port=0"))).port());
    List<GetUserResponse> answers = new CopyOnWriteArrayList<>();
    CompletableFuture<Status> done = new CompletableFuture<>();
    StreamObserver<GetUserRequest> ids =
        UserGrpc.newStub(channel)
            .withDeadlineAfter(10, TimeUnit.SECONDS)
            .streamUsers(Streams.collecting(answers, done));
    for (String id : List.of("1", "2", "3", "99", "4")) {
      ids.onNext(GetUserRequest.newBuilder().setUserId(id).build());
    }
    ids.onCompleted();

    Status status = done.get(10, TimeUnit.SECONDS);
    assertThat(answers)
        .extracting(answer -> answer.getUserMessage().getName())
        .containsExactly("Henry", "Michael", "Jessie");
    assertThat(status.getCode()).isEqualTo(Status.Code.NOT_FOUND);
    assertThat(status.getDescription()).isEqualTo("user \"99\" does not exist");
  }

  @Test
  void streamUsers_clientThatSendsButDoesNotRead_serverStopsAnsweringAhead() throws Exception {
    // Users with 2 KiB names: the flow-control window holds a few hundred answers.
    Dataset users =
        Dataset.newBuilder()
            .addUsers(UserMessage.newBuilder().setUserId("big").setName("n".repeat(2048)))
            .build();
    CallCounter counter = new CallCounter();
    GrpcServer userServer =
        closer.add(
            GrpcServer.builder("users-under-test", 0, ServerFlags.parse())
                .addService(new UserServiceImpl(new InMemoryUserRepository(users)))
                .intercept(counter)
                .start());
    Streams.SlowReader<GetUserResponse> reader = new Streams.SlowReader<>(0);
    StreamObserver<GetUserRequest> ids =
        UserGrpc.newStub(closer.channelTo(userServer.port()))
            .withDeadlineAfter(60, TimeUnit.SECONDS)
            .streamUsers(reader);
    for (int i = 0; i < BIG_STREAM; i++) {
      ids.onNext(GetUserRequest.newBuilder().setUserId("big").build());
    }
    ids.onCompleted();

    await()
        .atMost(Duration.ofSeconds(10))
        .untilAsserted(() -> assertThat(counter.messagesSent()).isPositive());
    reader.assertHeldBackThenDrained(counter, MAX_AHEAD, BIG_STREAM);
  }
}
