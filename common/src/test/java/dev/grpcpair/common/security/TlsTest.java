package dev.grpcpair.common.security;

import static dev.grpcpair.testing.TestCertificates.SERVER_AUTHORITY;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.grpcpair.common.server.GrpcServer;
import dev.grpcpair.common.server.ServerFlags;
import dev.grpcpair.testing.Closer;
import dev.grpcpair.testing.LogCapture;
import dev.grpcpair.testing.TestCertificates;
import io.grpc.ChannelCredentials;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.testing.protobuf.SimpleRequest;
import io.grpc.testing.protobuf.SimpleServiceGrpc;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** Servers with TLS and mutual TLS over Netty, with grpc's test certificates. */
class TlsTest {

  private static final Duration RELOAD = Duration.ofMillis(100);

  @TempDir Path dir;
  @RegisterExtension final Closer toClose = new Closer();

  private GrpcServer startServer(String cert, String key, String clientCa, String... more)
      throws IOException {
    List<String> flags = new ArrayList<>(List.of(more));
    flags.add("--tls-cert=" + TestCertificates.writeAs(dir, cert, "server.pem"));
    flags.add("--tls-key=" + TestCertificates.writeAs(dir, key, "server.key"));
    flags.add("--tls-reload-interval=" + RELOAD.toMillis() + "ms");
    if (clientCa != null) {
      flags.add("--tls-client-ca=" + TestCertificates.writeAs(dir, clientCa, "client-ca.pem"));
    }
    GrpcServer server =
        GrpcServer.builder("tls-test", 0, ServerFlags.parse(flags.toArray(String[]::new)))
            .addService(new IdentityEchoService())
            .start();
    toClose.add(server);
    return server;
  }

  /**
   * A client trusting {@code ca} and presenting {@code clientCert} (if any), as the UserClient
   * does.
   */
  private Status.Code call(GrpcServer server, String ca, String clientCert, String authority)
      throws InterruptedException {
    Path caFile = ca == null ? null : TestCertificates.write(dir, ca);
    Path certFile = clientCert == null ? null : TestCertificates.write(dir, clientCert + ".pem");
    Path keyFile = clientCert == null ? null : TestCertificates.write(dir, clientCert + ".key");
    try (ReloadingTls<ChannelCredentials> tls =
        ReloadingTls.forChannel(caFile, certFile, keyFile, RELOAD)) {
      return call(server, tls.credentials(), authority);
    }
  }

  private static Status.Code call(
      GrpcServer server, ChannelCredentials credentials, String authority)
      throws InterruptedException {
    return call(server.port(), credentials, authority);
  }

