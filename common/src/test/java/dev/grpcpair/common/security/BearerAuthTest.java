package dev.grpcpair.common.security;

import static dev.grpcpair.testing.TestCertificates.SERVER_AUTHORITY;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.grpcpair.common.server.GrpcServer;
import dev.grpcpair.common.server.ServerFlags;
import dev.grpcpair.testing.Closer;
import dev.grpcpair.testing.LogCapture;
import dev.grpcpair.testing.TestCertificates;
import io.grpc.CallCredentials;
import io.grpc.ChannelCredentials;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.stub.MetadataUtils;
import io.grpc.testing.protobuf.SimpleRequest;
import io.grpc.testing.protobuf.SimpleServiceGrpc;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** Bearer tokens: the server's interceptor and the client's call credentials, over Netty. */
class BearerAuthTest {

  private static final String TOKEN = "9f3c1d0b-correct-horse-battery-staple";

  @TempDir Path dir;
  private final IdentityEchoService service = new IdentityEchoService();
  @RegisterExtension final Closer toClose = new Closer();

  /** A server requiring {@link #TOKEN}, with {@code flags} for TLS and exempt services. */
  private GrpcServer start(String... flags) throws IOException {
    Path tokens = dir.resolve("tokens");
    Files.writeString(tokens, "post-server=" + TOKEN + "\n");
    List<String> args = new ArrayList<>(List.of(flags));
    args.add("--auth-tokens-file=" + tokens);
    GrpcServer server =
        GrpcServer.builder("auth-test", 0, ServerFlags.parse(args.toArray(String[]::new)))
            .addService(service)
            .start();
    toClose.add(server);
    return server;
  }

  private ManagedChannel channel(
      GrpcServer server, ChannelCredentials credentials, String authority) {
    var builder = Grpc.newChannelBuilder("localhost:" + server.port(), credentials);
    if (authority != null) {
      builder.overrideAuthority(authority);
    }
    ManagedChannel channel = builder.build();
    toClose.add(channel);
    return channel;
  }

  private ManagedChannel plaintext(GrpcServer server) {
    return channel(server, InsecureChannelCredentials.create(), null);
  }

  private static SimpleServiceGrpc.SimpleServiceBlockingStub withHeader(
      ManagedChannel channel, String authorization) {
    Metadata headers = new Metadata();
    headers.put(BearerAuthInterceptor.AUTHORIZATION, authorization);
    return SimpleServiceGrpc.newBlockingStub(channel)
        .withDeadlineAfter(10, TimeUnit.SECONDS)
        .withInterceptors(MetadataUtils.newAttachHeadersInterceptor(headers));
  }

