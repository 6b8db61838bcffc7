package dev.grpcpair.post;

import dev.grpcpair.common.DurationConverter;
import dev.grpcpair.common.Durations;
import dev.grpcpair.common.GrpcServer;
import dev.grpcpair.common.PortConverter;
import dev.grpcpair.common.ServerLauncher;
import dev.grpcpair.data.InvalidDatasetException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** {@code java -jar post-server.jar}: flags, each falling back to an environment variable. */
@Command(
    name = "post-server",
    mixinStandardHelpOptions = true,
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

  @Option(
      names = "--user-target",
      defaultValue = "${env:USER_TARGET:-localhost:9000}",
      paramLabel = "TARGET",
      description = "The User service: any grpc target (host:port, dns:///host:port). Env: USER_TARGET. Default: ${DEFAULT-VALUE}.")
  private String userTarget;

  @Option(
      names = "--user-deadline",
      defaultValue = "${env:USER_DEADLINE:-2s}",
      converter = DurationConverter.class,
      paramLabel = "DURATION",
      description = "Deadline of a call to the User service when the incoming call carries none. Env: USER_DEADLINE. Default: ${DEFAULT-VALUE}.")
  private Duration userDeadline;

  @Option(
      names = "--handler-threads",
      defaultValue = "${env:HANDLER_THREADS:-16}",
      paramLabel = "N",
      description = "Calls handled at once (each blocks on the User service); more wait in line. Env: HANDLER_THREADS. Default: ${DEFAULT-VALUE}.")
  private int handlerThreads;

  @Option(
      names = "--dataset",
      defaultValue = "${env:DATASET}",
      paramLabel = "FILE",
      description = "Dataset file (protobuf JSON, see README); unset: the embedded sample data. Env: DATASET.")
  private Path dataset;

  @Option(
      names = "--shutdown-grace",
      defaultValue = "${env:SHUTDOWN_GRACE:-10s}",
      converter = DurationConverter.class,
      paramLabel = "DURATION",
      description = "How long calls in flight may finish after SIGTERM before they are cancelled. Env: SHUTDOWN_GRACE. Default: ${DEFAULT-VALUE}.")
  private Duration shutdownGrace;

  public static void main(String[] args) {
    System.exit(ServerLauncher.execute(new PostServerCommand(), args));
  }

  @Override
  public Integer call() throws Exception {
    if (handlerThreads < 1) {
      throw new ParameterException(
          spec.commandLine(), "--handler-threads must be at least 1, not " + handlerThreads);
    }
    PostServerConfig config =
        new PostServerConfig(port, userTarget, userDeadline, handlerThreads, dataset, shutdownGrace);
    GrpcServer server;
    try {
      server = PostServer.start(config);
    } catch (InvalidDatasetException | IllegalArgumentException e) {
      // A malformed --user-target is caught by grpc's channel builder as IllegalArgumentException.
      throw new ParameterException(spec.commandLine(), e.getMessage(), e);
    }
    log.info(
        "post-server listening on port {} (user service: {}, user deadline: {}, handler threads: {}, dataset: {}, shutdown grace: {})",
        server.port(),
        userTarget,
        Durations.format(userDeadline),
        handlerThreads,
        dataset == null ? "embedded sample" : dataset,
        Durations.format(shutdownGrace));
    ServerLauncher.serveUntilSignalled(server);
    return 0;
  }
}
