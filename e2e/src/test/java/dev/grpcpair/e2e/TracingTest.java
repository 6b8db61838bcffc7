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
import dev.grpcpair.proto.user.v1.GetUserRequest;
import dev.grpcpair.proto.user.v1.UserGrpc;
import dev.grpcpair.testing.Channels;
import dev.grpcpair.testing.Closer;
import dev.grpcpair.testing.LogCapture;
import dev.grpcpair.testing.TraceReceiver;
import dev.grpcpair.testing.TraceReceiver.Received;
import dev.grpcpair.user.UserServer;
import dev.grpcpair.user.UserServerConfig;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.StatusRuntimeException;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.stub.MetadataUtils;
import io.opentelemetry.proto.trace.v1.Span.SpanKind;
import io.opentelemetry.proto.trace.v1.Status.StatusCode;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Traces of the pair over Netty, exported over OTLP to a receiver of the test's: the servers are
 * stopped before the spans are read, and their stop exports every span still queued.
 */
class TracingTest {

  private static final Metadata.Key<String> TRACEPARENT =
      Metadata.Key.of("traceparent", Metadata.ASCII_STRING_MARSHALLER);

  @RegisterExtension final Closer closer = new Closer();

  private final TraceReceiver receiver = TraceReceiver.start();

  /** The pair, both servers exporting to the receiver. */
  private PostGrpc.PostBlockingStub startPair() throws Exception {
    closer.add(receiver);
    String endpoint = "--otel-exporter-otlp-endpoint=" + receiver.endpoint();
    GrpcServer userServer =
        closer.add(UserServer.start(UserServerConfig.parse("--port=0", endpoint)));
    GrpcServer postServer =
        closer.add(
            PostServer.start(
                PostServerConfig.parse(
                    "--port=0", endpoint, "--user-target=localhost:" + userServer.port())));
    ManagedChannel channel = Channels.localhost(postServer.port());
    closer.add(channel);
    return PostGrpc.newBlockingStub(channel).withDeadlineAfter(10, TimeUnit.SECONDS);
  }

  /** Stops the pair (flushing its spans) and returns the one trace they sent. */
  private List<Received> stopAndReadTheTrace() throws Exception {
    closer.closeAll();
    List<Received> spans = receiver.spans();
    assertThat(spans)
        .extracting(Received::traceId)
        .as("one trace: %s", spans)
        .containsOnly(traceOf(spans));
    return spans;
  }

  private static String traceOf(List<Received> spans) {
    assertThat(spans).isNotEmpty();
    return spans.get(0).traceId();
  }

  private static void assertChild(Received child, Received parent) {
    assertThat(child.parentId()).as(child + " under " + parent).isEqualTo(parent.spanId());
  }

  @Test
  void listPostsByUserId_isOneTraceThroughBothServers_withTheConventionsAttributes()
      throws Exception {
    PostGrpc.PostBlockingStub posts = startPair();
    Metadata headers = new Metadata();
    headers.put(RequestId.HEADER, "trace-me-1");
    try (LogCapture log = LogCapture.start()) {
      posts
          .withInterceptors(MetadataUtils.newAttachHeadersInterceptor(headers))
          .listPostsByUserId(ListPostsByUserIdRequest.newBuilder().setUserId("3").build());
      List<Received> spans = stopAndReadTheTrace();

      Received postServer =
          receiver.only("post-server", SpanKind.SPAN_KIND_SERVER, "v1.post.Post/ListPostsByUserId");
      Received postClient =
          receiver.only("post-server", SpanKind.SPAN_KIND_CLIENT, "v1.user.User/GetUser");
      Received attempt =
          receiver.only("post-server", SpanKind.SPAN_KIND_INTERNAL, "Attempt.v1.user.User/GetUser");
      Received userServer =
          receiver.only("user-server", SpanKind.SPAN_KIND_SERVER, "v1.user.User/GetUser");
      assertThat(spans).hasSize(4);
      assertThat(postServer.parentId()).as("a new trace").isEmpty();
      assertChild(postClient, postServer);
      assertChild(attempt, postClient);
      assertChild(userServer, attempt);
      for (Received span : List.of(postServer, postClient, userServer)) {
        assertThat(span.attribute("rpc.system")).contains("grpc");
        assertThat(span.attribute("rpc.grpc.status_code")).contains("0");
      }
      assertThat(postClient.attribute("rpc.service")).contains("v1.user.User");
      assertThat(postClient.attribute("rpc.method")).contains("GetUser");
      assertThat(postClient.attribute("server.address")).contains("localhost");
      assertThat(attempt.attribute("grpc.previous_rpc_attempts")).contains("0");
      assertThat(postServer.attribute("rpc.grpc.request.metadata.x-request-id"))
          .contains("trace-me-1");
      assertThat(userServer.attribute("rpc.grpc.request.metadata.x-request-id"))
          .contains("trace-me-1");

      String traceId = postServer.traceId();
      assertThat(log.text())
          .containsPattern(
              "access - v1\\.post\\.Post/ListPostsByUserId OK .* request_id=trace-me-1 trace_id="
                  + traceId)
          .containsPattern(
              "access - v1\\.user\\.User/GetUser OK .* request_id=trace-me-1 trace_id=" + traceId);
      System.out.println(receiver.tree(traceId));
    }
  }

