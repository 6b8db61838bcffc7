package dev.grpcpair.testing;

import io.grpc.Channel;
import io.grpc.reflection.v1.ServerReflectionGrpc;
import io.grpc.reflection.v1.ServerReflectionRequest;
import io.grpc.reflection.v1.ServerReflectionResponse;
import io.grpc.reflection.v1.ServiceResponse;
import io.grpc.stub.StreamObserver;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

/** Asks a server's reflection service what it serves, as {@code grpcurl list} does. */
public final class Reflection {

  private Reflection() {}

  public static List<String> listServices(Channel channel) throws Exception {
    CompletableFuture<List<String>> services = new CompletableFuture<>();
    StreamObserver<ServerReflectionRequest> requests =
        ServerReflectionGrpc.newStub(channel)
            .withDeadlineAfter(5, TimeUnit.SECONDS)
            .serverReflectionInfo(
                new StreamObserver<>() {
                  @Override
                  public void onNext(ServerReflectionResponse response) {
                    services.complete(
                        response.getListServicesResponse().getServiceList().stream()
                            .map(ServiceResponse::getName)
                            .collect(Collectors.toList()));
                  }

                  @Override
                  public void onError(Throwable t) {
                    services.completeExceptionally(t);
                  }

                  @Override
                  public void onCompleted() {
                    services.completeExceptionally(new IllegalStateException("no answer"));
                  }
                });
    requests.onNext(ServerReflectionRequest.newBuilder().setListServices("*").build());
    try {
      return services.get(5, TimeUnit.SECONDS);
    } finally {
      requests.onCompleted();
    }
  }
}
