package dev.grpcpair.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.grpcpair.testing.Closer;
import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The gateway's jar as users run it, launch configuration included, in front of the User server's
 * jar: HTTP/JSON over HTTP/1.1 and h2c, gRPC-Web, the browser page and liveness, SIGTERM and exit
 * codes.
 */
class GatewayJarIT {

  private static final String HENRY =
      "{\"userMessage\":{\"userId\":\"1\",\"name\":\"Henry\",\"phoneNumber\":\"01012341234\","
          + "\"age\":22}}";

  /**
   * The requests' deadline, as the gRPC tests give their calls one: the gateway's default (2 s) is
   * shorter than two cold JVMs' first answer took on a machine running another build beside this
   * one.
   */
  private static final String TIMEOUT = "30S";

  @RegisterExtension final Closer closer = new Closer();

  private JarProcess run(String jarProperty, String... args) throws Exception {
    return closer.add(JarProcess.start(List.of(), JarProcess.SHIPPED, jarProperty, Map.of(), args));
  }

  @Test
  void gatewayJar_answersHttpJsonAndGrpcWeb_andStopsOnSigtermWithExitCodeZero() throws Exception {
    JarProcess user = run("userServerJar", "--port=0");
    int userPort = user.awaitPort();
    JarProcess gateway =
        run("gatewayJar", "--port=0", "--shutdown-grace=2s", "--user-target=localhost:" + userPort);
    URI base = URI.create("http://localhost:" + gateway.awaitPort());
    // Ready as its readiness probe tells it: a request sent while the gateway's channel is still
    // connecting waits for it within the default deadline, which two cold JVMs on a machine
    // running another build beside this one have outlasted.
    HttpClient probe = HttpClient.newHttpClient();
    await()
        .atMost(Duration.ofSeconds(60))
        .pollInterval(Duration.ofMillis(100))
        .ignoreExceptions()
        .untilAsserted(
            () -> assertThat(get(probe, base.resolve("/healthz"))).isEqualTo("{\"healthy\":true}"));

    for (HttpClient.Version version : HttpClient.Version.values()) {
      HttpClient http = HttpClient.newBuilder().version(version).build();
      HttpResponse<String> response =
          http.send(
              HttpRequest.newBuilder(base.resolve("/v2/users/1"))
                  .header("Grpc-Timeout", TIMEOUT)
                  .build(),
              HttpResponse.BodyHandlers.ofString());
      assertThat(response.version()).isEqualTo(version);
      assertThat(response.body()).as("over %s", version).isEqualTo(HENRY);
    }
    assertThat(grpcWebGetUser(base, "2")).contains("Michael").containsPattern("grpc-status: ?0");
    HttpClient http = HttpClient.newHttpClient();
    assertThat(get(http, base.resolve("/livez"))).isEqualTo("{\"live\":true}");
    assertThat(get(http, base.resolve("/"))).contains("<script src=\"app.js\"></script>");
    assertThat(get(http, base.resolve("/app.js"))).contains("v2.user.User");

    long stopping = System.nanoTime();
    String log = gateway.stopWithSigterm();
    assertThat(Duration.ofNanos(System.nanoTime() - stopping)).isLessThan(Duration.ofSeconds(3));
    assertThat(log).contains("gateway stopping", "gateway stopped").doesNotContain("\tat ");
    assertThat(log.lines().filter(line -> line.contains("access - v2.user.User/GetUser OK")))
        .as("one access-log line per GetUser request: HTTP/1.1, h2c, gRPC-Web")
        .hasSize(3)
        .allMatch(line -> line.contains("peer=/127.0.0.1:") && line.contains("request_id="));
    user.stopWithSigterm();
  }

  @Test
  void badFlag_isOneLineAndExitCodeTwo() throws Exception {
    JarProcess gateway = run("gatewayJar", "--port=eighty");

    assertThat(gateway.awaitExit()).isEqualTo(2);
    assertThat(gateway.output()).startsWith("gateway: ").contains("--port");
  }

  private static String get(HttpClient http, URI uri) throws Exception {
    HttpResponse<String> response =
        http.send(HttpRequest.newBuilder(uri).build(), HttpResponse.BodyHandlers.ofString());
    assertThat(response.statusCode()).as(uri.toString()).isEqualTo(200);
    return response.body();
  }

  /**
   * A gRPC-Web call as a browser's generated stub makes it: one length-prefixed request message,
   * answered by the message and a trailers frame; returned as text, bytes above 0x7e as dots.
   */
  private static String grpcWebGetUser(URI base, String userId) throws Exception {
    byte[] id = userId.getBytes(java.nio.charset.StandardCharsets.UTF_8);
    ByteArrayOutputStream frame = new ByteArrayOutputStream();
    frame.write(new byte[] {0, 0, 0, 0, (byte) (id.length + 2), 0x0a, (byte) id.length});
    frame.write(id);
    HttpResponse<byte[]> response =
        HttpClient.newHttpClient()
            .send(
                HttpRequest.newBuilder(base.resolve("/v2.user.User/GetUser"))
                    .header("content-type", "application/grpc-web+proto")
                    .header("x-grpc-web", "1")
                    .header("grpc-timeout", TIMEOUT)
                    .POST(HttpRequest.BodyPublishers.ofByteArray(frame.toByteArray()))
                    .build(),
                HttpResponse.BodyHandlers.ofByteArray());
    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(response.headers().firstValue("content-type"))
        .hasValueSatisfying(type -> assertThat(type).startsWith("application/grpc-web"));
    StringBuilder text = new StringBuilder();
    for (byte b : response.body()) {
      text.append(b >= 0x20 && b < 0x7f ? (char) b : '.');
    }
    return text.toString();
  }
}
