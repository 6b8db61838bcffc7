package dev.grpcpair.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.grpcpair.common.server.GrpcServer;
import dev.grpcpair.testing.Closer;
import dev.grpcpair.testing.LogCapture;
import dev.grpcpair.testing.RawHttp2Client;
import dev.grpcpair.user.UserServer;
import dev.grpcpair.user.UserServerConfig;
import java.net.http.HttpClient;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * HTTP/2's smuggling shapes, sent as frames by hand (no client library sends them): HTTP/1.1's
 * {@code Transfer-Encoding} on a stream, and a {@code content-length} its DATA frames contradict.
 * Each stream is reset with PROTOCOL_ERROR, as RFC 9113 asks, never forwarded; others are served.
 * Frames that break the connection itself close it, in one log line.
 */
class Http2BadInputTest {

  private static final int PROTOCOL_ERROR = 0x1;

  @RegisterExtension final Closer closer = new Closer();
  private GatewayClient gateway;
  private RawHttp2Client client;

  @BeforeEach
  void setUp() throws Exception {
    GrpcServer users = closer.add(UserServer.start(UserServerConfig.parse("--port=0")));
    gateway = GatewayClient.inFrontOf(users.port(), closer);
    client = closer.add(RawHttp2Client.connect(gateway.gateway().port()));
  }

  @AfterEach
  void othersAreStillServed() throws Exception {
    HttpResponse<String> response =
        HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_2)
            .build()
            .send(gateway.request("/v2/users/1").build(), HttpResponse.BodyHandlers.ofString());
    assertThat(response.body()).isEqualTo(GatewayClient.HENRY);
  }

  @Test
  void transferEncodingOnAStream_isResetWithProtocolError() throws Exception {
    client.request("GET", "/v2/users/1", "transfer-encoding", "chunked", true);
    client.flush();

    assertThat(client.readResetCode()).isEqualTo(PROTOCOL_ERROR);
  }

  @Test
  void contentLengthThatTheDataContradicts_isResetWithProtocolError_quietly() throws Exception {
    try (LogCapture log = LogCapture.start()) {
      int stream = client.request("POST", "/v2/users/1", "content-length", "5", false);
      client.data(stream, "0123456789".getBytes(StandardCharsets.US_ASCII));
      client.flush();

      assertThat(client.readResetCode()).isEqualTo(PROTOCOL_ERROR);
      othersAreStillServed(); // by then the reset stream's end has been handled
      // Its client's doing, not the operator's business (its aggregator saw the stream closed).
      assertThat(log.text()).doesNotContain("GatewayHandler - closed a connection");
    }
  }

  @Test
  void aResetOfAStreamNeverOpened_closesTheConnectionWithProtocolError_inOneLogLine()
      throws Exception {
    try (LogCapture log = LogCapture.start()) {
      client.reset(101);
      client.flush();

      assertThat(client.readGoAway(Duration.ofSeconds(10)).code()).isEqualTo(PROTOCOL_ERROR);
      client.readUntilClosed(Duration.ofSeconds(10));
      await()
          .atMost(Duration.ofSeconds(5))
          .untilAsserted(
              () ->
                  assertThat(log.text())
                      .contains(
                          "[WARN] Http2ConnectionErrors - closed the connection of /127.0.0.1:"));
      assertThat(log.text())
          .contains(
              ": its client broke HTTP/2: Stream 101 does not exist for inbound frame RST_STREAM")
          .doesNotContain("exceptionCaught")
          .doesNotContain("\tat ");
    }
  }

  @Test
  void settingsFloodFromAClientThatDoesNotRead_closesItsConnection() throws Exception {
    try (RawHttp2Client flooding =
        RawHttp2Client.withReceiveBuffer(gateway.gateway().port(), 4096)) {
      // Acknowledgements past the socket buffers queue in the gateway: Netty holds 10,000.
      flooding.floodUntilClosed(
          client -> {
            for (int sent = 0; sent < 1_000_000; sent++) {
              client.settings();
            }
          },
          Duration.ofSeconds(30));
    }
  }

  @Test
  void priorityAndWindowUpdateFloods_areReadThrough_andTheConnectionKept() throws Exception {
    // 14 MB of frames that ask for no answer: PRIORITY for 500,000 streams never opened and as
    // many WINDOW_UPDATEs of the connection.
    for (int frames = 0; frames < 500_000; frames++) {
      client.priority(2 * frames + 1);
      client.windowUpdate(0, 1);
    }
    client.awaitPingAck(Duration.ofSeconds(30)); // read through, on a connection still open
  }

  @Test
  void headersThatNeverEnd_continuationFlood_closeTheConnection() throws Exception {
    // 16 MB of one header block; the gateway takes header lists of 24 KiB.
    client.floodUntilClosed(
        flooding -> {
          int stream = flooding.openUnfinished("/v2/users/1");
          for (int sent = 0; sent < 1_000; sent++) {
            flooding.continuation(stream, new byte[16 * 1024]);
          }
        },
        Duration.ofSeconds(30));
  }
}
