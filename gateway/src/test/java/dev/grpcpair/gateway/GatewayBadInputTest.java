package dev.grpcpair.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import dev.grpcpair.common.server.GrpcServer;
import dev.grpcpair.testing.Closer;
import dev.grpcpair.user.UserServer;
import dev.grpcpair.user.UserServerConfig;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Requests no well-behaved client sends: each gets a clear HTTP status with grpc-gateway's JSON
 * error body, and the next client is served as before.
 */
class GatewayBadInputTest {

  @RegisterExtension final Closer closer = new Closer();
  private GatewayClient gateway;

  @BeforeEach
  void setUp() throws Exception {
    GrpcServer users = closer.add(UserServer.start(UserServerConfig.parse("--port=0")));
    gateway = GatewayClient.inFrontOf(users.port(), closer);
  }

  @AfterEach
  void othersAreStillServed() throws Exception {
    assertThat(gateway.get("/v2/users/1").body()).isEqualTo(GatewayClient.HENRY);
  }

  @Test
  void malformedPercentEncoding_is400() throws Exception {
    // java.net.URI refuses to make such a request: sent as bytes.
    String answer = raw("GET /v2/users/%zz HTTP/1.1\r\nHost: localhost\r\n\r\n");

    assertThat(answer)
        .startsWith("HTTP/1.1 400 ")
        .endsWith("{\"code\":3,\"message\":\"Bad Request\",\"details\":[]}");
  }

  @Test
  void pathParameterOverTheIdLimit_is400WithTheServersMessage() throws Exception {
    HttpResponse<String> response = gateway.get("/v2/users/" + "a".repeat(300));

    assertThat(response.statusCode()).isEqualTo(400);
    assertThat(response.body())
        .isEqualTo(
            "{\"code\":3,\"message\":\"user_id \\\""
                + "a".repeat(40)
                + "…\\\" (300 chars) is longer than 128 bytes\",\"details\":[]}");
  }

  @Test
  void urlOver8KiB_is414() throws Exception {
    HttpResponse<String> response = gateway.get("/v2/users?page_token=" + "a".repeat(9 * 1024));

    assertThat(response.statusCode()).isEqualTo(414);
    assertThat(response.body())
        .isEqualTo("{\"code\":3,\"message\":\"Request-URI Too Long\",\"details\":[]}");
  }

  @Test
  void aThousandUnknownQueryParameters_areIgnored() throws Exception {
    StringBuilder query = new StringBuilder("?page_size=1");
    for (int i = 0; i < 1000; i++) {
      query.append("&p").append(i).append("=1");
    }

    HttpResponse<String> response = gateway.get("/v2/users" + query);

    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(response.body()).contains("\"name\":\"Henry\"").doesNotContain("Michael");
  }

  @Test
  void bodyOnAGet_isIgnored() throws Exception {
    HttpResponse<String> response =
        gateway.send(
            gateway
                .request("/v2/users/1")
                .method("GET", HttpRequest.BodyPublishers.ofString("{\"userId\":\"2\"}"))
                .header("content-type", "application/json"));

    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(response.body()).isEqualTo(GatewayClient.HENRY);
  }

  /** Sends {@code request} as bytes on a fresh connection; returns all the server answers. */
  private String raw(String request) throws Exception {
    try (Socket socket = new Socket("localhost", gateway.gateway().port())) {
      OutputStream out = socket.getOutputStream();
      out.write(request.getBytes(StandardCharsets.US_ASCII));
      out.flush();
      // Until the server closes the connection or has said nothing for a second.
      socket.setSoTimeout(1_000);
      InputStream in = socket.getInputStream();
      ByteArrayOutputStream answer = new ByteArrayOutputStream();
      byte[] buffer = new byte[8192];
      try {
        for (int read; (read = in.read(buffer)) > 0; ) {
          answer.write(buffer, 0, read);
        }
      } catch (SocketTimeoutException e) {
        // what came is all there is
      }
      return answer.toString(StandardCharsets.UTF_8);
    }
  }
}
