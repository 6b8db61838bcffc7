package dev.grpcpair.user;

import dev.grpcpair.common.config.CommandConfig;
import dev.grpcpair.common.config.Flags;
import dev.grpcpair.common.config.PortConverter;
import dev.grpcpair.common.server.ServerFlags;
import dev.grpcpair.data.DatasetFlags;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** What the User server runs with: {@code java -jar user-server.jar --help} lists it. */
@Command(
    name = "user-server",
    description = "Serves v1.user.User over gRPC, with health and reflection.",
    footer = {
      "Each flag falls back to the environment variable named like it: --port to PORT,",
      "--tls-cert to TLS_CERT, and so on. Tokens only come from a file or AUTH_TOKENS."
    })
public final class UserServerConfig extends CommandConfig {

  @Option(
      names = "--port",
      defaultValue = "9000",
      converter = PortConverter.class,
      description = "Port to listen on; 0 picks a free one.")
  int port;

  @Mixin ServerFlags server;

  @Mixin DatasetFlags data;

  /** Parses flags as {@code main} does; what tests start servers with. */
  public static UserServerConfig parse(String... args) {
    return Flags.parse(new UserServerConfig(), args);
  }

  @Override
  public void check() {
    server.check();
    data.check();
  }
}
