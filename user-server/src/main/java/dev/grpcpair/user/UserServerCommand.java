package dev.grpcpair.user;

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

/** {@code java -jar user-server.jar}: flags, each falling back to an environment variable. */
@Command(
    name = "user-server",
    mixinStandardHelpOptions = true,
    abbreviateSynopsis = true,
    version = "user-server 1.0.0",
    sortOptions = false,
    description = "Serves v1.user.User over gRPC, with health and reflection.",
    footer = "Each flag falls back to the environment variable named in its description.")
public final class UserServerCommand implements Callable<Integer> {

  private static final Logger log = LoggerFactory.getLogger(UserServerCommand.class);

  @Spec private CommandSpec spec;

  @Option(
      names = "--port",
      defaultValue = "${env:PORT:-9000}",
      converter = PortConverter.class,
      paramLabel = "PORT",
      description = "Port to listen on; 0 picks a free one. Env: PORT. Default: ${DEFAULT-VALUE}.")
  private int port;

  @Mixin private DatasetOptions dataset;

  @Mixin private ServerOptions server;

  public static void main(String[] args) {
    System.exit(ServerLauncher.execute(new UserServerCommand(), args));
  }

  @Override
  public Integer call() throws Exception {
    ServerSettings settings = server.settings(System.getenv());
    DatasetSource source = dataset.source();
    UserServerConfig config = new UserServerConfig(port, source, settings);
    GrpcServer started;
    try {
      started = UserServer.start(config);
    } catch (InvalidDatasetException | IllegalArgumentException e) {
      // A dataset or TLS file that cannot be used is a bad flag value.
      throw new ParameterException(spec.commandLine(), e.getMessage(), e);
    }
    log.info(
        "user-server {} listening on port {} (dataset: {}, {})",
        started.replicaName(),
        started.port(),
        source.describe(),
        settings.describe());
    ServerLauncher.serveUntilSignalled(started);
    return 0;
  }
}