  private static Status.Code call(int port, ChannelCredentials credentials, String authority)
      throws InterruptedException {
    var builder = Grpc.newChannelBuilder("localhost:" + port, credentials);
    if (authority != null) {
      builder.overrideAuthority(authority);
    }
    ManagedChannel channel = builder.build();
    try {
      SimpleServiceGrpc.newBlockingStub(channel)
          .withDeadlineAfter(10, TimeUnit.SECONDS)
          .unaryRpc(SimpleRequest.getDefaultInstance());
      return Status.Code.OK;
    } catch (StatusRuntimeException e) {
      return e.getStatus().getCode();
    } finally {
      channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
  }

  @Test
  void failedHandshakes_areLoggedWithWhatTheClientGotWrong() throws Exception {
    GrpcServer server = startServer("server1.pem", "server1.key", "ca.pem");

    // At most one line a second is written (other tests' failures count too): call until it is.
    try (LogCapture log = LogCapture.start()) {
      await()
          .atMost(Duration.ofSeconds(20))
          .untilAsserted(
              () -> {
                assertThat(call(server, InsecureChannelCredentials.create(), null))
                    .isEqualTo(Status.Code.UNAVAILABLE);
                assertThat(log.text())
                    .contains("a client's TLS handshake failed: it did not speak TLS");
              });
      await()
          .atMost(Duration.ofSeconds(20))
          .untilAsserted(
              () -> {
                assertThat(call(server, "ca.pem", null, SERVER_AUTHORITY))
                    .isEqualTo(Status.Code.UNAVAILABLE);
                assertThat(log.text())
                    .contains("a client's TLS handshake failed: it sent no client certificate");
              });
    }
    assertThat(
            TlsHandshakeLog.explain(
                new javax.net.ssl.SSLHandshakeException("Empty client certificate chain")))
        .isEqualTo("it sent no client certificate, which --tls-client-ca requires");
  }

  @Test
  void unusableFiles_areRefusedAtStart_namingTheFileAndWhatIsWrong() {
    Path cert = TestCertificates.write(dir, "server1.pem");
    Path key = TestCertificates.write(dir, "server1.key");
    Path missing = dir.resolve("nope.pem");

    assertThatThrownBy(() -> ReloadingTls.forServer(key, key, null, RELOAD))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("cannot load TLS files: " + key + " is not a PEM certificate");
    assertThatThrownBy(() -> ReloadingTls.forServer(cert, cert, null, RELOAD))
        .hasMessageStartingWith("cannot load TLS files: " + cert + " is not a PEM private key");
    assertThatThrownBy(() -> ReloadingTls.forServer(missing, key, null, RELOAD))
        .hasMessage("cannot load TLS files: " + missing + " does not exist");
    assertThatThrownBy(() -> ReloadingTls.forServer(cert, key, key, RELOAD))
        .hasMessageStartingWith("cannot load TLS files: " + key + " is not a PEM CA certificate");
  }

  @Test
  void tlsServer_plaintextClient_fails() throws Exception {
    GrpcServer server = startServer("server1.pem", "server1.key", null);

    assertThat(call(server, InsecureChannelCredentials.create(), null))
        .isEqualTo(Status.Code.UNAVAILABLE);
  }

  @Test
  void tlsServer_clientTrustingAnotherCa_fails() throws Exception {
    GrpcServer server = startServer("server1.pem", "server1.key", null);

    assertThat(call(server, "badserver.pem", null, SERVER_AUTHORITY))
        .isEqualTo(Status.Code.UNAVAILABLE);
  }

  @Test
  void tlsServer_clientTrustingItsCa_succeeds() throws Exception {
    GrpcServer server = startServer("server1.pem", "server1.key", null);

    assertThat(call(server, "ca.pem", null, SERVER_AUTHORITY)).isEqualTo(Status.Code.OK);
  }

  @Test
  void tlsServer_nameNotInCertificate_failsUnlessTheAuthorityIsOverridden() throws Exception {
    GrpcServer server = startServer("server1.pem", "server1.key", null);

    assertThat(call(server, "ca.pem", null, null))
        .as("localhost is not in server1.pem")
        .isEqualTo(Status.Code.UNAVAILABLE);
  }

  @Test
  void mutualTls_clientWithoutCertificate_isRejected() throws Exception {
    GrpcServer server = startServer("server1.pem", "server1.key", "ca.pem");

    assertThat(call(server, "ca.pem", null, SERVER_AUTHORITY)).isEqualTo(Status.Code.UNAVAILABLE);
  }

  @Test
  void mutualTls_clientCertificateFromAnotherCa_isRejected() throws Exception {
    GrpcServer server = startServer("server1.pem", "server1.key", "ca.pem");

    assertThat(call(server, "ca.pem", "badclient", SERVER_AUTHORITY))
        .isEqualTo(Status.Code.UNAVAILABLE);
  }

  @Test
  void mutualTls_clientCertificateFromItsCa_succeeds() throws Exception {
    GrpcServer server = startServer("server1.pem", "server1.key", "ca.pem");

    assertThat(call(server, "ca.pem", "client", SERVER_AUTHORITY)).isEqualTo(Status.Code.OK);
  }

  @Test
  void serverCertificateReplacedOnDisk_isServedWithoutRestart() throws Exception {
    GrpcServer server = startServer("badserver.pem", "badserver.key", null);
    assertThat(call(server, "ca.pem", null, SERVER_AUTHORITY)).isEqualTo(Status.Code.UNAVAILABLE);

    TestCertificates.writeAs(dir, "server1.pem", "server.pem");
    TestCertificates.writeAs(dir, "server1.key", "server.key");

    await()
        .atMost(Duration.ofSeconds(10))
        .untilAsserted(
            () ->
                assertThat(call(server, "ca.pem", null, SERVER_AUTHORITY))
                    .isEqualTo(Status.Code.OK));
  }

  @Test
  void halfDoneRotation_keepsServingThePreviousPair() throws Exception {
    GrpcServer server = startServer("server1.pem", "server1.key", null);

    // The new certificate is in place, its key not yet: the old pair must stay in use.
    TestCertificates.writeAs(dir, "badserver.pem", "server.pem");
    try (LogCapture log = LogCapture.start()) {
      await()
          .atMost(Duration.ofSeconds(10))
          .untilAsserted(() -> assertThat(log.text()).contains("cannot reload TLS files"));
    }

    assertThat(call(server, "ca.pem", null, SERVER_AUTHORITY)).isEqualTo(Status.Code.OK);
  }

  @Test
  void clientCaReplacedOnDisk_isTrustedWithoutRestart() throws Exception {
    GrpcServer server = startServer("server1.pem", "server1.key", "badclient.pem");
    assertThat(call(server, "ca.pem", "client", SERVER_AUTHORITY))
        .isEqualTo(Status.Code.UNAVAILABLE);

    TestCertificates.writeAs(dir, "ca.pem", "client-ca.pem");

    await()
        .atMost(Duration.ofSeconds(10))
        .untilAsserted(
            () ->
                assertThat(call(server, "ca.pem", "client", SERVER_AUTHORITY))
                    .isEqualTo(Status.Code.OK));
  }

  @Test
  void healthPort_answersProbesInPlaintext_andNothingElse_whileTheServingPortRequiresMutualTls()
      throws Exception {
    GrpcServer server = startServer("server1.pem", "server1.key", "ca.pem", "--health-port=0");
    ManagedChannel probe = toClose.channelTo(server.healthPort());

    assertThat(server.healthPort()).isPositive().isNotEqualTo(server.port());
    assertThat(
            HealthGrpc.newBlockingStub(probe)
                .withDeadlineAfter(10, TimeUnit.SECONDS)
                .check(HealthCheckRequest.newBuilder().setService("grpc.health.v1.Health").build())
                .getStatus())
        .isEqualTo(HealthCheckResponse.ServingStatus.SERVING);
    assertThat(call(server.healthPort(), InsecureChannelCredentials.create(), null))
        .isEqualTo(Status.Code.UNIMPLEMENTED);
    assertThat(call(server, null, null, null)).isEqualTo(Status.Code.UNAVAILABLE);
  }
}
