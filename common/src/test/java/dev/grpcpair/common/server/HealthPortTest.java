package dev.grpcpair.common.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.grpcpair.testing.Channels;
import dev.grpcpair.testing.Closer;
import dev.grpcpair.testing.RawHttp2Client;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse;
import io.grpc.health.v1.HealthGrpc;
import java.net.SocketException;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The health port defends itself as the serving port does. */
class HealthPortTest {

  @RegisterExtension final Closer closer = new Closer();

  @Test
  void rapidReset_closesTheConnection_andOthersAreAnswered() throws Exception {
    GrpcServer server =
        closer.add(GrpcServer.builder("test", 0, ServerFlags.parse("--health-port=0")).start());
    try (RawHttp2Client client = RawHttp2Client.connect(server.healthPort())) {
      // Twice the streams a connection may reset in its window, and nothing else: told to go away
      // at the 1,001st (RapidResets, grpc's own bound being a hundred times higher), and closed
      // once its grace is over, or at once past 1,000 streams more.
      try {
        for (int sent = 0; sent < 2 * RapidResets.MAX_RESETS; sent++) {
          client.openAndReset("/grpc.health.v1.Health/Check");
        }
        client.flush();
        client.readUntilClosed(Duration.ofSeconds(10));
      } catch (SocketException closedByTheServer) {
        // Expected: the server closed the connection while frames were still being sent.
      }
    }
    assertThat(
            HealthGrpc.newBlockingStub(closer.add(Channels.localhost(server.healthPort())))
                .withDeadlineAfter(10, TimeUnit.SECONDS)
                .check(HealthCheckRequest.getDefaultInstance())
                .getStatus())
        .isEqualTo(HealthCheckResponse.ServingStatus.SERVING);
  }
}