  private static void assertUnauthenticated(Runnable call) {
    assertThatThrownBy(call::run)
        .isInstanceOfSatisfying(
            StatusRuntimeException.class,
            e -> {
              assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAUTHENTICATED);
              assertThat(e.getStatus().getDescription())
                  .isEqualTo("a valid bearer token is required");
            });
  }

  @Test
  void noToken_isUnauthenticated() throws IOException {
    ManagedChannel channel = plaintext(start("--auth-exempt="));

    assertUnauthenticated(
        () ->
            SimpleServiceGrpc.newBlockingStub(channel)
                .withDeadlineAfter(10, TimeUnit.SECONDS)
                .unaryRpc(SimpleRequest.getDefaultInstance()));
    assertThat(service.calls).hasValue(0);
  }

  @Test
  void wrongTokenOrScheme_isUnauthenticatedWithTheSameDescription() throws IOException {
    ManagedChannel channel = plaintext(start("--auth-exempt="));

    assertUnauthenticated(
        () ->
            withHeader(channel, "Bearer " + TOKEN + "x")
                .unaryRpc(SimpleRequest.getDefaultInstance()));
    assertUnauthenticated(
        () -> withHeader(channel, "Basic " + TOKEN).unaryRpc(SimpleRequest.getDefaultInstance()));
    assertUnauthenticated(
        () -> withHeader(channel, "Bearer ").unaryRpc(SimpleRequest.getDefaultInstance()));
    assertThat(service.calls).hasValue(0);
  }

  @Test
  void rightToken_reachesTheHandlerWithItsIdentity() throws IOException {
    ManagedChannel channel = plaintext(start("--auth-exempt="));

    assertThat(
            withHeader(channel, "Bearer " + TOKEN)
                .unaryRpc(SimpleRequest.getDefaultInstance())
                .getResponseMessage())
        .isEqualTo("post-server");
    assertThat(
            withHeader(channel, "bearer " + TOKEN)
                .unaryRpc(SimpleRequest.getDefaultInstance())
                .getResponseMessage())
        .as("the scheme is case-insensitive")
        .isEqualTo("post-server");
  }

  @Test
  void exemptHealth_isReachableWithoutToken_andOnlyWhenExempt() throws IOException {
    ManagedChannel open = plaintext(start());
    ManagedChannel closed = plaintext(start("--auth-exempt="));

    assertThat(
            HealthGrpc.newBlockingStub(open)
                .check(HealthCheckRequest.getDefaultInstance())
                .getStatus())
        .isEqualTo(ServingStatus.SERVING);
    assertUnauthenticated(
        () -> HealthGrpc.newBlockingStub(closed).check(HealthCheckRequest.getDefaultInstance()));
    assertUnauthenticated(
        () -> SimpleServiceGrpc.newBlockingStub(open).unaryRpc(SimpleRequest.getDefaultInstance()));
  }

  @Test
  void callCredentials_refuseToSendTheTokenWithoutTls() throws IOException {
    ManagedChannel channel = plaintext(start("--auth-exempt="));
    CallCredentials credentials = new BearerTokenCredentials(TOKEN, false);

    assertThatThrownBy(
            () ->
                SimpleServiceGrpc.newBlockingStub(channel)
                    .withCallCredentials(credentials)
                    .unaryRpc(SimpleRequest.getDefaultInstance()))
        .isInstanceOfSatisfying(
            StatusRuntimeException.class,
            e -> {
              assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAUTHENTICATED);
              assertThat(e.getStatus().getDescription())
                  .startsWith("refusing to send a bearer token to localhost:")
                  .doesNotContain(TOKEN);
            });
    assertThat(service.calls).as("the call never left the client").hasValue(0);
  }

  @Test
  void callCredentials_sendTheTokenWithoutTlsWhenAllowed() throws IOException {
    ManagedChannel channel = plaintext(start("--auth-exempt="));

    assertThat(
            SimpleServiceGrpc.newBlockingStub(channel)
                .withCallCredentials(new BearerTokenCredentials(TOKEN, true))
                .unaryRpc(SimpleRequest.getDefaultInstance())
                .getResponseMessage())
        .isEqualTo("post-server");
  }

  @Test
  void callCredentials_sendTheTokenOverTls_andNothingLogsIt() throws Exception {
    try (LogCapture log = LogCapture.start();
        ReloadingTls<ChannelCredentials> clientTls =
            ReloadingTls.forChannel(
                TestCertificates.write(dir, "ca.pem"), null, null, Duration.ofMinutes(1))) {
      GrpcServer server =
          start(
              "--tls-cert=" + TestCertificates.write(dir, "server1.pem"),
              "--tls-key=" + TestCertificates.write(dir, "server1.key"),
              "--auth-exempt=");
      ManagedChannel channel = channel(server, clientTls.credentials(), SERVER_AUTHORITY);

      assertThat(
              SimpleServiceGrpc.newBlockingStub(channel)
                  .withCallCredentials(new BearerTokenCredentials(TOKEN, false))
                  .unaryRpc(SimpleRequest.getDefaultInstance())
                  .getResponseMessage())
          .isEqualTo("post-server");
      assertUnauthenticated(
          () ->
              withHeader(channel, "Bearer wrong-" + TOKEN)
                  .unaryRpc(SimpleRequest.getDefaultInstance()));
      server.stop();

      assertThat(log.text()).contains("auth-test stopped").doesNotContain(TOKEN);
    }
  }
}
