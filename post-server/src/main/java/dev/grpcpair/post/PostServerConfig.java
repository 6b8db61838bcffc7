package dev.grpcpair.post;

import dev.grpcpair.common.client.UserChannelFlags;
import dev.grpcpair.common.config.CommandConfig;
import dev.grpcpair.common.config.Flags;
import dev.grpcpair.common.config.PortConverter;
import dev.grpcpair.common.server.ServerFlags;
import dev.grpcpair.data.DatasetFlags;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** What the Post server runs with: {@code java -jar post-server.jar --help} lists it. */
@Command(
    name = "post-server",
    description =
        "Serves v1.post.Post over gRPC, with health and reflection, asking the User service"
            + " for authors.",
    footer = {
      "Each flag falls back to the environment variable named like it: --port to PORT,",
      "--user-target to USER_TARGET, and so on. Tokens only come from a file, AUTH_TOKENS or",
      "USER_TOKEN."
    })
public final class PostServerConfig extends CommandConfig {

  @Option(
      names = "--port",
      defaultValue = "9001",
      converter = PortConverter.class,
      description = "Port to listen on; 0 picks a free one.")
  int port;

  @Mixin UserChannelFlags user;

  @Mixin ServerFlags server;

  @Mixin DatasetFlags data;

  /** Parses flags as {@code main} does; what tests start servers with. */
  public static PostServerConfig parse(String... args) {
    return Flags.parse(new PostServerConfig(), args);
  }

  @Override
  public void check() {
    server.check();
    data.check();
    user.check();
  }
}