  @Test
  void listPosts_asksForItsAuthorsInOneBatchGetUsers_aChildOfItsSpan() throws Exception {
    PostGrpc.PostBlockingStub posts = startPair();

    assertThat(posts.listPosts(ListPostsRequest.getDefaultInstance()).getPostMessagesCount())
        .isGreaterThan(1);
    List<Received> spans = stopAndReadTheTrace();

    Received listPosts =
        receiver.only("post-server", SpanKind.SPAN_KIND_SERVER, "v1.post.Post/ListPosts");
    Received batch =
        receiver.only("post-server", SpanKind.SPAN_KIND_CLIENT, "v1.user.User/BatchGetUsers");
    assertChild(batch, listPosts);
    assertThat(spans)
        .filteredOn(span -> span.span().getKind() == SpanKind.SPAN_KIND_CLIENT)
        .as("one call to the User service for all the authors")
        .hasSize(1);
  }

  @Test
  void aFailedUserCall_marksTheSpansWithItsStatus() throws Exception {
    PostGrpc.PostBlockingStub posts = startPair();

    assertThatThrownBy(
            () ->
                posts.listPostsByUserId(
                    ListPostsByUserIdRequest.newBuilder().setUserId("99").build()))
        .isInstanceOf(StatusRuntimeException.class);
    List<Received> spans = stopAndReadTheTrace();

    Received client =
        receiver.only("post-server", SpanKind.SPAN_KIND_CLIENT, "v1.user.User/GetUser");
    Received userServer =
        receiver.only("user-server", SpanKind.SPAN_KIND_SERVER, "v1.user.User/GetUser");
    Received postServer =
        receiver.only("post-server", SpanKind.SPAN_KIND_SERVER, "v1.post.Post/ListPostsByUserId");
    for (Received span : List.of(client, userServer, postServer)) {
      assertThat(span.attribute("rpc.grpc.status_code")).as(span.toString()).contains("5");
    }
    // OpenTelemetry's conventions: any failure is the client's error; NOT_FOUND is not a server's.
    assertThat(client.span().getStatus().getCode()).isEqualTo(StatusCode.STATUS_CODE_ERROR);
    assertThat(userServer.span().getStatus().getCode()).isNotEqualTo(StatusCode.STATUS_CODE_ERROR);
  }

  @Test
  void aCallersTraceparent_isContinuedThroughBothServers() throws Exception {
    PostGrpc.PostBlockingStub posts = startPair();
    String traceId = "4bf92f3577b34da6a3ce929d0e0e4736";
    String callerSpan = "00f067aa0ba902b7";
    Metadata headers = new Metadata();
    headers.put(TRACEPARENT, "00-" + traceId + "-" + callerSpan + "-01");

    posts
        .withInterceptors(MetadataUtils.newAttachHeadersInterceptor(headers))
        .listPostsByUserId(ListPostsByUserIdRequest.newBuilder().setUserId("1").build());
    List<Received> spans = stopAndReadTheTrace();

    assertThat(traceOf(spans)).isEqualTo(traceId);
    assertThat(
            receiver
                .only("post-server", SpanKind.SPAN_KIND_SERVER, "v1.post.Post/ListPostsByUserId")
                .parentId())
        .isEqualTo(callerSpan);
    assertThat(spans).extracting(Received::service).contains("post-server", "user-server");
  }

  @Test
  void aCallersUnsampledTraceparent_isRecordedNowhere_butItsTraceIdGoesOn() throws Exception {
    PostGrpc.PostBlockingStub posts = startPair();
    String traceId = "0af7651916cd43dd8448eb211c80319c";
    Metadata headers = new Metadata();
    headers.put(TRACEPARENT, "00-" + traceId + "-b7ad6b7169203331-00");

    try (LogCapture log = LogCapture.start()) {
      posts
          .withInterceptors(MetadataUtils.newAttachHeadersInterceptor(headers))
          .listPostsByUserId(ListPostsByUserIdRequest.newBuilder().setUserId("1").build());
      // Then a call of a trace of its own, which is sampled: its spans alone reach the receiver.
      posts.listPostsByUserId(ListPostsByUserIdRequest.newBuilder().setUserId("2").build());
      List<Received> spans = stopAndReadTheTrace();

      assertThat(spans).hasSize(4).extracting(Received::traceId).doesNotContain(traceId);
      assertThat(log.text())
          .as("the caller's trace id in both servers' access logs")
          .containsPattern("access - v1\\.post\\.Post/ListPostsByUserId OK .* trace_id=" + traceId)
          .containsPattern("access - v1\\.user\\.User/GetUser OK .* trace_id=" + traceId);
    }
  }

  @Test
  void healthChecks_areNotTraced_theServicesCallsAre() throws Exception {
    closer.add(receiver);
    GrpcServer userServer =
        closer.add(
            UserServer.start(
                UserServerConfig.parse(
                    "--port=0", "--otel-exporter-otlp-endpoint=" + receiver.endpoint())));
    ManagedChannel channel = closer.add(Channels.localhost(userServer.port()));

    HealthGrpc.newBlockingStub(channel).check(HealthCheckRequest.getDefaultInstance());
    UserGrpc.newBlockingStub(channel).getUser(GetUserRequest.newBuilder().setUserId("1").build());
    List<Received> spans = stopAndReadTheTrace();

    assertThat(spans).extracting(Received::name).containsExactly("v1.user.User/GetUser");
  }
}
