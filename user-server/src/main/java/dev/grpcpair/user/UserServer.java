package dev.grpcpair.user;

import dev.grpcpair.common.server.GrpcServer;
import dev.grpcpair.common.server.ServerFlags;
import dev.grpcpair.common.server.ServerMain;
import dev.grpcpair.data.InMemoryUserRepository;
import java.io.IOException;

/** The User server: {@code main} of the jar, and {@link #start}, which the tests call too. */
public final class UserServer {

  private UserServer() {}

  public static void main(String[] args) {
    System.exit(ServerMain.run(new UserServerConfig(), args, System.getenv(), UserServer::start));
  }

  public static GrpcServer start(UserServerConfig config) throws IOException {
    ServerFlags flags = config.server;
    InMemoryUserRepository users = config.data.load(InMemoryUserRepository::new);
    return GrpcServer.builder("user-server", config.port, flags)
        .addService(new UserServiceImpl(users))
        .addService(new UserServiceV2Impl(users))
        .telemetry(flags.openTelemetry("user-server", config.port))
        .start();
  }
}
