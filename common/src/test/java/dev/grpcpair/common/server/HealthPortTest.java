package dev.grpcpair.common.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.grpcpair.testing.Channels;
import dev.grpcpair.testing.Closer;
import dev.grpcpair.testing.RawHttp2Client;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse;
import io.grpc.health.v1.HealthGrpc;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The health port defends itself as the serving port does. */
class HealthPortTest {

  /** RFC 9113's ENHANCE_YOUR_CALM. */
  private static final int ENHANCE_YOUR_CALM = 0xb;

  @RegisterExtension final Closer closer = new Closer();

  @Test
  void rapidReset_closesTheConnection_andOthersAreAnswered() throws Exception {
    GrpcServer server =
        closer.add(GrpcServer.builder("test", 0, ServerFlags.parse("--health-port=0")).start());
    try (RawHttp2Client client = RawHttp2Client.connect(server.healthPort())) {
      // Twice the streams the serving port lets a connection reset in its window.
      for (int sent = 0; sent < 2 * GrpcServerBuilder.MAX_RST_FRAMES; sent++) {
        client.openAndReset("/grpc.health.v1.Health/Check");
      }
      client.flush();
      RawHttp2Client.GoAway goAway = client.readGoAway(Duration.ofSeconds(10));
      assertThat(goAway.code()).isEqualTo(ENHANCE_YOUR_CALM);
      assertThat(goAway.debugData()).isEqualTo("too_many_rststreams");
    }
    assertThat(
            HealthGrpc.newBlockingStub(closer.add(Channels.localhost(server.healthPort())))
                .withDeadlineAfter(10, TimeUnit.SECONDS)
                .check(HealthCheckRequest.getDefaultInstance())
                .getStatus())
        .isEqualTo(HealthCheckResponse.ServingStatus.SERVING);
  }
}
