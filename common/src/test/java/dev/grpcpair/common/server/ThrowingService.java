package dev.grpcpair.common.server;

import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import io.grpc.testing.protobuf.SimpleRequest;
import io.grpc.testing.protobuf.SimpleResponse;
import io.grpc.testing.protobuf.SimpleServiceGrpc;

/** A handler with a bug (it throws), or one that throws a status on purpose. */
final class ThrowingService extends SimpleServiceGrpc.SimpleServiceImplBase {

  static final String SECRET_DETAIL = "password=hunter2 in a bug's message";

  @Override
  public void unaryRpc(SimpleRequest request, StreamObserver<SimpleResponse> responseObserver) {
    if (request.getRequestMessage().equals("status")) {
      throw Status.FAILED_PRECONDITION.withDescription("thrown on purpose").asRuntimeException();
    }
    throw new IllegalStateException(SECRET_DETAIL);
  }
}
