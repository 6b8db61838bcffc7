package dev.grpcpair.common.server;

import dev.grpcpair.common.config.Flags;
import dev.grpcpair.common.config.InvalidConfigException;
import dev.grpcpair.common.observability.LogOutput;
import java.io.IOException;
import java.io.PrintWriter;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import java.util.logging.Level;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.bridge.SLF4JBridgeHandler;
import picocli.CommandLine;
import picocli.CommandLine.ParameterException;

/**
 * What every server's {@code main} does (the User and Post servers', the gateway's): parse flags
 * (see {@link Flags}), start the server, serve until SIGTERM or Ctrl-C, and exit with a code that
 * says how it went: 2 for a bad flag or environment value (one line on stderr, no stack trace), 1
 * when the server could not start, and after a graceful stop the JVM's own code for the signal that
 * asked for it, 143 for SIGTERM and 130 for Ctrl-C (128 + the signal's number).
 */
public final class ServerMain {

  private static final Logger log = LoggerFactory.getLogger(ServerMain.class);

  // grpc logs its channels' events (addresses resolved, connection states, the balancer's
  // choices) to this java.util.logging logger, at levels below the INFO it lets through by
  // default. Held, so that a level set on it is not lost with a collected logger.
  private static final java.util.logging.Logger CHANNEL_EVENTS =
      java.util.logging.Logger.getLogger("io.grpc.ChannelLogger");

  /** Starts a server from its parsed config. */
  @FunctionalInterface
  public interface Starter<C> {
    RunningServer start(C config) throws IOException;
  }

  /** What a JVM stopped by SIGTERM exits with: 128 + the signal's number. */
  private static final int SIGTERM_EXIT = 143;

  private ServerMain() {}

  /**
   * Lets grpc's channel events through when slf4j's level for {@code io.grpc.ChannelLogger} asks
   * for them ({@code -Dorg.slf4j.simpleLogger.log.io.grpc.ChannelLogger=debug}): grpc logs its
   * channel events of level INFO at JUL's FINER (debug here) and the finer ones at FINEST (trace).
   */
  private static void passChannelEventsIfAsked() {
    Logger events = LoggerFactory.getLogger(CHANNEL_EVENTS.getName());
    if (events.isTraceEnabled()) {
      CHANNEL_EVENTS.setLevel(Level.FINEST);
    } else if (events.isDebugEnabled()) {
      CHANNEL_EVENTS.setLevel(Level.FINER);
    }
  }

  /**
   * Parses {@code args} and {@code environment} (the process' in {@code main}) into {@code config},
   * starts and serves; returns the exit code.
   */
  public static <C extends Flags.Checked> int run(
      C config, String[] args, Map<String, String> environment, Starter<C> starter) {
    LogOutput.install();
    // grpc-java logs through java.util.logging; send it to the same place as ours.
    SLF4JBridgeHandler.removeHandlersForRootLogger();
    SLF4JBridgeHandler.install();
    passChannelEventsIfAsked();
    CommandLine commandLine = Flags.commandLine(config, environment);
    // The hook goes in before the start: a SIGTERM while the server starts (run-pair.sh stopping
    // the others when one fails) would otherwise meet a JVM that refuses new hooks, and leave a
    // stack trace instead of a graceful stop.
    AtomicReference<RunningServer> serving = new AtomicReference<>();
    try {
      Runtime.getRuntime().addShutdownHook(gracefulStop(serving));
    } catch (IllegalStateException shuttingDown) {
      // The SIGTERM came even earlier, while the JVM was starting: it is already on its way out,
      // with the signal's exit code, and nothing was started that needs stopping.
      return SIGTERM_EXIT;
    }
    RunningServer server;
    try {
      CommandLine.ParseResult parsed = Flags.parse(commandLine, environment, args);
      if (CommandLine.printHelpIfRequested(parsed)) {
        return 0;
      }
      server = starter.start(config);
    } catch (ParameterException e) {
      return reportBadFlag(commandLine, Flags.badValue(e, environment, args));
    } catch (InvalidConfigException e) {
      // A dataset, TLS file or target that cannot be used: a bad value too.
      return reportBadFlag(commandLine, e.getMessage());
    } catch (IOException | RuntimeException e) {
      // One line for the operator; the stack trace only when asked for (debug level). A bug's
      // IllegalArgumentException lands here too: exit code 2 is for what the operator set.
      log.error("{} could not start: {}", commandLine.getCommandName(), e.getMessage());
      log.debug("{} start-up failure", commandLine.getCommandName(), e);
      return 1;
    } catch (OutOfMemoryError e) {
      // Whatever ran out of memory is garbage now; the line fits. The data's own check says more.
      log.error(
          "{} could not start: out of memory ({}); start the JVM with a larger -Xmx",
          commandLine.getCommandName(),
          e.getMessage());
      return 1;
    }
    serving.set(server);
    try {
      server.awaitStopped();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    return 0;
  }

  /**
   * SIGTERM and SIGINT run the JVM's shutdown hooks; this one stops the server gracefully. The
   * JVM's other hooks run beside it (a flight recording's dump, say), and the exit code is the
   * JVM's. Before the server serves, or when it could not start, it does nothing.
   */
  private static Thread gracefulStop(AtomicReference<RunningServer> serving) {
    return new Thread(
        () -> {
          RunningServer server = serving.get();
          if (server == null) {
            return;
          }
          try {
            server.stop();
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          }
          LogOutput.flush();
        },
        "graceful-stop");
  }

  /** One line, so that a log collector keeps the reason and the pointer to the help together. */
  private static int reportBadFlag(CommandLine commandLine, String message) {
    PrintWriter err = commandLine.getErr();
    String name = commandLine.getCommandName();
    err.println(name + ": " + message + " (" + name + " --help lists the flags)");
    err.flush();
    return 2;
  }
}
