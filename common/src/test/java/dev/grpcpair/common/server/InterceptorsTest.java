package dev.grpcpair.common.server;

import static dev.grpcpair.testing.GrpcAssertions.assertStatus;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.grpcpair.common.observability.RequestId;
import dev.grpcpair.common.observability.Telemetry;
import dev.grpcpair.common.observability.TraceExport;
import dev.grpcpair.testing.Closer;
import dev.grpcpair.testing.LogCapture;
import dev.grpcpair.testing.RawCalls;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.stub.MetadataUtils;
import io.grpc.testing.protobuf.SimpleRequest;
import io.grpc.testing.protobuf.SimpleServiceGrpc;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The interceptors every server carries, over Netty. */
class InterceptorsTest {

  @RegisterExtension final Closer closer = new Closer();
  private GrpcServer server;

  private ManagedChannel start(GrpcServerBuilder builder) throws Exception {
    server = closer.add(builder.start());
    ManagedChannel channel =
        Grpc.newChannelBuilder("localhost:" + server.port(), InsecureChannelCredentials.create())
            .build();
    closer.add(channel);
    return channel;
  }

  @Test
  void handlerThatThrows_answersInternalWithAGenericDescription_andLogsTheStackOnce()
      throws Exception {
    ManagedChannel channel =
        start(GrpcServer.builder("test", 0, ServerFlags.parse()).addService(new ThrowingService()));

    try (LogCapture log = LogCapture.start()) {
      assertThatThrownBy(
              () ->
                  SimpleServiceGrpc.newBlockingStub(channel)
                      .unaryRpc(SimpleRequest.getDefaultInstance()))
          .isInstanceOfSatisfying(
              StatusRuntimeException.class,
              e -> {
                assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INTERNAL);
                assertThat(e.getStatus().getDescription())
                    .isEqualTo(RecoveryInterceptor.INTERNAL_DESCRIPTION);
                assertThat(e.getTrailers().toString()).doesNotContain("hunter2");
              });
      closer.closeAll();

      String text = log.text();
      assertThat(text.split("failed with an unexpected exception", -1)).hasSize(2);
      assertThat(text)
          .contains("java.lang.IllegalStateException: " + ThrowingService.SECRET_DETAIL);
    }
  }

  @Test
  void handlerThatThrowsAStatus_answersThatStatus() throws Exception {
    ManagedChannel channel =
        start(GrpcServer.builder("test", 0, ServerFlags.parse()).addService(new ThrowingService()));

    assertStatus(
        () ->
            SimpleServiceGrpc.newBlockingStub(channel)
                .unaryRpc(SimpleRequest.newBuilder().setRequestMessage("status").build()),
        Status.Code.FAILED_PRECONDITION,
        "thrown on purpose");
  }

  @Test
  void requestId_isEchoedWhenGiven_madeWhenMissing_replacedWhenUnsafe() throws Exception {
    ManagedChannel channel = start(GrpcServer.builder("test", 0, ServerFlags.parse()));

    assertThat(responseRequestId(channel, "abc-123")).isEqualTo("abc-123");
    assertThat(responseRequestId(channel, null)).matches("[0-9a-f-]{36}");
    assertThat(responseRequestId(channel, "evil id; INFO forged")).matches("[0-9a-f-]{36}");
  }

  @Test
  void accessLog_oneLinePerCallWithMethodStatusPeerAndRequestId_butNotForRoutineHealthChecks()
      throws Exception {
    ManagedChannel channel =
        start(GrpcServer.builder("test", 0, ServerFlags.parse()).addService(new ThrowingService()));

    try (LogCapture log = LogCapture.start()) {
      Metadata headers = new Metadata();
      headers.put(RequestId.HEADER, "trace-me-42");
      assertStatus(
          () ->
              SimpleServiceGrpc.newBlockingStub(channel)
                  .withInterceptors(MetadataUtils.newAttachHeadersInterceptor(headers))
                  .unaryRpc(SimpleRequest.newBuilder().setRequestMessage("status").build()),
          Status.Code.FAILED_PRECONDITION,
          "thrown on purpose");
      responseRequestId(channel, "probe-7");
      closer.closeAll();

      assertThat(log.text())
          .containsPattern(
              "access - grpc\\.testing\\.SimpleService/UnaryRpc FAILED_PRECONDITION [0-9.]+ms"
                  + " peer=/127\\.0\\.0\\.1:\\d+ identity=- request_id=trace-me-42")
          .doesNotContain("request_id=probe-7");
    }
  }

  @Test
  void callToAMethodNoServiceHas_isAnsweredAsGrpcWould_andHasItsAccessLogLine() throws Exception {
    ManagedChannel channel =
        start(GrpcServer.builder("test", 0, ServerFlags.parse()).addService(new ThrowingService()));
    String tooLong = "v1.nope.Nope/" + "x".repeat(300);

    try (LogCapture log = LogCapture.start()) {
      Status unknown =
          RawCalls.unaryWith(channel, "grpc.testing.SimpleService/Nope", List.of(new byte[0]));
      Status forging =
          RawCalls.unaryWith(channel, "v1.nope.Nope/Call\nINFO forged \u00e9", List.of());
      Status cut = RawCalls.unaryWith(channel, tooLong, List.of());
      closer.closeAll();

      assertThat(unknown.getCode()).isEqualTo(Status.Code.UNIMPLEMENTED);
      assertThat(unknown.getDescription())
          .isEqualTo("Method not found: grpc.testing.SimpleService/Nope");
      assertThat(forging.getCode()).isEqualTo(Status.Code.UNIMPLEMENTED);
      assertThat(cut.getDescription()).isEqualTo("Method not found: " + tooLong);
      assertThat(log.text())
          .containsPattern(
              "access - grpc\\.testing\\.SimpleService/Nope UNIMPLEMENTED [0-9.]+ms"
                  + " peer=/127\\.0\\.0\\.1:\\d+ identity=- request_id=[0-9a-f-]{36}")
          // The caller's text, printable and bounded: no line of its own making.
          .contains("access - v1.nope.Nope/Call?INFO?forged?? UNIMPLEMENTED")
          .doesNotContain("\nINFO forged")
          .contains("access - v1.nope.Nope/" + "x".repeat(187) + "... UNIMPLEMENTED");
    }
  }

  @Test
  void metrics_countEachMethodsCallsForPrometheus() throws Exception {
    ManagedChannel channel =
        start(
            GrpcServer.builder("test", 0, ServerFlags.parse())
                .telemetry(Telemetry.open(0, TraceExport.OFF)));
    int port = server.metricsPort();
    for (int i = 0; i < 7; i++) {
      HealthGrpc.newBlockingStub(channel).check(HealthCheckRequest.getDefaultInstance());
    }

    String scrape =
        HttpClient.newHttpClient()
            .send(
                HttpRequest.newBuilder(URI.create("http://localhost:" + port + "/metrics")).build(),
                HttpResponse.BodyHandlers.ofString())
            .body();

    Matcher count =
        Pattern.compile(
                "grpc_server_call_duration_seconds_count\\{[^}]*grpc_method=\"grpc.health.v1.Health/Check\"[^}]*grpc_status=\"OK\"[^}]*} (\\d+)")
            .matcher(scrape);
    assertThat(count.find()).as(scrape).isTrue();
    assertThat(count.group(1)).isEqualTo("7");
  }

  private static String responseRequestId(ManagedChannel channel, String sent) {
    Metadata headers = new Metadata();
    if (sent != null) {
      headers.put(RequestId.HEADER, sent);
    }
    AtomicReference<Metadata> responseHeaders = new AtomicReference<>();
    AtomicReference<Metadata> trailers = new AtomicReference<>();
    HealthGrpc.newBlockingStub(channel)
        .withInterceptors(
            MetadataUtils.newAttachHeadersInterceptor(headers),
            MetadataUtils.newCaptureMetadataInterceptor(responseHeaders, trailers))
        .check(HealthCheckRequest.getDefaultInstance());
    return responseHeaders.get().get(RequestId.HEADER);
  }
}
