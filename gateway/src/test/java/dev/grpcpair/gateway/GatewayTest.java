package dev.grpcpair.gateway;

import static java.net.http.HttpResponse.BodyHandlers.ofString;
import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.grpcpair.common.config.ProjectVersion;
import dev.grpcpair.common.server.GrpcServer;
import dev.grpcpair.common.server.RapidResets;
import dev.grpcpair.common.server.ServerFlags;
import dev.grpcpair.proto.user.v2.GetUserRequest;
import dev.grpcpair.proto.user.v2.GetUserResponse;
import dev.grpcpair.proto.user.v2.UserMessage;
import dev.grpcpair.testing.Closer;
import dev.grpcpair.testing.FreezableTcpProxy;
import dev.grpcpair.testing.RawHttp2Client;
import dev.grpcpair.user.UserServer;
import dev.grpcpair.user.UserServerConfig;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import java.io.IOException;
import java.net.InetAddress;
import java.net.Socket;
import java.net.SocketException;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The gateway as its jar starts it, in front of a real User server, called over HTTP: every answer
 * as grpc-gateway v2 gives it by default (docs/gateway.md), byte for byte where the body is fixed.
 */
class GatewayTest {

  @RegisterExtension final Closer closer = new Closer();
  private GatewayClient gateway;

  private void start(String... userFlags) throws IOException {
    GrpcServer users = closer.add(UserServer.start(UserServerConfig.parse(userFlags)));
    gateway = GatewayClient.inFrontOf(users.port(), closer);
  }

  private HttpResponse<String> get(String path, String... headers) throws Exception {
    return gateway.get(path, headers);
  }

  @Test
  void getUser_answersTheUserInJson() throws Exception {
    start("--port=0");

    HttpResponse<String> response = get("/v2/users/1");

    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(response.headers().firstValue("content-type"))
        .hasValueSatisfying(type -> assertThat(type).startsWith("application/json"));
    assertThat(response.body()).isEqualTo(GatewayClient.HENRY);
  }

  /** A User server whose v2 service is {@code v2}, as the test scripts it. */
  private GrpcServer scriptedUsers(dev.grpcpair.proto.user.v2.UserGrpc.UserImplBase v2)
      throws IOException {
    return closer.add(
        GrpcServer.builder("scripted-users", 0, ServerFlags.parse())
            // v1 too: the channel's health check asks for it, as of any User server.
            .addService(new dev.grpcpair.proto.user.v1.UserGrpc.UserImplBase() {})
            .addService(v2)
            .start());
  }

  @Test
  void getUser_failingOnceWithUnavailable_isRetried_asThePostServersCallsAre() throws Exception {
    AtomicInteger attempts = new AtomicInteger();
    dev.grpcpair.proto.user.v2.UserGrpc.UserImplBase restarting =
        new dev.grpcpair.proto.user.v2.UserGrpc.UserImplBase() {
          @Override
          public void getUser(GetUserRequest request, StreamObserver<GetUserResponse> answer) {
            if (attempts.incrementAndGet() == 1) {
              answer.onError(
                  Status.UNAVAILABLE.withDescription("replica restarting").asException());
              return;
            }
            UserMessage user = UserMessage.newBuilder().setUserId(request.getUserId()).build();
            answer.onNext(GetUserResponse.newBuilder().setUserMessage(user).build());
            answer.onCompleted();
          }
        };
    gateway = GatewayClient.inFrontOf(scriptedUsers(restarting).port(), closer);

    HttpResponse<String> response = get("/v2/users/7");

    assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
    assertThat(response.body()).contains("\"userId\":\"7\"");
    assertThat(attempts).as("attempts").hasValue(2);
  }

