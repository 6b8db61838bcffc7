package dev.grpcpair.common.security;

import io.grpc.stub.StreamObserver;
import io.grpc.testing.protobuf.SimpleRequest;
import io.grpc.testing.protobuf.SimpleResponse;
import io.grpc.testing.protobuf.SimpleServiceGrpc;
import java.util.concurrent.atomic.AtomicInteger;

/** Answers with the caller's authenticated identity (empty if none) and counts its calls. */
final class IdentityEchoService extends SimpleServiceGrpc.SimpleServiceImplBase {

  final AtomicInteger calls = new AtomicInteger();

  @Override
  public void unaryRpc(SimpleRequest request, StreamObserver<SimpleResponse> responseObserver) {
    calls.incrementAndGet();
    responseObserver.onNext(
        SimpleResponse.newBuilder().setResponseMessage(Identity.current().orElse("")).build());
    responseObserver.onCompleted();
  }
}
