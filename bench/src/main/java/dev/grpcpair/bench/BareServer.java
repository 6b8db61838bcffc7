package dev.grpcpair.bench;

import dev.grpcpair.proto.user.v1.GetUserRequest;
import dev.grpcpair.proto.user.v1.GetUserResponse;
import dev.grpcpair.proto.user.v1.UserGrpc;
import dev.grpcpair.proto.user.v1.UserMessage;
import io.grpc.Grpc;
import io.grpc.InsecureServerCredentials;
import io.grpc.Server;
import io.grpc.protobuf.services.HealthStatusManager;
import io.grpc.stub.StreamObserver;
import java.io.IOException;

/**
 * The floor the User server is measured against: grpc-java alone, on {@code directExecutor()}, no
 * interceptors, answering GetUser with user 1 from a constant. Health is served only so the
 * benchmark can tell when it is up.
 */
public final class BareServer {

  private static final GetUserResponse HENRY =
      GetUserResponse.newBuilder()
          .setUserMessage(
              UserMessage.newBuilder()
                  .setUserId("1")
                  .setName("Henry")
                  .setPhoneNumber("01012341234")
                  .setAge(22))
          .build();

  private BareServer() {}

  public static void main(String[] args) throws IOException, InterruptedException {
    Server server =
        Grpc.newServerBuilderForPort(0, InsecureServerCredentials.create())
            .directExecutor()
            .addService(new HealthStatusManager().getHealthService())
            .addService(
                new UserGrpc.UserImplBase() {
                  @Override
                  public void getUser(
                      GetUserRequest request, StreamObserver<GetUserResponse> responseObserver) {
                    responseObserver.onNext(HENRY);
                    responseObserver.onCompleted();
                  }
                })
            .build()
            .start();
    System.out.println("bare grpc-java listening on port " + server.getPort());
    server.awaitTermination();
  }
}