  @Test
  void requestsPastTheBound_are429_probesAnswer_andAnAnsweredOneMakesRoom() throws Exception {
    CountDownLatch release = new CountDownLatch(1);
    CountDownLatch held = new CountDownLatch(1);
    dev.grpcpair.proto.user.v2.UserGrpc.UserImplBase slow =
        new dev.grpcpair.proto.user.v2.UserGrpc.UserImplBase() {
          @Override
          public void getUser(GetUserRequest request, StreamObserver<GetUserResponse> answer) {
            held.countDown();
            CompletableFuture.runAsync(
                () -> {
                  try {
                    release.await(); // the first call waits until the test lets it go
                  } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                  }
                  answer.onNext(GetUserResponse.getDefaultInstance());
                  answer.onCompleted();
                });
          }
        };
    gateway =
        GatewayClient.inFrontOf(
            scriptedUsers(slow).port(),
            closer,
            "--max-requests-in-flight=1",
            "--user-deadline=30s");
    CompletableFuture<HttpResponse<String>> first =
        gateway.http().sendAsync(gateway.request("/v2/users/1").build(), ofString());
    assertThat(held.await(10, TimeUnit.SECONDS)).as("the first request's call arrived").isTrue();

    HttpResponse<String> refused = get("/v2/users/2");

