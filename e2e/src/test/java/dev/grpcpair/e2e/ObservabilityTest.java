package dev.grpcpair.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.grpcpair.common.observability.RequestId;
import dev.grpcpair.common.server.GrpcServer;
import dev.grpcpair.post.PostServer;
import dev.grpcpair.post.PostServerConfig;
import dev.grpcpair.proto.post.v1.ListPostsByUserIdRequest;
import dev.grpcpair.proto.post.v1.ListPostsRequest;
import dev.grpcpair.proto.post.v1.PostGrpc;
import dev.grpcpair.testing.Channels;
import dev.grpcpair.testing.Closer;
import dev.grpcpair.testing.LogCapture;
import dev.grpcpair.user.UserServer;
import dev.grpcpair.user.UserServerConfig;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.MetadataUtils;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Access logs, request ids across both servers, and metrics, with the pair over Netty. */
class ObservabilityTest {

  @RegisterExtension final Closer closer = new Closer();

  private GrpcServer userServer;
  private GrpcServer postServer;

  /** The pair; both servers get {@code flags} too. */
  private PostGrpc.PostBlockingStub startPair(String... flags) throws Exception {
    List<String> userArgs = new ArrayList<>(List.of(flags));
    userArgs.add("--port=0");
    userServer =
        closer.add(UserServer.start(UserServerConfig.parse(userArgs.toArray(String[]::new))));
    List<String> postArgs = new ArrayList<>(userArgs);
    postArgs.add("--user-target=localhost:" + userServer.port());
    postServer =
        closer.add(PostServer.start(PostServerConfig.parse(postArgs.toArray(String[]::new))));
    ManagedChannel channel = Channels.localhost(postServer.port());
    closer.add(channel);
    return PostGrpc.newBlockingStub(channel).withDeadlineAfter(10, TimeUnit.SECONDS);
  }

  private static PostGrpc.PostBlockingStub withRequestId(
      PostGrpc.PostBlockingStub posts,
      String requestId,
      AtomicReference<Metadata> responseHeaders) {
    Metadata headers = new Metadata();
    headers.put(RequestId.HEADER, requestId);
    return posts.withInterceptors(
        MetadataUtils.newAttachHeadersInterceptor(headers),
        MetadataUtils.newCaptureMetadataInterceptor(responseHeaders, new AtomicReference<>()));
  }

  @Test
  void oneRequestId_isTraceableThroughBothServersLogs() throws Exception {
    try (LogCapture log = LogCapture.start()) {
      PostGrpc.PostBlockingStub posts = startPair();
      AtomicReference<Metadata> responseHeaders = new AtomicReference<>();

      withRequestId(posts, "trace-7f3a", responseHeaders)
          .listPostsByUserId(ListPostsByUserIdRequest.newBuilder().setUserId("3").build());
      assertThatThrownBy(
              () ->
                  withRequestId(posts, "trace-404", new AtomicReference<>())
                      .listPostsByUserId(
                          ListPostsByUserIdRequest.newBuilder().setUserId("99").build()))
          .isInstanceOf(StatusRuntimeException.class);
      closer.closeAll();

      assertThat(responseHeaders.get().get(RequestId.HEADER)).isEqualTo("trace-7f3a");
      assertThat(log.text())
          .containsPattern(
              "access - v1\\.post\\.Post/ListPostsByUserId OK .* request_id=trace-7f3a")
          .containsPattern("access - v1\\.user\\.User/GetUser OK .* request_id=trace-7f3a")
          .containsPattern(
              "access - v1\\.post\\.Post/ListPostsByUserId NOT_FOUND .* request_id=trace-404")
          .containsPattern("access - v1\\.user\\.User/GetUser NOT_FOUND .* request_id=trace-404");
    }
  }

  @Test
  void metrics_showPerMethodCountsOnBothServersAndTheUserClient() throws Exception {
    PostGrpc.PostBlockingStub posts = startPair("--metrics-port=0");
    int userMetrics = userServer.metricsPort();
    int postMetrics = postServer.metricsPort();

    for (int i = 0; i < 5; i++) {
      posts.listPosts(ListPostsRequest.getDefaultInstance());
    }

    // 5 ListPosts calls, each asking for its page's authors in one BatchGetUsers call.
    assertThat(
            count(
                scrape(postMetrics),
                "grpc_server_call_duration_seconds_count",
                "v1.post.Post/ListPosts"))
        .isEqualTo(5);
    assertThat(
            count(
                scrape(postMetrics),
                "grpc_client_call_duration_seconds_count",
                "v1.user.User/BatchGetUsers"))
        .isEqualTo(5);
    assertThat(
            count(
                scrape(userMetrics),
                "grpc_server_call_duration_seconds_count",
                "v1.user.User/BatchGetUsers"))
        .isEqualTo(5);
  }

  /** What Prometheus would scrape from {@code port}. */
  static String scrape(int port) throws Exception {
    return HttpClient.newHttpClient()
        .send(
            HttpRequest.newBuilder(URI.create("http://localhost:" + port + "/metrics")).build(),
            HttpResponse.BodyHandlers.ofString())
        .body();
  }

  private static long count(String scrape, String metric, String method) {
    Matcher matcher =
        Pattern.compile(
                Pattern.quote(metric)
                    + "\\{[^}]*grpc_method=\""
                    + Pattern.quote(method)
                    + "\"[^}]*grpc_status=\"OK\"[^}]*} (\\d+)")
            .matcher(scrape);
    assertThat(matcher.find()).as("%s for %s in:%n%s", metric, method, scrape).isTrue();
    return Long.parseLong(matcher.group(1));
  }
}
