package dev.grpcpair.common.observability;

import static org.assertj.core.api.Assertions.assertThat;

import dev.grpcpair.testing.Closer;
import io.grpc.Channel;
import io.grpc.ClientInterceptors;
import io.grpc.Context;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.InsecureServerCredentials;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.Server;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.ServerInterceptors;
import io.grpc.stub.MetadataUtils;
import io.grpc.stub.StreamObserver;
import io.grpc.testing.protobuf.SimpleRequest;
import io.grpc.testing.protobuf.SimpleResponse;
import io.grpc.testing.protobuf.SimpleServiceGrpc;
import io.opentelemetry.api.trace.Span;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The client side of the request id: what a call made while handling another one sends. */
class RequestIdTest {

  @RegisterExtension final Closer closer = new Closer();

  @Test
  void theHandledCallsId_isSentInPlaceOfAnyTheMetadataHad_andNothingIsAddedOutsideACall()
      throws Exception {
    AtomicReference<List<String>> received = new AtomicReference<>();
    Channel channel = channelTo(serverRecording(received));
    Metadata passedOn = new Metadata();
    passedOn.put(RequestId.HEADER, "from-grpc-metadata");
    Channel withPassedOn =
        ClientInterceptors.intercept(
            channel,
            RequestId.clientInterceptor(),
            MetadataUtils.newAttachHeadersInterceptor(passedOn));

    Context.current()
        .withValue(CallTrail.KEY, new CallTrail.Of("handled-1", Span.getInvalid()))
        .run(() -> call(withPassedOn));
    assertThat(received.get()).containsExactly("handled-1");

    call(withPassedOn); // not while handling a call: the metadata goes as it is
    assertThat(received.get()).containsExactly("from-grpc-metadata");
  }

  private static void call(Channel channel) {
    SimpleServiceGrpc.newBlockingStub(channel).unaryRpc(SimpleRequest.getDefaultInstance());
  }

  private Server serverRecording(AtomicReference<List<String>> received) throws Exception {
    ServerInterceptor recorder =
        new ServerInterceptor() {
          @Override
          public <ReqT, RespT> ServerCall.Listener<ReqT> interceptCall(
              ServerCall<ReqT, RespT> call, Metadata headers, ServerCallHandler<ReqT, RespT> next) {
            Iterable<String> ids = headers.getAll(RequestId.HEADER);
            List<String> list = new ArrayList<>();
            if (ids != null) {
              ids.forEach(list::add);
            }
            received.set(list);
            return next.startCall(call, headers);
          }
        };
    SimpleServiceGrpc.SimpleServiceImplBase service =
        new SimpleServiceGrpc.SimpleServiceImplBase() {
          @Override
          public void unaryRpc(SimpleRequest request, StreamObserver<SimpleResponse> answer) {
            answer.onNext(SimpleResponse.getDefaultInstance());
            answer.onCompleted();
          }
        };
    return closer.add(
        Grpc.newServerBuilderForPort(0, InsecureServerCredentials.create())
            .addService(ServerInterceptors.intercept(service, recorder))
            .build()
            .start());
  }

  private ManagedChannel channelTo(Server server) {
    return closer.add(
        Grpc.newChannelBuilder("localhost:" + server.getPort(), InsecureChannelCredentials.create())
            .build());
  }
}
