package dev.grpcpair.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

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
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.parallel.Execution;
import org.junit.jupiter.api.parallel.ExecutionMode;

/**
 * Requests no well-behaved client sends: each gets a clear HTTP status with grpc-gateway's JSON
 * error body, and the next client is served as before. Its tests run side by side: each has a
 * gateway of its own, asserts nothing of the log, and mostly waits (for request and idle timeouts).
 */
@Execution(ExecutionMode.CONCURRENT)
class GatewayBadInputTest {

  @RegisterExtension final Closer closer = new Closer();
  private GrpcServer users;
  private GatewayClient gateway;

  @BeforeEach
  void setUp() throws Exception {
    users = closer.add(UserServer.start(UserServerConfig.parse("--port=0")));
    gateway =
        GatewayClient.inFrontOf(users.port(), closer, "--request-timeout=1s", "--idle-timeout=2s");
  }

  @AfterEach
  void othersAreStillServed() throws Exception {
    assertThat(gateway.get("/v2/users/1").body()).isEqualTo(GatewayClient.HENRY);
  }

  @Test
  void malformedPercentEncoding_is400() throws Exception {
    // java.net.URI refuses to make such a request: sent as bytes.
    String answer = raw("GET /v2/users/%zz HTTP/1.1\r\nHost: localhost\r\n\r\n").text();

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

  @Test
  void contentLengthAndChunkedTogether_is400AndTheConnectionClosed() throws Exception {
    // The smuggling shape: a front proxy that reads Content-Length sees one request here, a
    // server that reads the chunks sees a second one (the DELETE). RFC 9112: refuse, then close.
    String smuggling =
        "POST /v2/users/1 HTTP/1.1\r\nHost: localhost\r\nContent-Length: 40\r\n"
            + "Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n"
            + "DELETE /v2/users/2 HTTP/1.1\r\nHost: x\r\n\r\n";

    Answer answer = raw(smuggling);

    assertThat(answer.text())
        .startsWith("HTTP/1.1 400 ")
        .endsWith("{\"code\":3,\"message\":\"Bad Request\",\"details\":[]}");
    assertThat(answer.text().split("HTTP/1\\.")).as("one answer, not two").hasSize(2);
    assertThat(answer.closed()).isTrue();
  }

  @Test
  void pipelinedRequests_areAnsweredInOrder_tooManyCloseTheConnection() throws Exception {
    String three =
        "GET /v2/users/3 HTTP/1.1\r\nHost: x\r\n\r\n"
            + "GET /v2/users/1 HTTP/1.1\r\nHost: x\r\n\r\n"
            + "GET /v2/users/2 HTTP/1.1\r\nHost: x\r\n\r\n";
    String answers = raw(three).text();

    assertThat(answers.split("HTTP/1\\.1 200 ")).hasSize(4);
    assertThat(answers.indexOf("Jessie")).isLessThan(answers.indexOf("Henry"));
    assertThat(answers.indexOf("Henry")).isLessThan(answers.indexOf("Michael"));

    Answer flood = raw("GET /v2/users/1 HTTP/1.1\r\nHost: x\r\n\r\n".repeat(50));
    assertThat(flood.closed()).isTrue();
    assertThat(flood.text().split("HTTP/1\\.1 200 ").length - 1).isLessThanOrEqualTo(9);
  }

  @Test
  void bodyOver1MiB_is413AndTheConnectionClosed() throws Exception {
    Answer answer =
        raw(
            "POST /v2/users/1 HTTP/1.1\r\nHost: localhost\r\nContent-Length: 2000000\r\n\r\n"
                + "x".repeat(1000));

    assertThat(answer.text())
        .startsWith("HTTP/1.1 413 ")
        .endsWith("{\"code\":3,\"message\":\"Request Entity Too Large\",\"details\":[]}");
    assertThat(answer.closed()).isTrue();
  }

  @Test
  void bodiesPastTheBudget_are429_andTheBudgetComesBackWhenTheirSendersLeave() throws Exception {
    GatewayClient budgeted =
        GatewayClient.inFrontOf(users.port(), closer, "--max-held-body-bytes=1048576");
    int port = budgeted.gateway().port();
    List<Socket> senders = new ArrayList<>();
    try {
      // Two clients each send 700,000 bytes of a 1,000,000-byte body, and wait: past 1 MiB.
      for (int i = 0; i < 2; i++) {
        Socket sender = new Socket("localhost", port);
        senders.add(sender);
        sender.getOutputStream().write(bodyHead(1_000_000));
        sender.getOutputStream().write(new byte[700_000]);
        sender.getOutputStream().flush();
      }

      List<Answer> answers = new ArrayList<>();
      for (Socket sender : senders) {
        answers.add(readAll(sender, Duration.ofSeconds(2)));
      }

      // The one whose bytes went past the budget (both, if their last bytes came at once) is
      // refused; a body is never answered before it is whole.
      assertThat(answers)
          .filteredOn(Answer::closed)
          .isNotEmpty()
          .allSatisfy(
              refused ->
                  assertThat(refused.text())
                      .startsWith("HTTP/1.1 429 ")
                      .endsWith("{\"code\":8,\"message\":\"Too Many Requests\",\"details\":[]}"));
      assertThat(answers).filteredOn(answer -> !answer.closed()).allMatch(a -> a.text().isEmpty());
      assertThat(budgeted.get("/v2/users/1").body()).isEqualTo(GatewayClient.HENRY);
    } finally {
      for (Socket sender : senders) {
        sender.close();
      }
    }

    // Gone, they hold nothing: a whole body of the same size is read and answered.
    await()
        .atMost(Duration.ofSeconds(10))
        .untilAsserted(
            () -> {
              try (Socket whole = new Socket("localhost", port)) {
                whole.getOutputStream().write(bodyHead(1_000_000));
                whole.getOutputStream().write(new byte[1_000_000]);
                whole.getOutputStream().flush();
                assertThat(readAll(whole, Duration.ofSeconds(2)).text())
                    .startsWith("HTTP/1.1 ")
                    .doesNotStartWith("HTTP/1.1 429 ");
              }
            });
  }

  /** A gRPC-Web call's head announcing a body of {@code length} bytes. */
  private static byte[] bodyHead(int length) {
    return ("POST /v2.user.User/GetUser HTTP/1.1\r\nHost: localhost\r\n"
            + "Content-Type: application/grpc-web+proto\r\nContent-Length: "
            + length
            + "\r\n\r\n")
        .getBytes(StandardCharsets.US_ASCII);
  }

  @Test
  void headersSentAByteAtATime_are408AfterTheRequestTimeout() throws Exception {
    try (Socket socket = new Socket("localhost", gateway.gateway().port())) {
      OutputStream out = socket.getOutputStream();
      AtomicBoolean stop = new AtomicBoolean();
      Thread slowloris =
          new Thread(
              () -> {
                byte[] request =
                    "GET /v2/users/1 HTTP/1.1\r\nHost: localhost\r\nX-Slow: "
                        .getBytes(StandardCharsets.US_ASCII);
                try {
                  for (int i = 0; !stop.get(); i++) {
                    out.write(i < request.length ? request[i] : 'a');
                    out.flush();
                    Thread.sleep(100); // the attack: a byte every tenth of a second, never done
                  }
                } catch (Exception e) {
                  // the server closed the connection
                }
              });
      slowloris.start();
      try {
        Answer answer = readAll(socket, Duration.ofSeconds(5));

        assertThat(answer.text())
            .startsWith("HTTP/1.1 408 ")
            .endsWith("{\"code\":4,\"message\":\"Request Timeout\",\"details\":[]}");
        assertThat(answer.closed()).isTrue();
      } finally {
        stop.set(true);
        slowloris.join();
      }
    }
  }

  @Test
  void fiveThousandIdleConnections_othersServed_allClosedAfterTheIdleTimeout() throws Exception {
    List<Socket> idle = new ArrayList<>();
    try {
      for (int i = 0; i < 5_000; i++) {
        idle.add(new Socket("localhost", gateway.gateway().port()));
      }

      assertThat(gateway.get("/v2/users/1").body()).isEqualTo(GatewayClient.HENRY);
      for (Socket socket : List.of(idle.get(0), idle.get(2_500), idle.get(4_999))) {
        assertThat(readAll(socket, Duration.ofSeconds(10)).closed()).isTrue();
      }
    } finally {
      for (Socket socket : idle) {
        socket.close();
      }
    }
  }

  /** What a server sent on a connection, and whether it closed it. */
  private record Answer(String text, boolean closed) {}

  /** Sends {@code request} as bytes on a fresh connection; returns all the server answers. */
  private Answer raw(String request) throws Exception {
    try (Socket socket = new Socket("localhost", gateway.gateway().port())) {
      OutputStream out = socket.getOutputStream();
      out.write(request.getBytes(StandardCharsets.US_ASCII));
      out.flush();
      // Until the server closes the connection or has said nothing for a second.
      return readAll(socket, Duration.ofSeconds(1));
    }
  }

  /** Reads until the server closes the connection, or says nothing for {@code quiet}. */
  private static Answer readAll(Socket socket, Duration quiet) throws Exception {
    socket.setSoTimeout((int) quiet.toMillis());
    InputStream in = socket.getInputStream();
    ByteArrayOutputStream answer = new ByteArrayOutputStream();
    byte[] buffer = new byte[8192];
    try {
      for (int read; (read = in.read(buffer)) >= 0; ) {
        answer.write(buffer, 0, read);
      }
      return new Answer(answer.toString(StandardCharsets.UTF_8), true);
    } catch (SocketTimeoutException e) {
      return new Answer(answer.toString(StandardCharsets.UTF_8), false);
    } catch (java.net.SocketException e) {
      return new Answer(answer.toString(StandardCharsets.UTF_8), true); // reset: closed too
    }
  }
}
