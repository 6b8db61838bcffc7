package dev.grpcpair.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import dev.grpcpair.common.server.GrpcServer;
import dev.grpcpair.testing.Closer;
import dev.grpcpair.testing.LogCapture;
import dev.grpcpair.testing.TraceReceiver;
import dev.grpcpair.testing.TraceReceiver.Received;
import dev.grpcpair.user.UserServer;
import dev.grpcpair.user.UserServerConfig;
import io.opentelemetry.proto.trace.v1.Span.SpanKind;
import java.net.http.HttpResponse;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** An HTTP request through the gateway is one trace: its span, then the gRPC call it makes. */
class GatewaySpansTest {

  @RegisterExtension final Closer closer = new Closer();

  @Test
  void aRequestWithATraceparent_continuesTheTraceThroughItsGrpcCall() throws Exception {
    TraceReceiver receiver = closer.add(TraceReceiver.start());
    String endpoint = "--otel-exporter-otlp-endpoint=" + receiver.endpoint();
    GrpcServer users = closer.add(UserServer.start(UserServerConfig.parse("--port=0", endpoint)));
    GatewayClient gateway = GatewayClient.inFrontOf(users.port(), closer, endpoint);
    String traceId = "5b8efff798038103d269b633813fc60c";
    String callerSpan = "eee19b7ec3c1b174";

    try (LogCapture log = LogCapture.start()) {
      HttpResponse<String> response =
          gateway.get(
              "/v2/users/1?unknown=ignored",
              "traceparent",
              "00-" + traceId + "-" + callerSpan + "-01",
              "x-request-id",
              "from-curl-1");
      assertThat(response.statusCode()).isEqualTo(200);
      closer.closeAll();

      List<Received> spans = receiver.spans();
      assertThat(spans).extracting(Received::traceId).containsOnly(traceId);
      Received http =
          receiver.only("gateway", SpanKind.SPAN_KIND_SERVER, "GET /v2/users/{user_id}");
      Received call = receiver.only("gateway", SpanKind.SPAN_KIND_CLIENT, "v2.user.User/GetUser");
      Received attempt =
          receiver.only("gateway", SpanKind.SPAN_KIND_INTERNAL, "Attempt.v2.user.User/GetUser");
      Received server =
          receiver.only("user-server", SpanKind.SPAN_KIND_SERVER, "v2.user.User/GetUser");
      assertThat(spans).hasSize(4);
      assertThat(http.parentId()).isEqualTo(callerSpan);
      assertThat(call.parentId()).isEqualTo(http.spanId());
      assertThat(attempt.parentId()).isEqualTo(call.spanId());
      assertThat(server.parentId()).isEqualTo(attempt.spanId());
      assertThat(http.attribute("http.request.method")).contains("GET");
      assertThat(http.attribute("http.route")).contains("/v2/users/{user_id}");
      assertThat(http.attribute("url.path")).contains("/v2/users/1");
      assertThat(http.attribute("http.response.status_code")).contains("200");
      assertThat(server.attribute("rpc.grpc.request.metadata.x-request-id"))
          .contains("from-curl-1");
      assertThat(log.text())
          .containsPattern(
              "access - v2\\.user\\.User/GetUser OK .* request_id=from-curl-1 trace_id=" + traceId);
    }
  }
}