    assertThat(refused.statusCode()).isEqualTo(429);
    assertThat(refused.body())
        .isEqualTo(
            "{\"code\":8,\"message\":\"the gateway is answering 1 requests"
                + " (--max-requests-in-flight); retry later\",\"details\":[]}");
    assertThat(get(GatewayServices.LIVE_PATH).statusCode()).isEqualTo(200);
    release.countDown();
    assertThat(first.get(10, TimeUnit.SECONDS).statusCode()).isEqualTo(200);
    // The first counts until its answer is written, which the client may see a moment before the
    // gateway has counted it out: a request sent that moment is refused too.
    await()
        .atMost(Duration.ofSeconds(10))
        .untilAsserted(() -> assertThat(get("/v2/users/3").statusCode()).isEqualTo(200));
  }

  /** A User service holding the GetUser calls for ids that start with "held" until released. */
  private static final class HoldingUsers extends dev.grpcpair.proto.user.v2.UserGrpc.UserImplBase {
    final List<StreamObserver<GetUserResponse>> held = new CopyOnWriteArrayList<>();
    final Semaphore arrivals = new Semaphore(0);

    @Override
    public void getUser(GetUserRequest request, StreamObserver<GetUserResponse> answer) {
      if (request.getUserId().startsWith("held")) {
        held.add(answer);
        arrivals.release();
      } else {
        answer.onNext(GetUserResponse.getDefaultInstance());
        answer.onCompleted();
      }
    }

    void release() {
      held.forEach(
          answer -> {
            answer.onNext(GetUserResponse.getDefaultInstance());
            answer.onCompleted();
          });
    }
  }

  /** Asks for {@code count} held users on {@code client}, from {@code first} on; their streams. */
  private static List<Integer> askHeld(RawHttp2Client client, int first, int count)
      throws IOException {
    List<Integer> streams = new ArrayList<>();
    for (int i = first; i < first + count; i++) {
      streams.add(client.request("GET", "/v2/users/held" + i, "accept", "application/json", true));
    }
    client.flush();
    return streams;
  }

  /** The User server's request id, passed on in every h2c answer, is kept out of HPACK's table. */
  @Test
  void h2cAnswers_carryTheRequestIdNeverIndexed() throws Exception {
    GrpcServer users = closer.add(UserServer.start(UserServerConfig.parse("--port=0")));
    gateway = GatewayClient.inFrontOf(users.port(), closer);
    try (RawHttp2Client client = RawHttp2Client.connect(gateway.gateway().port())) {
      for (int request = 1; request <= 3; request++) {
        int stream = client.request("GET", "/v2/users/1", "accept", "application/json", true);
        client.flush();
        assertThat(client.readHeaderBlock(stream, Duration.ofSeconds(10)))
            .as("answer %d's headers", request)
            .containsSequence(RawHttp2Client.neverIndexedName("grpc-metadata-x-request-id"));
      }
    }
  }

  @Test
  void connectionsPastTheCap_closeTheOneIdleLongest_andANewClientIsServed() throws Exception {
    GrpcServer users = closer.add(UserServer.start(UserServerConfig.parse("--port=0")));
    gateway = GatewayClient.inFrontOf(users.port(), closer, "--max-connections=20");
    List<Socket> idle = new ArrayList<>();
    for (int i = 0; i < 20; i++) {
      Socket connection = new Socket(InetAddress.getLoopbackAddress(), gateway.gateway().port());
      closer.add(connection);
      // Answered, then idle: open at the gateway, each idle since just after the one before.
      connection.getOutputStream().write(LIVENESS.getBytes(UTF_8));
      assertThat(readAnswer(connection)).startsWith("HTTP/1.1 200 OK");
      idle.add(connection);
    }

    // The 21st connection, the client's, makes room: the connection idle longest is closed.
    assertThat(get("/v2/users/1").body()).isEqualTo(GatewayClient.HENRY);
    idle.get(0).setSoTimeout(10_000);
    assertThat(idle.get(0).getInputStream().read()).as("closed by the gateway").isEqualTo(-1);
    idle.get(1).getOutputStream().write(LIVENESS.getBytes(UTF_8)); // the others stay
    assertThat(readAnswer(idle.get(1))).startsWith("HTTP/1.1 200 OK");
  }

  private static final String LIVENESS = "GET /livez HTTP/1.1\r\nHost: localhost\r\n\r\n";

  /** Reads one answer to {@link #LIVENESS} ({@code {"live":true}}, its last bytes). */
  private static String readAnswer(Socket connection) throws IOException {
    connection.setSoTimeout(10_000);
    StringBuilder answer = new StringBuilder();
    while (!answer.toString().endsWith("{\"live\":true}")) {
      int b = connection.getInputStream().read();
      assertThat(b).as("answered before the connection closed").isNotEqualTo(-1);
      answer.append((char) b);
    }
    return answer.toString();
  }

  @Test
  void twoConnectionsThatWouldFillTheBoundBetweenThem_leaveRoomForAThird() throws Exception {
    HoldingUsers users = new HoldingUsers();
    gateway =
        GatewayClient.inFrontOf(scriptedUsers(users).port(), closer, "--max-requests-in-flight=8");
    RawHttp2Client first = closer.add(RawHttp2Client.connect(gateway.gateway().port()));
    RawHttp2Client second = closer.add(RawHttp2Client.connect(gateway.gateway().port()));
    try {
      // The first connection takes half the bound; the second asks for the other half and, past
      // three quarters (6), is held to its share, 8 / (2 connections asking + 1): 2.
      askHeld(first, 0, 4);
      await().atMost(Duration.ofSeconds(10)).until(() -> users.held.size() == 4);
      List<Integer> asked = askHeld(second, 4, 4);
      assertThat(second.readEndedStreams(2, Duration.ofSeconds(10)))
          .as("answered at once (429)")
          .containsExactlyInAnyOrder(asked.get(2), asked.get(3));
      await().atMost(Duration.ofSeconds(10)).until(() -> users.held.size() == 6);

      // Without shares the two would hold all 8, and this would be refused.
      assertThat(get("/v2/users/1").statusCode()).isEqualTo(200);
    } finally {
      users.release();
    }
  }

  @Test
  void connectionsFetchingOnlyFiles_takeNoShare() throws Exception {
    HoldingUsers users = new HoldingUsers();
    gateway =
        GatewayClient.inFrontOf(scriptedUsers(users).port(), closer, "--max-requests-in-flight=8");
    // Three connections whose liveness answers wait unread (a receive window of 0): in flight
    // until written, making no call.
    for (int i = 0; i < 3; i++) {
      RawHttp2Client probe = closer.add(RawHttp2Client.neverReading(gateway.gateway().port()));
      int stream = probe.request("GET", GatewayServices.LIVE_PATH, "accept", "*/*", true);
      probe.flush();
      probe.readHeaders(stream, Duration.ofSeconds(10));
    }
    RawHttp2Client calling = closer.add(RawHttp2Client.connect(gateway.gateway().port()));
    try {
      // The one connection making calls has the rest of the bound, 5: were the probes' connections
      // counted, past three quarters (6) its share would be 8 / (4 + 1), and it would hold 3.
      List<Integer> asked = askHeld(calling, 0, 6);
      assertThat(calling.readEndedStreams(1, Duration.ofSeconds(10)))
          .as("past the bound itself (429)")
          .containsExactly(asked.get(5));
      await().atMost(Duration.ofSeconds(10)).until(() -> users.held.size() == 5);
    } finally {
      users.release();
    }
  }

  @Test
  void anH2cClientCancellingHalfItsRequests_keepsItsConnection_oneCancellingNearlyAll_losesIt()
      throws Exception {
    HoldingUsers users = new HoldingUsers();
    gateway = GatewayClient.inFrontOf(scriptedUsers(users).port(), closer);
    RawHttp2Client client = closer.add(RawHttp2Client.connect(gateway.gateway().port()));
    try {
      // A proxy in front of the gateway whose callers give up on half their requests, each while
      // the gateway waits on the User service: past Netty's own bound (200 resets in 30 s, which
      // closed the connection) and RapidResets' 1,000.
      for (int i = 0; i < 1200; i++) {
        client.reset(askHeld(client, i, 1).get(0));
        int answered = client.request("GET", "/v2/users/1", "accept", "application/json", true);
        client.flush();
        assertThat(client.readEndedStreams(1, Duration.ofSeconds(10))).containsExactly(answered);
      }

      // Resets alone: once they are three in four of the connection's streams, it is closed.
      try {
        for (int i = 0; i < 3000; i++) {
          client.reset(askHeld(client, 1200 + i, 1).get(0));
        }
        client.flush();
        client.readUntilClosed(Duration.ofSeconds(10));
      } catch (SocketException closedByTheGateway) {
        // Expected: closed while resets were still being sent.
      }
      // Others are served. The gateway passed those resets on to the User service, which may have
      // told the gateway's connection to go away for them in turn (limits.md): the channel goes on
      // on a new one.
      await()
          .atMost(Duration.ofSeconds(10))
          .untilAsserted(() -> assertThat(get("/v2/users/1").statusCode()).isEqualTo(200));
    } finally {
      users.release();
    }
  }

  @Test
  void clientsLeavingByTheThousand_getTheGatewayToldToGoAway_theRequestsOthersWaitOnAnswered()
      throws Exception {
    HoldingUsers users = new HoldingUsers();
    FreezableTcpProxy toUsers = closer.add(new FreezableTcpProxy(scriptedUsers(users).port()));
    gateway = GatewayClient.inFrontOf(toUsers.port(), closer);
    // A request the User service holds: a client waiting on its answer, for as long as the
    // clients below take to come and go (more than the default deadline's 2 s, on a machine
    // running another build beside this one).
    CompletableFuture<HttpResponse<String>> waiting =
        gateway
            .http()
            .sendAsync(
                gateway.request("/v2/users/held-waiting").header("Grpc-Timeout", "60S").build(),
                ofString());
    try {
      assertThat(users.arrivals.tryAcquire(10, TimeUnit.SECONDS)).isTrue();

      // HTTP/1.1 clients that ask and leave, each once the User service has the gateway's call:
      // the gateway cancels each call, a reset on its one connection to the User server, which
      // takes more than 1,000 of those with nothing else for an attack (RapidResets). It tells
      // the gateway to go away, and the gateway makes its next calls on a new connection.
      for (int i = 0; i <= 2 * RapidResets.MAX_RESETS && toUsers.connectionsAccepted() == 1; i++) {
        try (Socket leaving =
            new Socket(InetAddress.getLoopbackAddress(), gateway.gateway().port())) {
          leaving
              .getOutputStream()
              .write(("GET /v2/users/held" + i + " HTTP/1.1\r\nhost: x\r\n\r\n").getBytes(UTF_8));
          assertThat(users.arrivals.tryAcquire(10, TimeUnit.SECONDS)).isTrue();
          leaving.setSoLinger(true, 0); // a reset, not a FIN: gone at once
        }
      }
      assertThat(toUsers.connectionsAccepted()).as("the gateway's connections").isEqualTo(2);

    } finally {
      users.release();
    }
    // The call made on the old connection is answered there: the client waiting gets its user.
    assertThat(waiting.get(10, TimeUnit.SECONDS).statusCode()).isEqualTo(200);
    assertThat(get("/v2/users/1").statusCode()).isEqualTo(200);
  }

  @Test
  void aBusyH2cClientResettingTensOfThousandsOfRequestsAmongMore_keepsItsConnection()
      throws Exception {
    start("--port=0");
    RawHttp2Client client = closer.add(RawHttp2Client.connect(gateway.gateway().port()));
    client.openConnectionWindow(); // for 10,000 answers

    // A proxy in front of the gateway whose requests time out in a storm: more than 10,000 resets
    // (Netty's bound was once set there, and closed the connection at the 10,001st) within its
    // 10 s, among as many requests answered. Rounds of 120 requests whose bodies never come, reset
    // once 120 health checks sent after them are answered (the gateway takes 250 streams at once).
    int resets = 0;
    while (resets <= 10_000) {
      List<Integer> waiting = new ArrayList<>();
      for (int i = 0; i < 120; i++) {
        waiting.add(client.request("POST", "/v2/users/1", "content-length", "5", false));
      }
      List<Integer> checks = new ArrayList<>();
      for (int i = 0; i < 120; i++) {
        checks.add(client.request("GET", "/healthz", "accept", "application/json", true));
      }
      client.flush();
      assertThat(client.readEndedStreams(120, Duration.ofSeconds(10)))
          .as("the health checks answered, the requests waiting for their bodies still open")
          .containsExactlyInAnyOrderElementsOf(checks);
      for (int stream : waiting) {
        client.reset(stream);
      }
      resets += waiting.size();
    }

    int last = client.request("GET", "/healthz", "accept", "application/json", true);
    client.flush();
    assertThat(client.readEndedStreams(1, Duration.ofSeconds(10))).containsExactly(last);
  }

  @Test
  void listUsers_allFiveInOneAnswer_defaultsWrittenOut() throws Exception {
    start("--port=0");

    HttpResponse<String> response = get("/v2/users");

    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(response.body())
        .startsWith(
            "{\"userMessages\":["
                + GatewayClient.HENRY.substring(
                    "{\"userMessage\":".length(), GatewayClient.HENRY.length() - 1)
                + ",")
        .contains("\"name\":\"Tony\"")
        .endsWith("],\"nextPageToken\":\"\"}");
  }

  @Test
  void queryParameters_fillTheRequest_unknownOnesIgnored_pathPercentDecoded() throws Exception {
    start("--port=0");

    assertThat(get("/v2/users?page_size=1&colour=blue").body())
        .isEqualTo(
            "{\"userMessages\":["
                + GatewayClient.HENRY.substring(
                    "{\"userMessage\":".length(), GatewayClient.HENRY.length() - 1)
                + "],\"nextPageToken\":\"CgV1c2VycxAB\"}");
    assertThat(get("/v2/users?pageSize=1").body()).contains("\"nextPageToken\":\"CgV1c2VycxAB\"");
    assertThat(get("/v2/users/%31").body()).isEqualTo(GatewayClient.HENRY);
  }

  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      value = {
        "/v2/users/99 | 404 | {\"code\":5,\"message\":\"user \\\"99\\\" does not exist\",\"details\":[]}",
        "/v2/users?page_size=-1 | 400 | {\"code\":3,\"message\":\"page_size must not be negative\",\"details\":[]}",
        "/v2/users?page_token=forged | 400 | {\"code\":3,\"message\":\"page_token is not a next_page_token of this request; start again without it\",\"details\":[]}",
        "/nowhere | 404 | {\"code\":5,\"message\":\"Not Found\",\"details\":[]}",
        "/v2/users?page_size=ten | 400 | {\"code\":3,\"message\":\"parameter page_size: \\\"ten\\\" is not of type int32\",\"details\":[]}",
      })
  void errors_asGrpcGatewayWritesThem(String path, int status, String body) throws Exception {
    start("--port=0");

    HttpResponse<String> response = get(path);

    assertThat(response.statusCode()).isEqualTo(status);
    assertThat(response.body()).isEqualTo(body);
  }

  @Test
  void anotherMethodOnAKnownPath_is405WithAllow() throws Exception {
    start("--port=0");

    HttpResponse<String> response = gateway.send(gateway.request("/v2/users/1").DELETE());

    assertThat(response.statusCode()).isEqualTo(405);
    assertThat(response.headers().firstValue("allow")).hasValue("GET");
    assertThat(response.body())
        .isEqualTo("{\"code\":12,\"message\":\"Method Not Allowed\",\"details\":[]}");
  }

  @Test
  void userServerDown_is503Unavailable_andReadinessSaysSoAfterTheGrace_livenessDoesNot()
      throws Exception {
    gateway =
        GatewayClient.start(closer, "--user-target=localhost:1", "--user-unavailable-grace=1s");

    HttpResponse<String> response = get("/v2/users/1");

    assertThat(response.statusCode()).isEqualTo(503);
    assertThat(response.body()).startsWith("{\"code\":14,\"message\":");
    await()
        .atMost(Duration.ofSeconds(10))
        .untilAsserted(
            () -> assertThat(get(GatewayServices.HEALTH_PATH).statusCode()).isEqualTo(503));
    // Liveness stays up: a User outage must not get every gateway restarted.
    assertThat(get(GatewayServices.LIVE_PATH).statusCode()).isEqualTo(200);
  }

  @Test
  void openApi_describesEveryRouteFromTheDescriptors() throws Exception {
    start("--port=0");

    JsonObject document = JsonParser.parseString(get("/openapi.json").body()).getAsJsonObject();

    assertThat(document.getAsJsonObject("info").get("version").getAsString())
        .as("the project's version, from the build")
        .isEqualTo(ProjectVersion.get());
    JsonObject paths = document.getAsJsonObject("paths");
    assertThat(paths.keySet())
        .containsExactly(
            "/v2/users/{user_id}", "/v2/users", "/v1/users/{user_id}/posts", "/v1/posts");
    JsonObject getUser = paths.getAsJsonObject("/v2/users/{user_id}").getAsJsonObject("get");
    assertThat(getUser.get("operationId").getAsString()).isEqualTo("v2.user.User.GetUser");
    assertThat(
            getUser.getAsJsonArray("parameters").get(0).getAsJsonObject().get("in").getAsString())
        .isEqualTo("path");
    JsonObject schemas = document.getAsJsonObject("components").getAsJsonObject("schemas");
    assertThat(
            schemas.getAsJsonObject("v2.user.UserMessage").getAsJsonObject("properties").keySet())
        .containsExactly("userId", "name", "phoneNumber", "age");
    assertThat(schemas.keySet())
        .contains("v2.user.GetUserResponse", "v2.user.ListUsersResponse", "google.rpc.Status");
  }

  @Test
  void metrics_countTheUserCallsMadeForRequests() throws Exception {
    GrpcServer users = closer.add(UserServer.start(UserServerConfig.parse("--port=0")));
    gateway = GatewayClient.inFrontOf(users.port(), closer, "--metrics-port=0");
    for (int i = 0; i < 3; i++) {
      get("/v2/users/1");
    }

    String scrape =
        gateway
            .send(
                HttpRequest.newBuilder(
                    URI.create("http://localhost:" + gateway.gateway().metricsPort() + "/metrics")))
            .body();

    assertThat(scrape.lines())
        .filteredOn(line -> line.startsWith("http_server_request_duration_seconds_count{"))
        .singleElement()
        .satisfies(
            line ->
                assertThat(line)
                    .contains(
                        "http_request_method=\"GET\"",
                        "http_response_status_code=\"200\"",
                        "http_route=\"/v2/users/{user_id}\"")
                    .endsWith(" 3"));
    assertThat(scrape.lines())
        .filteredOn(line -> line.startsWith("grpc_client_call_duration_seconds_count{"))
        .filteredOn(line -> line.contains("grpc_method=\"v2.user.User/GetUser\""))
        .singleElement()
        .satisfies(line -> assertThat(line).contains("grpc_status=\"OK\"").endsWith(" 3"));
  }

  @Test
  void postRoutes_fromTheGatewaysRules_answerWithAuthors() throws Exception {
    gateway = GatewayClient.inFrontOfThePair(closer);

    HttpResponse<String> byUser = get("/v1/users/1/posts");
    HttpResponse<String> firstPage = get("/v1/posts?page_size=2");
    HttpResponse<String> noSuchUser = get("/v1/users/99/posts");

    assertThat(byUser.statusCode()).isEqualTo(200);
    JsonObject answer = JsonParser.parseString(byUser.body()).getAsJsonObject();
    assertThat(answer.getAsJsonArray("postMessages"))
        .isNotEmpty()
        .allSatisfy(
            post ->
                assertThat(post.getAsJsonObject().get("author").getAsString()).isEqualTo("Henry"));
    assertThat(answer.get("nextPageToken").getAsString()).isEmpty();
    JsonObject page = JsonParser.parseString(firstPage.body()).getAsJsonObject();
    assertThat(page.getAsJsonArray("postMessages")).hasSize(2);
    assertThat(page.get("nextPageToken").getAsString()).isNotEmpty();
    assertThat(noSuchUser.statusCode()).isEqualTo(404);
    assertThat(noSuchUser.body()).startsWith("{\"code\":5,");
  }

  @Test
  void grpcTimeoutOfAnotherForm_is400() throws Exception {
    start("--port=0");

    HttpResponse<String> response = get("/v2/users/1", "Grpc-Timeout", "soon");

    assertThat(response.statusCode()).isEqualTo(400);
    assertThat(response.body())
        .isEqualTo(
            "{\"code\":3,\"message\":\"Grpc-Timeout \\\"soon\\\" is not 1-8 digits and a unit"
                + " (H, M, S, m, u, n)\",\"details\":[]}");
  }

  @Test
  void grpcWeb_carriesTheCallsStatusInTheTrailersFrame() throws Exception {
    start("--port=0");
    byte[] request = {0, 0, 0, 0, 4, 0x0a, 2, '9', '9'}; // GetUserRequest{user_id: "99"}

    HttpResponse<byte[]> response =
        gateway
            .http()
            .send(
                gateway
                    .request("/v2.user.User/GetUser")
                    .header("content-type", "application/grpc-web+proto")
                    .POST(HttpRequest.BodyPublishers.ofByteArray(request))
                    .build(),
                HttpResponse.BodyHandlers.ofByteArray());

    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(response.headers().firstValue("content-type"))
        .hasValue("application/grpc-web+proto");
    byte[] body = response.body();
    assertThat(body[0]).as("a trailers frame, no message").isEqualTo((byte) 0x80);
    assertThat(new String(body, 5, body.length - 5, java.nio.charset.StandardCharsets.US_ASCII))
        .isEqualTo("grpc-status:5\r\ngrpc-message:user \"99\" does not exist\r\n");
  }

  @Test
  void theRequestId_isTheOneTheUserServerGets_overJsonAndGrpcWeb() throws Exception {
    start("--port=0");
    byte[] request = {0, 0, 0, 0, 3, 0x0a, 1, '1'}; // GetUserRequest{user_id: "1"}

    // The request's id, whatever Grpc-Metadata-X-Request-Id says (RequestIdTest: one id a call).
    assertThat(
            get("/v2/users/1", "X-Request-Id", "json-1", "Grpc-Metadata-X-Request-Id", "other")
                .headers()
                .allValues("grpc-metadata-x-request-id"))
        .containsExactly("json-1");
    assertThat(grpcWeb(request, "x-request-id", "web-1").headers().allValues("x-request-id"))
        .containsExactly("web-1");
    // An id unfit for a log line is replaced, over gRPC-Web as over JSON.
    assertThat(grpcWeb(request, "x-request-id", "two words").headers().allValues("x-request-id"))
        .singleElement()
        .asString()
        .matches("[0-9a-f-]{36}");
  }

  private HttpResponse<byte[]> grpcWeb(byte[] request, String... headers) throws Exception {
    return gateway
        .http()
        .send(
            gateway
                .request("/v2.user.User/GetUser")
                .headers(headers)
                .header("content-type", "application/grpc-web+proto")
                .POST(HttpRequest.BodyPublishers.ofByteArray(request))
                .build(),
            HttpResponse.BodyHandlers.ofByteArray());
  }

  @Test
  void aBodyBudgetBelowOneBody_isABadValue() {
    assertThatThrownBy(() -> GatewayConfig.parse("--max-held-body-bytes=1000"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("--max-held-body-bytes takes at least 1048576 (one body of the largest size)");
  }

  @Test
  void aPortInUse_failsTheStartNamingThePort() throws Exception {
    start("--port=0");
    int taken = gateway.gateway().port();

    assertThatThrownBy(
            () ->
                Gateway.start(GatewayConfig.parse("--port=" + taken, "--user-target=localhost:1")))
        .hasMessageStartingWith("cannot listen on port " + taken + ": ");
  }

  @Test
  void health_isOkWhileTheUserServerIsReachable() throws Exception {
    start("--port=0");

    assertThat(get(GatewayServices.HEALTH_PATH).statusCode()).isEqualTo(200);
  }

  @Test
  void authorizationAndGrpcMetadata_arePassedOn(@TempDir Path dir) throws Exception {
    Path tokens = Files.writeString(dir.resolve("tokens"), "browser=s3cret\n");
    start("--port=0", "--auth-tokens-file=" + tokens);

    assertThat(get("/v2/users/1").statusCode()).isEqualTo(401);
    assertThat(get("/v2/users/1", "Authorization", "Bearer wrong").statusCode()).isEqualTo(401);
    assertThat(get("/v2/users/1", "Authorization", "Bearer s3cret").body())
        .isEqualTo(GatewayClient.HENRY);
    // Grpc-Metadata-Authorization becomes authorization, as grpc-gateway passes it on.
    assertThat(get("/v2/users/1", "Grpc-Metadata-Authorization", "Bearer s3cret").body())
        .isEqualTo(GatewayClient.HENRY);
  }

  @Test
  void responseMetadata_comesBackAsGrpcMetadataHeaders_grpcsOwnLeftOut() throws Exception {
    start("--port=0", "--replica-name=user-a");

    HttpResponse<String> response = get("/v2/users/1", "X-Request-Id", "trace-abc-123");

    assertThat(response.headers().allValues("grpc-metadata-x-request-id"))
        .containsExactly("trace-abc-123");
    assertThat(response.headers().firstValue("grpc-metadata-x-served-by")).hasValue("user-a");
    assertThat(response.headers().firstValue("content-type")).hasValue("application/json");
    assertThat(response.headers().map().keySet())
        .noneMatch(name -> name.startsWith("grpc-") && !name.startsWith("grpc-metadata-"))
        .doesNotContain("x-request-id");
  }
}
