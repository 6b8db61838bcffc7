package dev.grpcpair.user;

import static org.assertj.core.api.Assertions.assertThat;

import dev.grpcpair.common.server.GrpcServer;
import dev.grpcpair.proto.user.v1.GetUserRequest;
import dev.grpcpair.proto.user.v1.UserGrpc;
import dev.grpcpair.testing.Channels;
import dev.grpcpair.testing.Closer;
import dev.grpcpair.testing.Reflection;
import io.grpc.ManagedChannel;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.health.v1.HealthGrpc;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** The User server as the jar starts it, over Netty on an ephemeral port. */
class UserServerTest {

  private GrpcServer server;
  private ManagedChannel channel;

  @RegisterExtension final Closer closer = new Closer();

  private void start(UserServerConfig config) throws IOException {
    server = closer.add(UserServer.start(config));
    channel = Channels.localhost(server.port());
    closer.add(channel);
  }

  @Test
  void start_servesUsersHealthAndReflection() throws Exception {
    start(UserServerConfig.parse("--port=0"));

    assertThat(
            UserGrpc.newBlockingStub(channel)
                .getUser(GetUserRequest.newBuilder().setUserId("1").build())
                .getUserMessage()
                .getName())
        .isEqualTo("Henry");
    assertThat(Reflection.listServices(channel))
        .contains("v1.user.User", "grpc.health.v1.Health", "grpc.reflection.v1.ServerReflection");
    for (String service : new String[] {"", "v1.user.User"}) {
      assertThat(
              HealthGrpc.newBlockingStub(channel)
                  .check(HealthCheckRequest.newBuilder().setService(service).build())
                  .getStatus())
          .as("health of '%s'", service)
          .isEqualTo(ServingStatus.SERVING);
    }
  }

  @Test
  void start_withDatasetFile_servesIt(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("users.json");
    Files.writeString(file, "{\"users\":[{\"user_id\":\"42\",\"name\":\"Ada\",\"age\":36}]}");

    start(UserServerConfig.parse("--port=0", "--dataset=" + file));

    assertThat(
            UserGrpc.newBlockingStub(channel)
                .getUser(GetUserRequest.newBuilder().setUserId("42").build())
                .getUserMessage()
                .getName())
        .isEqualTo("Ada");
  }
}
