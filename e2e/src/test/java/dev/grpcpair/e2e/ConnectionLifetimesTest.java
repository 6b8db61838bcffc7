package dev.grpcpair.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import dev.grpcpair.common.server.GrpcServer;
import dev.grpcpair.post.PostServer;
import dev.grpcpair.post.PostServerConfig;
import dev.grpcpair.proto.post.v1.ListPostsByUserIdRequest;
import dev.grpcpair.proto.post.v1.PostGrpc;
import dev.grpcpair.testing.Closer;
import io.grpc.StatusRuntimeException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The Post server's channel across its User server's GOAWAYs (docs/limits.md, "Connections"): a
 * User server that ends every connection after 300 ms, and drops idle ones after 200 ms, never
 * costs a Post call.
 */
class ConnectionLifetimesTest {

  @RegisterExtension final Closer closer = new Closer();

  @Test
  void userServerSendingGoawayEvery300Ms_failsNoPostCall() throws Exception {
    GrpcServer user =
        closer.add(
            Replicas.startUser(
                "user-a",
                0,
                "--max-connection-age=300ms",
                "--max-connection-age-grace=2s",
                "--max-connection-idle=200ms"));
    GrpcServer post =
        closer.add(
            PostServer.start(
                PostServerConfig.parse("--port=0", "--user-target=localhost:" + user.port())));
    PostGrpc.PostBlockingStub posts = PostGrpc.newBlockingStub(closer.channelTo(post.port()));

    List<String> failures = new ArrayList<>();
    long start = System.nanoTime();
    // 3 s of calls, paced every 10 ms (and pauses of 250 ms, so that idle connections go too):
    // about ten connection ages.
    for (int call = 0; System.nanoTime() - start < TimeUnit.SECONDS.toNanos(3); call++) {
      TimeUnit.MILLISECONDS.sleep(call % 50 == 49 ? 250 : 10);
      try {
        int found =
            posts
                .withDeadlineAfter(5, TimeUnit.SECONDS)
                .listPostsByUserId(ListPostsByUserIdRequest.newBuilder().setUserId("1").build())
                .getPostMessagesCount();
        if (found != 4) {
          failures.add("call " + call + ": " + found + " posts");
        }
      } catch (StatusRuntimeException e) {
        failures.add("call " + call + ": " + e.getStatus());
      }
    }

    assertThat(failures).isEmpty();
  }
}
