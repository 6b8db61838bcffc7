package dev.grpcpair.post;

import static dev.grpcpair.testing.GrpcAssertions.assertStatus;
import static dev.grpcpair.testing.GrpcAssertions.codeOf;
import static org.assertj.core.api.Assertions.assertThat;

import dev.grpcpair.common.server.GrpcServer;
import dev.grpcpair.proto.post.v1.ListPostsByUserIdRequest;
import dev.grpcpair.proto.post.v1.PostGrpc;
import dev.grpcpair.testing.Channels;
import dev.grpcpair.testing.Closer;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The UserClient's retry policy (from its service config) against a scripted User server, over
 * Netty.
 */
class RetryTest {

  private final ScriptedUserService scriptedUsers = new ScriptedUserService();
  @RegisterExtension final Closer toClose = new Closer();
  private GrpcServer userServer;

  @BeforeEach
  void startScriptedUsers() throws Exception {
    userServer = scriptedUsers.serve();
    toClose.add(userServer);
  }

  private PostGrpc.PostBlockingStub postsAsking(String... flags) throws Exception {
    List<String> args = new ArrayList<>(List.of(flags));
    args.addAll(List.of("--port=0", "--user-target=localhost:" + userServer.port()));
    GrpcServer postServer = PostServer.start(PostServerConfig.parse(args.toArray(String[]::new)));
    toClose.add(postServer);
    ManagedChannel channel = Channels.localhost(postServer.port());
    toClose.add(channel);
    return PostGrpc.newBlockingStub(channel);
  }

  private static ListPostsByUserIdRequest user(String id) {
    return ListPostsByUserIdRequest.newBuilder().setUserId(id).build();
  }

  /**
   * UNAVAILABLE: a replica going away. UNKNOWN "channel closed": what grpc-java reports for a call
   * that lost the race with a closing connection (grpc-java#10120).
   */
  @ParameterizedTest
  @ValueSource(strings = {"UNAVAILABLE:replica restarting", "UNKNOWN:channel closed"})
  void failingOnce_isRetriedAndThePostCallSucceeds(String failure) throws Exception {
    PostGrpc.PostBlockingStub posts = postsAsking();
    String[] codeAndDescription = failure.split(":", 2);
    scriptedUsers.failNext(
        1,
        Status.fromCode(Status.Code.valueOf(codeAndDescription[0]))
            .withDescription(codeAndDescription[1]));

    assertThat(
            posts
                .withDeadlineAfter(10, TimeUnit.SECONDS)
                .listPostsByUserId(user("1"))
                .getPostMessagesCount())
        .isEqualTo(4);
    assertThat(scriptedUsers.getUserCalls()).as("attempts").isEqualTo(2);
  }

  @Test
  void notFound_isNotRetried() throws Exception {
    PostGrpc.PostBlockingStub posts = postsAsking();

    assertStatus(
        () -> posts.withDeadlineAfter(10, TimeUnit.SECONDS).listPostsByUserId(user("99")),
        Status.Code.NOT_FOUND,
        "user \"99\" does not exist");
    assertThat(scriptedUsers.getUserCalls()).as("attempts").isEqualTo(1);
  }

  @Test
  void unavailableEveryTime_givesUpAfterMaxAttempts() throws Exception {
    PostGrpc.PostBlockingStub posts = postsAsking();
    scriptedUsers.failWith(Status.UNAVAILABLE.withDescription("replica down"));

    assertThat(
            codeOf(
                () -> posts.withDeadlineAfter(10, TimeUnit.SECONDS).listPostsByUserId(user("1"))))
        .isEqualTo(Status.Code.UNAVAILABLE);
    assertThat(scriptedUsers.getUserCalls())
        .as("attempts: maxAttempts of the embedded config")
        .isEqualTo(3);
  }

  @Test
  void retriesNeverOutliveTheCallersDeadline(@TempDir Path dir) throws Exception {
    // Backoff far longer than the deadline: a retry would have to wait past it.
    Path config =
        Files.writeString(
            dir.resolve("slow-retries.json"),
            "{\"loadBalancingConfig\":[{\"round_robin\":{}}],"
                + "\"methodConfig\":[{\"name\":[{\"service\":\"v1.user.User\"}],"
                + "\"retryPolicy\":{\"maxAttempts\":5,\"initialBackoff\":\"20s\",\"maxBackoff\":\"20s\","
                + "\"backoffMultiplier\":1,\"retryableStatusCodes\":[\"UNAVAILABLE\"]}}]}");
    PostGrpc.PostBlockingStub posts = postsAsking("--user-service-config=" + config);
    scriptedUsers.failWith(Status.UNAVAILABLE.withDescription("replica down"));

    long start = System.nanoTime();
    Status.Code code =
        codeOf(
            () -> posts.withDeadlineAfter(500, TimeUnit.MILLISECONDS).listPostsByUserId(user("1")));
    long tookMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);

    assertThat(code).isIn(Status.Code.DEADLINE_EXCEEDED, Status.Code.UNAVAILABLE);
    // Bound, not a speed goal: a retry after its 20s backoff would take that long.
    assertThat(tookMillis).isLessThan(10_000);
  }
}
