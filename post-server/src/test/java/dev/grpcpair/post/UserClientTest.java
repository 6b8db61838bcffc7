package dev.grpcpair.post;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.common.base.Ticker;
import com.google.common.util.concurrent.ListenableFuture;
import dev.grpcpair.proto.ApiLimits;
import dev.grpcpair.proto.user.v1.UserMessage;
import dev.grpcpair.testing.Closer;
import io.grpc.Context;
import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

class UserClientTest {

  private static final String TARGET = "users.test:9000";

  @RegisterExtension final Closer closer = new Closer();
  private final ScriptedUserService userService = new ScriptedUserService();
  private final ScheduledExecutorService deadlineTimer =
      Executors.newSingleThreadScheduledExecutor();
  private Server server;
  private ManagedChannel channel;
  private UserClient client;

  @BeforeEach
  void setUp() throws IOException {
    String name = InProcessServerBuilder.generateName();
    // Not directExecutor: a held call must not hold the test's thread.
    server =
        closer.add(InProcessServerBuilder.forName(name).addService(userService).build().start());
    channel = closer.add(InProcessChannelBuilder.forName(name).build());
    closer.add(deadlineTimer::shutdownNow);
    // Closed first: answers what a test left held, so nothing waits on it.
    closer.add(userService::release);
    client = new UserClient(channel, TARGET, Duration.ofSeconds(1));
  }

  @Test
  void findUser_knownAndUnknown() {
    assertThat(found(client.findUser("3"))).map(UserMessage::getName).contains("Jessie");
    assertThat(found(client.findUser("99"))).isEmpty();
  }

  @Test
  void findUsers_asksOnceForAllDistinctIdsAndLeavesOutUnknownOnes() throws Exception {
    assertThat(client.findUsers(List.of("1", "4", "1", "99", "4")).get(10, TimeUnit.SECONDS))
        .containsOnlyKeys("1", "4");
    assertThat(userService.getUserCalls()).as("one BatchGetUsers round trip").isEqualTo(1);
  }

  @Test
  void findUsers_moreIdsThanOneBatch_takeOneRoundTripPerBatch() throws Exception {
    List<String> ids = new ArrayList<>(List.of("1"));
    for (int i = 0; i < ApiLimits.MAX_IDS_PER_CALL; i++) {
      ids.add("missing-" + i);
    }
    assertThat(client.findUsers(ids).get(10, TimeUnit.SECONDS)).containsOnlyKeys("1");
    assertThat(userService.getUserCalls()).isEqualTo(2);
  }

  @Test
  void callWithoutCallerDeadline_carriesTheDefault() {
    found(client.findUser("1"));

    assertThat(userService.lastDeadline()).isNotNull();
    assertThat(userService.lastDeadline().timeRemaining(TimeUnit.MILLISECONDS))
        .isBetween(1L, 1000L);
  }

  @Test
  void callWithCallerDeadline_carriesTheCallers() throws Exception {
    Context.current()
        .withDeadlineAfter(30, TimeUnit.SECONDS, deadlineTimer)
        .call(() -> client.findUser("1"))
        .get(10, TimeUnit.SECONDS);

    assertThat(userService.lastDeadline().timeRemaining(TimeUnit.SECONDS)).isGreaterThan(20);
  }

  @Test
  void unavailable_namesTheTarget() {
    userService.failWith(Status.UNAVAILABLE.withDescription("connection refused"));

    assertFailsWith(
        () -> found(client.findUser("1")),
        status -> {
          assertThat(status.getCode()).isEqualTo(Status.Code.UNAVAILABLE);
          assertThat(status.getDescription())
              .isEqualTo("user service at " + TARGET + " is unavailable: connection refused");
        });
  }

  @Test
  void slowUserService_isDeadlineExceededNamingTheTarget() {
    UserClient impatient = new UserClient(channel, TARGET, Duration.ofMillis(100));
    userService.hold();

    assertFailsWith(
        () -> found(impatient.findUser("1")),
        status -> {
          assertThat(status.getCode()).isEqualTo(Status.Code.DEADLINE_EXCEEDED);
          assertThat(status.getDescription()).contains(TARGET);
        });
  }

  @Test
  void overloadedUserService_isUnavailable_forTheCallerToRetry() {
    userService.failWith(
        Status.RESOURCE_EXHAUSTED.withDescription(
            "the server has 4096 calls in flight (--max-calls-in-flight); retry later, or elsewhere"));

    assertFailsWith(
        () -> found(client.findUser("1")),
        status -> {
          assertThat(status.getCode()).isEqualTo(Status.Code.UNAVAILABLE);
          assertThat(status.getDescription())
              .isEqualTo(
                  "user service at "
                      + TARGET
                      + " is overloaded: the server has 4096 calls in flight"
                      + " (--max-calls-in-flight); retry later, or elsewhere");
        });
  }

  @Test
  void otherFailures_becomeInternal_neverTheUserServersOwnCode() {
    userService.failWith(Status.UNAUTHENTICATED.withDescription("bad token"));

    assertFailsWith(
        () -> found(client.findUser("1")),
        status -> {
          assertThat(status.getCode()).isEqualTo(Status.Code.INTERNAL);
          assertThat(status.getDescription()).contains(TARGET, "UNAUTHENTICATED");
        });
  }

  @Test
  void userServiceWithoutBatchGetUsers_usersComeOneGetUserEach_andTheBatchIsTriedAgainLater()
      throws Exception {
    AtomicLong nanos = new AtomicLong();
    Ticker ticker =
        new Ticker() {
          @Override
          public long read() {
            return nanos.get();
          }
        };
    UserClient client = new UserClient(channel, TARGET, Duration.ofSeconds(5), ticker);
    userService.withoutBatch(true);

    assertThat(found(client.findUsers(List.of("1", "3", "99")))).containsOnlyKeys("1", "3");
    assertThat(found(client.findUsers(List.of("4")))).containsOnlyKeys("4");
    assertThat(userService.batchCalls())
        .as("the batch, tried once, then not while missing")
        .isEqualTo(1);

    userService.withoutBatch(false);
    nanos.addAndGet(BatchSupport.RETRY_AFTER.toNanos() + 1);
    assertThat(found(client.findUsers(List.of("5")))).containsOnlyKeys("5");
    assertThat(userService.batchCalls()).as("tried again once due").isEqualTo(2);
  }

  @Test
  void client_leavesTheChannelItIsGivenOpen() {
    found(client.findUser("1"));

    // The channel's owner (the Post server) closes it; the client only uses it.
    assertThat(channel.isShutdown()).isFalse();
  }

  /** The future's value; its failure as the status exception it carries. */
  private static <T> T found(ListenableFuture<T> future) {
    try {
      return future.get(10, TimeUnit.SECONDS);
    } catch (ExecutionException e) {
      throw (RuntimeException) e.getCause();
    } catch (InterruptedException | TimeoutException e) {
      throw new AssertionError(e);
    }
  }

  private static void assertFailsWith(Runnable call, Consumer<Status> check) {
    assertThatThrownBy(call::run)
        .isInstanceOfSatisfying(StatusRuntimeException.class, e -> check.accept(e.getStatus()));
  }
}
