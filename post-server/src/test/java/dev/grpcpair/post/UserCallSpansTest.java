package dev.grpcpair.post;

import static org.assertj.core.api.Assertions.assertThat;

import dev.grpcpair.common.server.GrpcServer;
import dev.grpcpair.proto.post.v1.ListPostsByUserIdRequest;
import dev.grpcpair.proto.post.v1.ListPostsRequest;
import dev.grpcpair.proto.post.v1.PostGrpc;
import dev.grpcpair.testing.Channels;
import dev.grpcpair.testing.Closer;
import dev.grpcpair.testing.TraceReceiver;
import dev.grpcpair.testing.TraceReceiver.Received;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.opentelemetry.proto.trace.v1.Span.SpanKind;
import io.opentelemetry.proto.trace.v1.Status.StatusCode;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The spans of the Post server's calls to a scripted User server, over Netty: a retried call shows
 * each attempt, and the one-by-one fallback shows each GetUser, all under the incoming call.
 */
class UserCallSpansTest {

  private final ScriptedUserService scriptedUsers = new ScriptedUserService();
  private final TraceReceiver receiver = TraceReceiver.start();
  @RegisterExtension final Closer toClose = new Closer();
  private PostGrpc.PostBlockingStub posts;

  @BeforeEach
  void startTracedPostServer() throws Exception {
    toClose.add(receiver);
    GrpcServer userServer = toClose.add(scriptedUsers.serve());
    GrpcServer postServer =
        toClose.add(
            PostServer.start(
                PostServerConfig.parse(
                    "--port=0",
                    "--user-target=localhost:" + userServer.port(),
                    "--otel-exporter-otlp-endpoint=" + receiver.endpoint())));
    ManagedChannel channel = toClose.add(Channels.localhost(postServer.port()));
    posts = PostGrpc.newBlockingStub(channel).withDeadlineAfter(10, TimeUnit.SECONDS);
  }

  /** The Post server's spans, once it has stopped and exported them all. */
  private List<Received> postServerSpans() throws Exception {
    toClose.closeAll();
    return receiver.spans();
  }

  @Test
  void aRetriedCall_isOneClientSpanWithASpanPerAttempt() throws Exception {
    scriptedUsers.failNext(1, Status.UNAVAILABLE.withDescription("replica restarting"));

    posts.listPostsByUserId(ListPostsByUserIdRequest.newBuilder().setUserId("1").build());
    List<Received> spans = postServerSpans();

    List<Received> calls =
        receiver.spans("post-server", SpanKind.SPAN_KIND_CLIENT, "v1.user.User/GetUser");
    assertThat(calls).as("%s", spans).hasSize(1);
    List<Received> attempts =
        receiver.spans("post-server", SpanKind.SPAN_KIND_INTERNAL, "Attempt.v1.user.User/GetUser");
    assertThat(attempts).hasSize(2);
    assertThat(attempts).allSatisfy(a -> assertThat(a.parentId()).isEqualTo(calls.get(0).spanId()));
    assertThat(attempts.get(0).attribute("grpc.previous_rpc_attempts")).contains("0");
    assertThat(attempts.get(0).attribute("rpc.grpc.status_code")).contains("14");
    assertThat(attempts.get(0).span().getStatus().getCode())
        .isEqualTo(StatusCode.STATUS_CODE_ERROR);
    assertThat(attempts.get(1).attribute("grpc.previous_rpc_attempts")).contains("1");
    assertThat(attempts.get(1).attribute("rpc.grpc.status_code")).contains("0");
    assertThat(calls.get(0).attribute("rpc.grpc.status_code")).contains("0");
  }

  @Test
  void theOneByOneFallback_showsTheRefusedBatchAndEachGetUser_underTheIncomingCall()
      throws Exception {
    scriptedUsers.withoutBatch(true);

    assertThat(posts.listPosts(ListPostsRequest.getDefaultInstance()).getPostMessagesCount())
        .isGreaterThan(1);
    List<Received> spans = postServerSpans();

    Received listPosts =
        receiver.spans("post-server", SpanKind.SPAN_KIND_SERVER, "v1.post.Post/ListPosts").get(0);
    List<Received> batch =
        receiver.spans("post-server", SpanKind.SPAN_KIND_CLIENT, "v1.user.User/BatchGetUsers");
    assertThat(batch).hasSize(1);
    assertThat(batch.get(0).attribute("rpc.grpc.status_code")).contains("12");
    List<Received> oneByOne =
        receiver.spans("post-server", SpanKind.SPAN_KIND_CLIENT, "v1.user.User/GetUser");
    assertThat(oneByOne).hasSize(scriptedUsers.getUserCalls()).hasSizeGreaterThan(1);
    assertThat(batch.get(0).parentId()).isEqualTo(listPosts.spanId());
    // Made from the batch's failure, on another thread: the incoming call's context goes along.
    assertThat(oneByOne).allSatisfy(s -> assertThat(s.parentId()).isEqualTo(listPosts.spanId()));
  }
}
