package dev.grpcpair.testing;

import com.google.protobuf.ByteString;
import com.google.protobuf.DescriptorProtos.FileDescriptorProto;
import io.grpc.Channel;
import io.grpc.reflection.v1.ServerReflectionGrpc;
import io.grpc.reflection.v1.ServerReflectionRequest;
import io.grpc.reflection.v1.ServerReflectionResponse;
import io.grpc.reflection.v1.ServiceResponse;
import io.grpc.stub.StreamObserver;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/** Asks a server's reflection service what it serves, as grpcurl does. */
public final class Reflection {

  private Reflection() {}

  /** What {@code grpcurl list} prints. */
  public static List<String> listServices(Channel channel) throws Exception {
    return ask(channel, ServerReflectionRequest.newBuilder().setListServices("*").build())
        .getListServicesResponse()
        .getServiceList()
        .stream()
        .map(ServiceResponse::getName)
        .toList();
  }

  /**
   * The descriptors grpcurl reads to describe {@code symbol}: its file and the files it imports.
   */
  public static List<FileDescriptorProto> filesContaining(Channel channel, String symbol)
      throws Exception {
    List<FileDescriptorProto> files = new ArrayList<>();
    for (ByteString file :
        ask(channel, ServerReflectionRequest.newBuilder().setFileContainingSymbol(symbol).build())
            .getFileDescriptorResponse()
            .getFileDescriptorProtoList()) {
      files.add(FileDescriptorProto.parseFrom(file));
    }
    return files;
  }

  private static ServerReflectionResponse ask(Channel channel, ServerReflectionRequest request)
      throws Exception {
    CompletableFuture<ServerReflectionResponse> answer = new CompletableFuture<>();
    StreamObserver<ServerReflectionRequest> requests =
        ServerReflectionGrpc.newStub(channel)
            .withDeadlineAfter(5, TimeUnit.SECONDS)
            .serverReflectionInfo(
                new StreamObserver<>() {
                  @Override
                  public void onNext(ServerReflectionResponse response) {
                    answer.complete(response);
                  }

                  @Override
                  public void onError(Throwable t) {
                    answer.completeExceptionally(t);
                  }

                  @Override
                  public void onCompleted() {
                    answer.completeExceptionally(new IllegalStateException("no answer"));
                  }
                });
    requests.onNext(request);
    try {
      return answer.get(5, TimeUnit.SECONDS);
    } finally {
      requests.onCompleted();
    }
  }
}
