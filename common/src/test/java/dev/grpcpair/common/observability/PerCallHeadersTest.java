package dev.grpcpair.common.observability;

import static org.assertj.core.api.Assertions.assertThat;

import dev.grpcpair.common.server.GrpcServer;
import dev.grpcpair.common.server.ServerEventLoops;
import dev.grpcpair.common.server.ServerFlags;
import dev.grpcpair.testing.Closer;
import dev.grpcpair.testing.RawHttp2Client;
import dev.grpcpair.testing.RawHttp2Listener;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.stub.MetadataUtils;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Headers new on every call go out as HPACK literals never to be indexed, read on the wire: each
 * call's, not only the first's (an indexed header's name would be a table reference from the second
 * call on).
 */
class PerCallHeadersTest {

  private static final Duration WAIT = Duration.ofSeconds(10);

  @RegisterExtension final Closer closer = new Closer();

  @Test
  void serversAnswers_carryTheRequestIdNeverIndexed() throws Exception {
    GrpcServer server = closer.add(GrpcServer.builder("test", 0, ServerFlags.parse()).start());
    try (RawHttp2Client client = RawHttp2Client.connect(server.port())) {
      for (int call = 1; call <= 3; call++) {
        int stream = client.call("/grpc.health.v1.Health/Check", new byte[0]);
        client.flush();
        assertThat(client.readHeaderBlock(stream, WAIT))
            .as("call %d's response headers", call)
            .containsSequence(RawHttp2Client.neverIndexedName("x-request-id"));
      }
    }
  }

  @Test
  void channelsCalls_carryTheRequestIdTraceparentAndTimeoutNeverIndexed() throws Exception {
    RawHttp2Listener server = closer.add(new RawHttp2Listener());
    ServerEventLoops loops = closer.add(new ServerEventLoops());
    ManagedChannel channel =
        closer.add(
            loops
                .channelBuilder("localhost:" + server.port(), InsecureChannelCredentials.create())
                .build());
    Metadata headers = new Metadata();
    headers.put(RequestId.HEADER, "request-1");
    headers.put(
        Metadata.Key.of("traceparent", Metadata.ASCII_STRING_MARSHALLER),
        "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01");
    HealthGrpc.newFutureStub(channel)
        .withInterceptors(MetadataUtils.newAttachHeadersInterceptor(headers))
        .withDeadlineAfter(1, TimeUnit.MINUTES)
        .check(HealthCheckRequest.getDefaultInstance());

    for (Metadata.Key<String> key : PerCallHeaders.NEVER_INDEXED) {
      assertThat(server.awaitReceived(RawHttp2Client.neverIndexedName(key.name()), WAIT))
          .as("%s sent never indexed", key.name())
          .isTrue();
    }
  }
}
