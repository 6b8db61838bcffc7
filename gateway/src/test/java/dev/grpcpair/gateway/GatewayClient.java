package dev.grpcpair.gateway;

import dev.grpcpair.common.server.GrpcServer;
import dev.grpcpair.post.PostServer;
import dev.grpcpair.post.PostServerConfig;
import dev.grpcpair.testing.Closer;
import dev.grpcpair.user.UserServer;
import dev.grpcpair.user.UserServerConfig;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;

/**
 * A gateway started as its jar starts it (stopped by the test's closer), and an HTTP client of it.
 */
final class GatewayClient {

  /** User 1 of the sample data, as the gateway answers {@code GET /v2/users/1}. */
  static final String HENRY =
      "{\"userMessage\":{\"userId\":\"1\",\"name\":\"Henry\",\"phoneNumber\":\"01012341234\","
          + "\"age\":22}}";

  private final Gateway gateway;
  private final HttpClient http = HttpClient.newHttpClient();

  private GatewayClient(Gateway gateway) {
    this.gateway = gateway;
  }

  /** A gateway on a free port with {@code flags}. */
  static GatewayClient start(Closer closer, String... flags) {
    List<String> args = new ArrayList<>(List.of("--port=0"));
    args.addAll(List.of(flags));
    Gateway gateway = Gateway.start(GatewayConfig.parse(args.toArray(String[]::new)));
    closer.add(gateway::stop);
    return new GatewayClient(gateway);
  }

  /** A gateway on a free port in front of the User service on {@code userPort}. */
  static GatewayClient inFrontOf(int userPort, Closer closer, String... flags) {
    List<String> args = new ArrayList<>(List.of("--user-target=localhost:" + userPort));
    args.addAll(List.of(flags));
    return start(closer, args.toArray(String[]::new));
  }

  /** A gateway on a free port in front of a real User server and a Post server that uses it. */
  static GatewayClient inFrontOfThePair(Closer closer) throws IOException {
    GrpcServer users = closer.add(UserServer.start(UserServerConfig.parse("--port=0")));
    GrpcServer posts =
        closer.add(
            PostServer.start(
                PostServerConfig.parse("--port=0", "--user-target=localhost:" + users.port())));
    return inFrontOf(users.port(), closer, "--post-target=localhost:" + posts.port());
  }

  Gateway gateway() {
    return gateway;
  }

  HttpClient http() {
    return http;
  }

  HttpRequest.Builder request(String pathAndQuery) {
    return HttpRequest.newBuilder(URI.create("http://localhost:" + gateway.port() + pathAndQuery));
  }

  HttpResponse<String> send(HttpRequest.Builder request) throws Exception {
    return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
  }

  HttpResponse<String> get(String pathAndQuery, String... headers) throws Exception {
    HttpRequest.Builder request = request(pathAndQuery);
    if (headers.length > 0) {
      request.headers(headers);
    }
    return send(request);
  }
}
