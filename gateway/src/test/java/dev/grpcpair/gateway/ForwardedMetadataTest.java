package dev.grpcpair.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import dev.grpcpair.proto.user.v2.GetUserRequest;
import dev.grpcpair.proto.user.v2.GetUserResponse;
import dev.grpcpair.proto.user.v2.UserGrpc;
import dev.grpcpair.proto.user.v2.UserMessage;
import dev.grpcpair.testing.Closer;
import io.grpc.Grpc;
import io.grpc.InsecureServerCredentials;
import io.grpc.Metadata;
import io.grpc.Server;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.ServerInterceptors;
import io.grpc.stub.StreamObserver;
import java.net.http.HttpResponse;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** What the User server receives from the gateway: the metadata grpc-gateway passes on. */
class ForwardedMetadataTest {

  @RegisterExtension final Closer closer = new Closer();
  private final AtomicReference<Metadata> received = new AtomicReference<>();
  private GatewayClient gateway;

  @BeforeEach
  void setUp() throws Exception {
    UserGrpc.UserImplBase users =
        new UserGrpc.UserImplBase() {
          @Override
          public void getUser(GetUserRequest request, StreamObserver<GetUserResponse> answer) {
            answer.onNext(
                GetUserResponse.newBuilder()
                    .setUserMessage(UserMessage.newBuilder().setUserId(request.getUserId()))
                    .build());
            answer.onCompleted();
          }
        };
    ServerInterceptor recording =
        new ServerInterceptor() {
          @Override
          public <Q, R> ServerCall.Listener<Q> interceptCall(
              ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
            received.set(headers);
            return next.startCall(call, headers);
          }
        };
    Server user =
        closer.add(
            Grpc.newServerBuilderForPort(0, InsecureServerCredentials.create())
                .addService(ServerInterceptors.intercept(users, recording))
                .build()
                .start());
    gateway = GatewayClient.inFrontOf(user.getPort(), closer);
  }

  private String header(String name) {
    return received.get().get(Metadata.Key.of(name, Metadata.ASCII_STRING_MARSHALLER));
  }

  @Test
  void authorizationGrpcMetadataAndForwardedHeaders_reachTheUserServer() throws Exception {
    HttpResponse<String> response =
        gateway.get(
            "/v2/users/7",
            "Authorization",
            "Bearer abc",
            "Grpc-Metadata-Tenant",
            "blue",
            "X-Forwarded-For",
            "203.0.113.9",
            "X-Unrelated",
            "kept out");

    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(header("authorization")).isEqualTo("Bearer abc");
    assertThat(header("tenant")).isEqualTo("blue");
    assertThat(header("x-forwarded-for")).isEqualTo("203.0.113.9, 127.0.0.1");
    assertThat(header("x-forwarded-host")).isEqualTo("localhost:" + gateway.gateway().port());
    assertThat(header("x-unrelated")).isNull();
  }

  @Test
  void grpcTimeoutThatRunsOut_is504DeadlineExceeded() throws Exception {
    HttpResponse<String> response = gateway.get("/v2/users/7", "Grpc-Timeout", "1n");

    assertThat(response.statusCode()).isEqualTo(504);
    assertThat(response.body())
        .isEqualTo("{\"code\":4,\"message\":\"context deadline exceeded\",\"details\":[]}");
  }
}
