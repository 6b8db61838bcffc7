package dev.grpcpair.post;

import dev.grpcpair.common.GrpcServer;
import dev.grpcpair.common.PortConverter;
import dev.grpcpair.common.ServerLauncher;
import dev.grpcpair.common.ServerOptions;
import dev.grpcpair.common.ServerSettings;
import dev.grpcpair.data.DatasetOptions;
import dev.grpcpair.data.DatasetSource;
import dev.grpcpair.data.InvalidDatasetException;
import java.util.concurrent.Callable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** {@code java -jar post-server.jar}: flags, each falling back to an environment variable. */
@Command(
    name = "post-server",
    mixinStandardHelpOptions = true,
    abbreviateSynopsis = true,
    version = "post-server 1.0.0",
    sortOptions = false,
    description = "Serves v1.post.Post over gRPC, with health and reflection, asking the User service for authors.",
    footer = "Each flag falls back to the environment variable named in its description.")
public final class PostServerCommand implements Callable<Integer> {

  private static final Logger log = LoggerFactory.getLogger(PostServerCommand.class);

  @Spec private CommandSpec spec;

  @Option(
      names = "--port",
      defaultValue = "${env:PORT:-9001}",
      converter = PortConverter.class,
      paramLabel = "PORT",
      description = "Port to listen on; 0 picks a free one. Env: PORT. Default: ${DEFAULT-VALUE}.")
  private int port;

  @Mixin private UserClientOptions user;

  @Option(
      names = "--handler-threads",
      defaultValue = "${env:HANDLER_THREADS:-16}",
      paramLabel = "N",
      description = "Streaming calls handled at once (they block on author look-ups); more wait in line. Env: HANDLER_THREADS. Default: ${DEFAULT-VALUE}.")
  private int handlerThreads;

  @Option(
      names = "--unary-executor",
      defaultValue = "${env:UNARY_EXECUTOR:-event-loop}",
      paramLabel = "WHERE",
      description = "Where the unary methods run: event-loop (they never block) or pool (the handler pool, like the streaming ones). Env: UNARY_EXECUTOR. Default: ${DEFAULT-VALUE}.")
  private String unaryExecutor;

  @Mixin private DatasetOptions dataset;

  @Mixin private ServerOptions server;

  public static void main(String[] args) {
    System.exit(ServerLauncher.execute(new PostServerCommand(), args));
  }

  @Override
  public Integer call() throws Exception {
    if (handlerThreads < 1) {
      throw new ParameterException(
          spec.commandLine(), "--handler-threads must be at least 1, not " + handlerThreads);
    }
    UserClientConfig userConfig = user.config(System.getenv(), server.tlsReloadInterval());
    ServerSettings settings = server.settings(System.getenv());
    if (!unaryExecutor.equals("event-loop") && !unaryExecutor.equals("pool")) {
      throw new ParameterException(
          spec.commandLine(), "--unary-executor is event-loop or pool, not '" + unaryExecutor + "'");
    }
    DatasetSource source = dataset.source();
    PostServerConfig config =
        new PostServerConfig(port, userConfig, handlerThreads, source, settings, unaryExecutor.equals("event-loop"));
    GrpcServer started;
    try {
      started = PostServer.start(config);
    } catch (InvalidDatasetException | IllegalArgumentException e) {
      // A dataset or TLS file that cannot be used, or a malformed --user-target, is a bad flag value.
      throw new ParameterException(spec.commandLine(), e.getMessage(), e);
    }
    log.info(
        "post-server {} listening on port {} (user service: {}, unary calls on the {}, handler threads: {}, dataset: {}, {})",
        started.replicaName(),
        started.port(),
        userConfig.describe(),
        unaryExecutor,
        handlerThreads,
        source.describe(),
        settings.describe());
    ServerLauncher.serveUntilSignalled(started);
    return 0;
  }
}
